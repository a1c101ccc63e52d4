// Per-allocation bandwidth cap: a token bucket holding one second of traffic, refilled from the
// clock on use so no timer runs per allocation.
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly bytesPerSecond: number,
    now: number,
  ) {
    this.tokens = bytesPerSecond;
    this.last = now;
  }

  take(bytes: number, now: number): boolean {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.bytesPerSecond, this.tokens + (elapsed * this.bytesPerSecond) / 1000);
      this.last = now;
    }
    if (this.tokens < bytes) return false;
    this.tokens -= bytes;
    return true;
  }
}

/** One bucket per direction for an allocation, or none when the cap is unlimited. */
export function allocationBuckets(
  bytesPerSecond: number,
  now: number,
): { upBucket: TokenBucket | undefined; downBucket: TokenBucket | undefined } {
  if (!Number.isFinite(bytesPerSecond)) return { upBucket: undefined, downBucket: undefined };
  return { upBucket: new TokenBucket(bytesPerSecond, now), downBucket: new TokenBucket(bytesPerSecond, now) };
}
