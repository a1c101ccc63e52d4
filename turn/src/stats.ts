// Counters the relay exports through /metrics. Plain numbers, bumped in place on the hot path.
export interface TurnStats {
  allocationsActive: number;
  allocationsTotal: number;
  /** Payload bytes/packets from clients to peers (Send indications and ChannelData). */
  bytesClientToPeer: number;
  packetsClientToPeer: number;
  /** Payload bytes/packets from peers to clients (Data indications and ChannelData). */
  bytesPeerToClient: number;
  packetsPeerToClient: number;
  /** Requests refused for credentials (bad integrity, expired or unknown username); not the first 401 challenge. */
  authFailures: number;
  staleNonces: number;
  /** CreatePermission/ChannelBind refused (403) or Send indications dropped for a denied peer. */
  deniedPeers: number;
  /** Allocations refused by the per-user or total quota (486). */
  quotaRefusals: number;
  /** Allocations refused for lack of a relay port (508). */
  capacityRefusals: number;
  /** Packets dropped by the per-allocation bandwidth cap. */
  bandwidthDrops: number;
  /** Relay packets dropped because a TCP/TLS client does not read fast enough. */
  streamBackpressureDrops: number;
  /** Datagrams or stream frames that were not STUN/ChannelData, or broken STUN. */
  malformed: number;
}

export function emptyStats(): TurnStats {
  return {
    allocationsActive: 0,
    allocationsTotal: 0,
    bytesClientToPeer: 0,
    packetsClientToPeer: 0,
    bytesPeerToClient: 0,
    packetsPeerToClient: 0,
    authFailures: 0,
    staleNonces: 0,
    deniedPeers: 0,
    quotaRefusals: 0,
    capacityRefusals: 0,
    bandwidthDrops: 0,
    streamBackpressureDrops: 0,
    malformed: 0,
  };
}

const STAT_KEYS = Object.keys(emptyStats()) as (keyof TurnStats)[];

/** Bytes of the SharedArrayBuffer a relay worker keeps its counters in (one float64 each). */
export const SHARED_STATS_BYTES = STAT_KEYS.length * Float64Array.BYTES_PER_ELEMENT;

/**
 * Counters backed by shared memory, so the main thread reads a worker's figures at any moment
 * (for /metrics) without a message round trip. The accessors live on one prototype, so the hot
 * path's `stats.x++` stays monomorphic.
 */
class SharedStats {
  constructor(readonly cells: Float64Array) {}
}
for (const [i, key] of STAT_KEYS.entries()) {
  Object.defineProperty(SharedStats.prototype, key, {
    get(this: SharedStats) {
      return this.cells[i];
    },
    set(this: SharedStats, v: number) {
      this.cells[i] = v;
    },
  });
}

export function sharedStats(buffer: SharedArrayBuffer): TurnStats {
  return new SharedStats(new Float64Array(buffer)) as unknown as TurnStats;
}

/** A copy of the counters in `buffer` as plain numbers. */
export function readSharedStats(buffer: SharedArrayBuffer): TurnStats {
  const cells = new Float64Array(buffer);
  const out = emptyStats();
  for (const [i, key] of STAT_KEYS.entries()) out[key] = cells[i]!;
  return out;
}
