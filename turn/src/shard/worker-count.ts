// How many relay worker threads to run when the operator says "auto" (RC_TURN_WORKERS=auto).
// Measured (test/bench/turn/load.ts, README "TURN performance"): workers raise the loss-free relayed
// rate on 2 cores well above one thread's, at a few µs more CPU per packet and ~30 MiB RSS each.
//
// The design relies on Linux delivering a client's datagrams to the socket connect()ed to it in
// preference to the shared listener (shard-pool.ts). Every allocation adds one such socket on the
// listening address and port. Before Linux 6.13 the kernel finds the receiving socket by scoring
// every socket bound to that address and port (one hash slot), so per-datagram cost would grow
// with the number of allocations; 6.13 added a 4-tuple hash for connected UDP sockets. "auto"
// therefore uses workers only on Linux ≥ 6.13; an explicit count is honoured anywhere.
import { availableParallelism, release } from 'node:os';

/** Whether `kernelRelease` (os.release()) is at least major.minor. */
export function kernelAtLeast(kernelRelease: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(kernelRelease);
  if (!m) return false;
  const [ma, mi] = [Number(m[1]), Number(m[2])];
  return ma > major || (ma === major && mi >= minor);
}

/** One worker per core (at most 16, at most one per relay port) on Linux ≥ 6.13; 1 (no workers) elsewhere. */
export function autoWorkerCount(
  relayPortRange: [number, number],
  platform: string = process.platform,
  kernelRelease: string = release(),
  cores: number = availableParallelism(),
): number {
  if (platform !== 'linux' || !kernelAtLeast(kernelRelease, 6, 13)) return 1;
  const ports = relayPortRange[1] - relayPortRange[0] + 1;
  return Math.max(1, Math.min(cores, 16, ports));
}
