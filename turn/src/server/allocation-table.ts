// All live allocations, keyed by client 5-tuple (RFC 8656 §2.2), with the quota bookkeeping of
// RFC 8656 §7.2 (486) and one sweep timer for the whole server instead of timers per allocation.
import { quotaUser } from '../auth/credentials';
import type { Logger } from '../log';
import type { TurnStats } from '../stats';
import type { Allocation } from './allocation';
import type { PortPool } from './port-pool';

export class AllocationTable {
  private readonly byKey = new Map<string, Allocation>();
  /** Counts per user label, including allocations still binding their socket. */
  private readonly perUser = new Map<string, number>();
  private pendingTotal = 0;
  private readonly pendingKeys = new Set<string>();
  /** Allocations owned by relay worker threads (shard/), counted here for the quotas only. */
  private remote = 0;

  constructor(
    private readonly pool: Pick<PortPool, 'release'>,
    private readonly stats: TurnStats,
    private readonly logger: Logger,
    private readonly onDelete?: (allocation: Allocation) => void,
  ) {}

  get(key: string): Allocation | undefined {
    return this.byKey.get(key);
  }

  get size(): number {
    return this.byKey.size + this.remote;
  }

  values(): IterableIterator<Allocation> {
    return this.byKey.values();
  }

  isPending(key: string): boolean {
    return this.pendingKeys.has(key);
  }

  /** Reserves quota for an Allocate in progress; false when a quota is reached. */
  begin(key: string, username: string, maxPerUser: number, maxTotal: number): boolean {
    const user = quotaUser(username);
    const mine = this.perUser.get(user) ?? 0;
    if (mine >= maxPerUser || this.size + this.pendingTotal >= maxTotal) return false;
    this.perUser.set(user, mine + 1);
    this.pendingTotal++;
    this.pendingKeys.add(key);
    return true;
  }

  /** Ends an Allocate in progress: with the allocation on success, without it on failure. */
  finish(key: string, username: string, allocation: Allocation | undefined): void {
    this.pendingTotal--;
    this.pendingKeys.delete(key);
    if (!allocation) {
      this.decrement(quotaUser(username));
      return;
    }
    this.byKey.set(key, allocation);
    this.stats.allocationsTotal++;
    this.stats.allocationsActive = this.size;
  }

  /** Ends an Allocate whose allocation a relay worker thread now owns. */
  finishRemote(key: string): void {
    this.pendingTotal--;
    this.pendingKeys.delete(key);
    this.remote++;
    this.stats.allocationsTotal++;
    this.stats.allocationsActive = this.size;
  }

  /** A worker-owned allocation ended: its quota is free again. */
  releaseRemote(username: string): void {
    this.remote--;
    this.decrement(quotaUser(username));
    this.stats.allocationsActive = this.size;
  }

  /** Deletes (LIFETIME 0, expiry, connection closed): closes the relay socket so nothing is relayed after. */
  delete(allocation: Allocation, reason: string): void {
    if (allocation.closed) return;
    allocation.closed = true;
    this.byKey.delete(allocation.link.key);
    this.decrement(quotaUser(allocation.username));
    this.pool.release(allocation.relayed.port, allocation.relay);
    this.stats.allocationsActive = this.size;
    this.onDelete?.(allocation);
    this.logger.debug({ client: allocation.link.key, port: allocation.relayed.port, reason }, 'allocation deleted');
  }

  /** Expires allocations past their lifetime and prunes their permissions and channels. */
  sweep(now: number): void {
    for (const a of [...this.byKey.values()]) {
      if (a.expiresAt <= now) this.delete(a, 'expired');
      else a.prune(now);
    }
  }

  closeAll(reason: string): void {
    for (const a of [...this.byKey.values()]) this.delete(a, reason);
  }

  private decrement(user: string): void {
    const n = (this.perUser.get(user) ?? 1) - 1;
    if (n <= 0) this.perUser.delete(user);
    else this.perUser.set(user, n);
  }
}
