// What request handlers share: validated options, policy, credentials, allocations and counters.
import type { NonceIssuer } from '../auth/nonce';
import type { Logger } from '../log';
import type { ResolvedOptions } from '../options';
import type { PeerPolicy } from '../policy/peer-policy';
import type { ShardPool } from '../shard/shard-pool';
import type { TurnStats } from '../stats';
import type { MessageBuilder } from '../stun/builder';
import type { FamilyName } from '../stun/constants';
import type { StunError } from '../stun/error-codes';
import type { StunMessage } from '../stun/message';
import type { Allocation } from './allocation';
import type { AllocationTable } from './allocation-table';
import type { ClientLink } from './link';
import type { PortPool } from './port-pool';
import type { UdpSenders } from './udp-send/sender';

export interface ServerContext {
  readonly opts: ResolvedOptions;
  readonly stats: TurnStats;
  readonly logger: Logger;
  readonly policy: PeerPolicy;
  readonly nonces: NonceIssuer;
  readonly pool: PortPool;
  readonly table: AllocationTable;
  /** Address families this host can relay (probed at start). */
  readonly families: ReadonlySet<FamilyName>;
  /** The IP to put in XOR-RELAYED-ADDRESS for a relay of this family reached through link. */
  advertisedAddress(family: FamilyName, link: ClientLink): string;
  /** How this thread sends UDP datagrams (sendmmsg batches or dgram), chosen once at start. */
  readonly udpSenders: UdpSenders;
  /** Relay worker threads that own UDP allocations, when `workers` > 1 (shard/shard-pool.ts). */
  readonly shards?: ShardPool;
  /** True once close() began: no allocation may be created after that. */
  closing(): boolean;
}

/** An authenticated request on its way to a method handler. */
export interface TurnRequest {
  readonly msg: StunMessage;
  readonly link: ClientLink;
  readonly username: string;
  readonly now: number;
  /** The allocation of this 5-tuple, if any. */
  readonly allocation: Allocation | undefined;
}

/** A handler's answer: a success with attributes, an error, a cached retransmission, or nothing. */
export type Reply =
  | { kind: 'success'; add?: (b: MessageBuilder) => void }
  | { kind: 'error'; error: StunError; add?: (b: MessageBuilder) => void }
  | { kind: 'raw'; message: Buffer }
  | { kind: 'none' };

export type Handler = (ctx: ServerContext, req: TurnRequest) => Reply | Promise<Reply>;

export const success = (add?: (b: MessageBuilder) => void): Reply => ({ kind: 'success', add });
export const failure = (error: StunError, add?: (b: MessageBuilder) => void): Reply => ({ kind: 'error', error, add });

/** RFC 8656 §7.2 lifetime rule: min(requested, max), but never below the default. */
export function grantedLifetimeSec(opts: ResolvedOptions, requested: number | undefined): number {
  const wanted = Math.min(requested ?? opts.defaultLifetimeSec, opts.maxLifetimeSec);
  return Math.max(wanted, opts.defaultLifetimeSec);
}
