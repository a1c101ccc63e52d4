// Using more than one core on Node 20, whose dgram has no SO_REUSEPORT: the main thread keeps the
// listening sockets, authenticates every Allocate and enforces the quotas; the allocation itself is
// built in one of N worker threads (round-robin), each with its own slice of the relay port range.
// The worker binds a second socket on the listening address and port (SO_REUSEADDR) connect()ed to
// the client; Linux prefers a connected socket for that client's datagrams, so the whole data and
// control plane of the allocation runs in the worker and the main thread never sees it again. The
// Allocate success is sent by the main thread only after the worker's socket is connected.
//
// Caveat, documented in README: SO_REUSEADDR on a UDP port lets another local process that sets it
// too bind the same port; run the relay where it is the only tenant (its container).
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log';
import type { ResolvedOptions } from '../options';
import type { AllocationTable } from '../server/allocation-table';
import { readSharedStats, SHARED_STATS_BYTES, type TurnStats } from '../stats';
import type { AllocateOrder, FromWorker, ToWorker, WorkerInit } from './messages';

interface Shard {
  worker: Worker;
  /** The worker's counters, shared memory it writes and we read (stays readable after it exits). */
  statsBuffer: SharedArrayBuffer;
  closed: Promise<void>;
  alive: boolean;
  /** Allocate orders this worker has not answered yet. */
  pending: Set<number>;
}

export class ShardPool {
  private readonly shards: Shard[] = [];
  private readonly waiting = new Map<number, (r: { port: number | undefined; token: Buffer | undefined }) => void>();
  private readonly shardOfKey = new Map<string, Shard>();
  private readonly shardOfToken = new Map<string, Shard>();
  private nextId = 1;
  private next = 0;
  /**
   * Resolves when every worker has loaded (or died): listening before that would leave the first
   * Allocates waiting for a worker still compiling its modules (seconds on a busy machine).
   */
  readonly ready: Promise<void>;

  constructor(count: number, opts: ResolvedOptions, nonceKey: Buffer, table: AllocationTable, logger: Logger) {
    const [lo, hi] = opts.relayPortRange;
    const span = Math.floor((hi - lo + 1) / count);
    if (span < 1) throw new Error(`relayPortRange too small for ${count} workers`);
    // The entry registers tsx inside the worker, then loads relay-worker.ts: the repository runs
    // from TypeScript sources, and loader flags of the parent do not reach worker threads.
    const url = new URL('./relay-worker-entry.mjs', import.meta.url);
    const started: Promise<void>[] = [];
    for (let index = 0; index < count; index++) {
      const statsBuffer = new SharedArrayBuffer(SHARED_STATS_BYTES);
      const init: WorkerInit = {
        statsBuffer,
        index,
        realm: opts.realm,
        secret: opts.secret,
        nonceKey,
        nonceLifetimeSec: opts.nonceLifetimeSec,
        portRange: [lo + index * span, index === count - 1 ? hi : lo + (index + 1) * span - 1],
        relayBindAddress: opts.relayBindAddress,
        denyPeers: opts.denyPeers,
        allowPeers: opts.allowPeers,
        permissionLifetimeSec: opts.permissionLifetimeSec,
        channelLifetimeSec: opts.channelLifetimeSec,
        defaultLifetimeSec: opts.defaultLifetimeSec,
        maxLifetimeSec: opts.maxLifetimeSec,
        bandwidthBytesPerSecond: opts.bandwidthBytesPerSecond,
        software: opts.software,
        udpSendBatching: opts.udpSendBatching,
      };
      const worker = new Worker(url, { workerData: init });
      started.push(
        new Promise((resolve) => {
          worker.once('exit', () => resolve());
          worker.on('message', (m: FromWorker) => m.type === 'ready' && resolve());
        }),
      );
      const shard: Shard = {
        worker,
        statsBuffer,
        alive: true,
        pending: new Set(),
        closed: new Promise((resolve) => worker.once('exit', () => resolve())),
      };
      // A dead worker answers nothing: fail its pending orders (508) instead of hanging the requests.
      worker.once('exit', () => {
        shard.alive = false;
        for (const id of shard.pending) this.answer(id, undefined, undefined);
        shard.pending.clear();
      });
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'allocated') {
          shard.pending.delete(m.id);
          this.answer(m.id, m.port, m.token ? Buffer.from(m.token) : undefined);
        } else if (m.type === 'deleted') table.releaseRemote(m.username);
        else if (m.type === 'log') logger[m.level](m.obj, m.msg);
        else if (m.type === 'closed') void worker.terminate();
      });
      worker.on('error', (err) => logger.error({ worker: index, err: String(err) }, 'relay worker failed'));
      this.shards.push(shard);
    }
    this.ready = Promise.all(started).then(() => {});
  }

  /** Builds the allocation in a worker; undefined when no worker could bind a relay port (508). */
  async allocate(order: Omit<AllocateOrder, 'type' | 'id'>): Promise<{ port: number; token?: Buffer } | undefined> {
    if (order.token) {
      const shard = this.shardOfToken.get(order.token.toString('hex'));
      this.shardOfToken.delete(order.token.toString('hex'));
      return shard ? this.ask(shard, order) : undefined;
    }
    // Round-robin, moving on when a worker's slice of the port range is full.
    for (let tries = 0; tries < this.shards.length; tries++) {
      const shard = this.shards[this.next++ % this.shards.length]!;
      const r = await this.ask(shard, order);
      if (r) return r;
    }
    return undefined;
  }

  /** Hands the Allocate success to the owning worker so it can answer retransmissions (RFC 8656 §7.2). */
  remember(key: string, transactionId: string, response: Buffer): void {
    const shard = this.shardOfKey.get(key);
    this.shardOfKey.delete(key);
    shard?.worker.postMessage({ type: 'remember', key, transactionId, response } satisfies ToWorker);
  }

  /** Sum of the workers' counters (allocation counts excluded: the main thread keeps those). */
  addTo(total: TurnStats): TurnStats {
    for (const s of this.shards) {
      const stats = readSharedStats(s.statsBuffer);
      for (const k of Object.keys(total) as (keyof TurnStats)[]) {
        if (k !== 'allocationsActive' && k !== 'allocationsTotal') total[k] += stats[k];
      }
    }
    return total;
  }

  async close(): Promise<void> {
    for (const answer of this.waiting.values()) answer({ port: undefined, token: undefined });
    this.waiting.clear();
    for (const s of this.shards) s.worker.postMessage({ type: 'close' } satisfies ToWorker);
    await Promise.all(this.shards.map((s) => s.closed));
  }

  private answer(id: number, port: number | undefined, token: Buffer | undefined): void {
    this.waiting.get(id)?.({ port, token });
    this.waiting.delete(id);
  }

  private ask(
    shard: Shard,
    order: Omit<AllocateOrder, 'type' | 'id'>,
  ): Promise<{ port: number; token?: Buffer } | undefined> {
    if (!shard.alive) return Promise.resolve(undefined);
    const id = this.nextId++;
    shard.pending.add(id);
    return new Promise((resolve) => {
      this.waiting.set(id, ({ port, token }) => {
        if (port === undefined) return resolve(undefined);
        this.shardOfKey.set(order.key, shard);
        if (token) {
          const hex = token.toString('hex');
          this.shardOfToken.set(hex, shard);
          // The worker drops its reservation after 30 s (RFC 8656 §7.2); forget the route with it.
          setTimeout(() => this.shardOfToken.delete(hex), 30_000).unref();
        }
        resolve(token ? { port, token } : { port });
      });
      shard.worker.postMessage({ ...order, type: 'allocate', id } satisfies ToWorker);
    });
  }
}
