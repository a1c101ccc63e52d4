// Reconnect delays: exponential with full jitter (the AWS architecture blog's "full jitter"), so a
// relay restart is not met by every agent at the same instant.
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  constructor(private readonly o: BackoffOptions) {}

  /** The delay before the next attempt; grows until reset(). */
  next(): number {
    const ceiling = Math.min(this.o.capMs, this.o.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    // Half fixed, half random: never hammer with 0 ms, still spread the herd.
    return Math.round(ceiling / 2 + (this.o.random ?? Math.random)() * (ceiling / 2));
  }

  reset(): void {
    this.attempt = 0;
  }
}
