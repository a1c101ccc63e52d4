import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff';

describe('Backoff', () => {
  it('doubles up to the cap, with jitter inside [ceiling/2, ceiling]', () => {
    const lo = new Backoff({ baseMs: 500, capMs: 60_000, random: () => 0 });
    const hi = new Backoff({ baseMs: 500, capMs: 60_000, random: () => 0.999999 });
    const lows = Array.from({ length: 10 }, () => lo.next());
    const highs = Array.from({ length: 10 }, () => hi.next());
    expect(lows.slice(0, 4)).toEqual([250, 500, 1000, 2000]);
    expect(highs.slice(0, 3)).toEqual([500, 1000, 2000]);
    expect(Math.max(...highs)).toBe(60_000);
    expect(lows.at(-1)).toBe(30_000);
  });

  it('starts over after reset', () => {
    const b = new Backoff({ baseMs: 100, capMs: 1000, random: () => 0 });
    b.next();
    b.next();
    b.reset();
    expect(b.next()).toBe(50);
  });
});
