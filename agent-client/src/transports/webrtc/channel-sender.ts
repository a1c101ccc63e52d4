// Sending on a wrtc data channel: it has no working `bufferedamountlow` event and silently drops
// data past ~16 MiB queued (FINDINGS.md), so the wrapper polls bufferedAmount and keeps it ≤ 4 MiB,
// holding the rest in a bounded queue of its own.
import type { WrtcDataChannel } from './wrtc';

export const HIGH_WATER_BYTES = 4 * 1024 * 1024;
const POLL_MS = 10;

export class ChannelSender {
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  dropped = 0;

  constructor(
    private readonly ch: WrtcDataChannel,
    private readonly maxQueuedBytes = 16 * 1024 * 1024,
    private readonly highWater = HIGH_WATER_BYTES,
  ) {}

  /** Queues or sends; false when the message was dropped (queue full or channel closed). */
  send(data: Buffer): boolean {
    if (this.ch.readyState === 'closing' || this.ch.readyState === 'closed') return false;
    if (
      this.queue.length === 0 &&
      this.ch.readyState === 'open' &&
      this.ch.bufferedAmount + data.length <= this.highWater
    ) {
      this.ch.send(data);
      return true;
    }
    if (this.queued + data.length > this.maxQueuedBytes) {
      this.dropped++;
      return false;
    }
    this.queue.push(data);
    this.queued += data.length;
    this.poll();
    return true;
  }

  /** Bytes waiting here and in the channel: the screen stream's back-pressure signal. */
  backlogBytes(): number {
    return this.queued + (this.ch.readyState === 'open' ? this.ch.bufferedAmount : 0);
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.queued = 0;
  }

  private poll() {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.ch.readyState === 'closed' || this.ch.readyState === 'closing') return this.close();
      while (this.queue.length && this.ch.readyState === 'open') {
        const next = this.queue[0]!;
        if (this.ch.bufferedAmount + next.length > this.highWater) break;
        this.queue.shift();
        this.queued -= next.length;
        this.ch.send(next);
      }
      if (this.queue.length) this.poll();
    }, POLL_MS);
  }
}
