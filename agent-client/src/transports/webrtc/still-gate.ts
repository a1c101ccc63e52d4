// A still screen is not re-encoded 30 times a second. Each frame fed to libwebrtc costs a BGRX →
// I420 pass and a VP8 encode of the whole picture, and the console decodes and composites each
// one: on a 1280×720 still screen that was 27 % of a core in the agent, 40 % in Chromium and
// 2.5 Mbit/s (`npm run bench:console -- --paths still`). A changed frame (dirty regions, a
// refresh, a new source) always goes straight in, and so does every grab for SETTLE_MS after a
// change, while VP8 sharpens the new picture over the next frames; after that a still screen is fed
// every STILL_REFRESH_MS, which keeps the stream alive and lets the encoder go on refining.
export const STILL_REFRESH_MS = 200;
export const SETTLE_MS = 1000;

export class StillGate {
  private lastFedAt = Number.NEGATIVE_INFINITY;
  private lastChangeAt = Number.NEGATIVE_INFINITY;

  /** `refreshMs` 0 feeds every grab (the reference the benchmark compares with). */
  constructor(private readonly refreshMs = STILL_REFRESH_MS) {}

  /** Whether to encode this grab; `changed` = it has dirty regions. */
  feed(changed: boolean, now = performance.now()): boolean {
    if (changed) this.lastChangeAt = now;
    const settling = now - this.lastChangeAt < SETTLE_MS;
    if (!changed && !settling && now - this.lastFedAt < this.refreshMs) return false;
    this.lastFedAt = now;
    return true;
  }
}
