import { describe, expect, it } from 'vitest';
import { SETTLE_MS, STILL_REFRESH_MS, StillGate } from './still-gate';

describe('StillGate', () => {
  it('passes every changed grab, every grab while the picture settles, then one per refresh period', () => {
    const g = new StillGate();
    expect(g.feed(true, 0)).toBe(true); // the first picture
    expect(g.feed(false, 33)).toBe(true); // settling: VP8 sharpens it
    expect(g.feed(false, SETTLE_MS - 1)).toBe(true);
    expect(g.feed(false, SETTLE_MS + 10)).toBe(false); // still
    expect(g.feed(false, SETTLE_MS - 1 + STILL_REFRESH_MS)).toBe(true); // the refresh of a still screen
    expect(g.feed(false, SETTLE_MS + STILL_REFRESH_MS + 33)).toBe(false);
    const t = 5000;
    expect(g.feed(true, t)).toBe(true); // a change goes straight in, and settles again
    expect(g.feed(false, t + 33)).toBe(true);
    expect(g.feed(false, t + SETTLE_MS - 1)).toBe(true);
    expect(g.feed(false, t + SETTLE_MS + 33)).toBe(false);
  });

  it('with a refresh of 0 passes every grab (the reference behaviour)', () => {
    const g = new StillGate(0);
    for (let t = 0; t < 3000; t += 100) expect(g.feed(false, t)).toBe(true);
  });
});
