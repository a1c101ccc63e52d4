// Messages between the main thread and relay worker threads (see shard-pool.ts for the design).

import type { UdpListenerAddress } from '../server/link';
import type { TransportAddress } from '../stun/attributes/address';
import type { FamilyName } from '../stun/constants';

export interface WorkerInit {
  index: number;
  realm: string;
  secret: string;
  nonceKey: Buffer;
  nonceLifetimeSec: number;
  portRange: [number, number];
  relayBindAddress: string | undefined;
  denyPeers: string[];
  allowPeers: string[];
  permissionLifetimeSec: number;
  channelLifetimeSec: number;
  defaultLifetimeSec: number;
  maxLifetimeSec: number;
  bandwidthBytesPerSecond: number;
  software: string | undefined;
  udpSendBatching: boolean;
  /** The worker's counters (stats.ts sharedStats), read by the main thread at any time. */
  statsBuffer: SharedArrayBuffer;
}

export interface AllocateOrder {
  type: 'allocate';
  id: number;
  /** The 5-tuple key the main thread used, so nonces it issued stay valid (they are bound to it). */
  key: string;
  username: string;
  client: TransportAddress;
  listener: UdpListenerAddress;
  family: FamilyName;
  advertised: string;
  lifetimeSec: number;
  even: boolean;
  reserveNext: boolean;
  token: Buffer | undefined;
}

export type ToWorker =
  | AllocateOrder
  | { type: 'remember'; key: string; transactionId: string; response: Buffer }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'allocated'; id: number; port: number | undefined; token: Buffer | undefined }
  | { type: 'deleted'; username: string }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; obj: object; msg: string }
  | { type: 'closed' };
