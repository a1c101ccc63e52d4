// Fixed-window counters for login attempts, keyed by address and by username. In memory on purpose:
// one relay process owns its logins, and a restart forgetting counts is harmless.

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private sweepAt = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until the key may try again, or 0 if it may try now. Does not count an attempt. */
  retryAfter(key: string): number {
    const w = this.windows.get(key);
    const t = this.now();
    if (!w || t - w.start >= this.windowMs || w.count < this.limit) return 0;
    return Math.ceil((w.start + this.windowMs - t) / 1000);
  }

  hit(key: string): void {
    const t = this.now();
    this.sweep(t);
    const w = this.windows.get(key);
    if (!w || t - w.start >= this.windowMs) this.windows.set(key, { start: t, count: 1 });
    else w.count++;
  }

  reset(key: string): void {
    this.windows.delete(key);
  }

  // Bounded memory: expired windows go at most once per window.
  private sweep(t: number): void {
    if (t < this.sweepAt) return;
    this.sweepAt = t + this.windowMs;
    for (const [k, w] of this.windows) if (t - w.start >= this.windowMs) this.windows.delete(k);
  }
}
