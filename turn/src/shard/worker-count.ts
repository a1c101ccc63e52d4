// How many relay worker threads to run when the operator says "auto" (RC_TURN_WORKERS=auto).
// Measured (test/bench/turn/load.ts, README): with workers the loss-free relayed rate on 2 cores
// rises from ~31k to ~76k packets/s, at a few µs more CPU per packet and ~30 MiB RSS per worker.
// The design relies on Linux delivering a client's datagrams to the socket connect()ed to it in
// preference to the shared listener (shard-pool.ts); elsewhere it stays on one thread.
import { availableParallelism } from 'node:os';

/** One worker per core on Linux (at most 16, at most one per relay port); 1 (no workers) elsewhere. */
export function autoWorkerCount(relayPortRange: [number, number], platform = process.platform): number {
  if (platform !== 'linux') return 1;
  const ports = relayPortRange[1] - relayPortRange[0] + 1;
  return Math.max(1, Math.min(availableParallelism(), 16, ports));
}
