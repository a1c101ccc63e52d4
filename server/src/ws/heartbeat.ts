// WebSocket pings spread over the interval: pinging 10k sockets in one loop blocks the event loop
// for 0.1–1 s (FINDINGS.md), so peers sit in buckets and each ~100 ms tick pings one bucket.
import { CloseCode } from '@rc-relay/protocol';
import type { Peer } from './peer';

const TICK_MS = 100;

export class HeartbeatScheduler {
  private readonly buckets: Set<Peer>[];
  private readonly home = new WeakMap<Peer, Set<Peer>>();
  private next = 0;
  private cursor = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    intervalSeconds: number,
    private readonly missedLimit: number,
  ) {
    const n = Math.max(1, Math.round((intervalSeconds * 1000) / TICK_MS));
    this.buckets = Array.from({ length: n }, () => new Set<Peer>());
    const tickMs = Math.max(1, Math.round((intervalSeconds * 1000) / n));
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  add(peer: Peer): void {
    const bucket = this.buckets[this.next]!;
    this.next = (this.next + 1) % this.buckets.length;
    bucket.add(peer);
    this.home.set(peer, bucket);
  }

  remove(peer: Peer): void {
    this.home.get(peer)?.delete(peer);
    this.home.delete(peer);
  }

  private tick(): void {
    const bucket = this.buckets[this.cursor]!;
    this.cursor = (this.cursor + 1) % this.buckets.length;
    for (const peer of bucket) {
      if (peer.awaitingPong && ++peer.missedPongs >= this.missedLimit) {
        this.remove(peer);
        peer.log.info({ missed: peer.missedPongs }, 'heartbeat lost; closing');
        peer.socket.close(CloseCode.heartbeatTimeout, 'heartbeat timeout');
        // terminate() fires the socket's close handler, which does the presence/session cleanup.
        peer.socket.terminate();
        continue;
      }
      peer.awaitingPong = true;
      peer.socket.ping();
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
