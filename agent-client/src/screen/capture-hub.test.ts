import { describe, expect, it } from 'vitest';
import { SyntheticBackend } from '../backend/synthetic';
import type { Rect } from '../backend/types';
import { createLogger } from '../log';
import { bounds, CaptureHub } from './capture-hub';

const until = async (cond: () => boolean) => {
  const end = Date.now() + 3000;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
};

const backend = () => new SyntheticBackend({ width: 128, height: 96, consentAnswer: 'accept', consentDelayMs: 0 });

describe('CaptureHub', () => {
  it('shares one capture between viewers, each at its own rate, and closes it after the last', async () => {
    const b = backend();
    const hub = new CaptureHub(b, createLogger('silent'));
    const fast: Rect[][] = [];
    const slow: Rect[][] = [];
    const s1 = hub.subscribe(':0', 40, (_f, d) => fast.push(d));
    const s2 = hub.subscribe(':0', 5, (_f, d) => slow.push(d));
    expect(b.openCaptures).toBe(1);
    await new Promise((r) => setTimeout(r, 600));
    expect(fast.length).toBeGreaterThan(slow.length * 3);
    expect(slow.length).toBeGreaterThanOrEqual(2);
    // The first delivery is the whole screen; later ones carry every change since the last.
    expect(slow[0]).toEqual([{ x: 0, y: 0, w: 128, h: 96 }]);
    expect(slow[1]!.length).toBeGreaterThan(fast[1]!.length);
    const before = slow.length;
    s2.requestFull();
    s1.close();
    await until(() => slow.length > before);
    expect(slow[before]).toEqual([{ x: 0, y: 0, w: 128, h: 96 }]);
    s2.close();
    s2.close(); // idempotent
    expect(b.openCaptures).toBe(0);
    expect(hub.activeCaptures).toBe(0);
  });

  it('grabs 2 ms after input, looks once more when nothing changed yet, and keeps input grabs 8 ms apart', async () => {
    const b = backend();
    // A desktop that stays still until the test says it changed.
    /** The next this many grabs find nothing changed (an app that has not repainted yet). */
    let still = 0;
    let grabs = 0;
    const real = b.openCapture.bind(b);
    b.openCapture = (u, m) => {
      const src = real(u, m);
      const grab = () => {
        grabs++;
        return still-- > 0 ? { ...src.grab(), dirty: [] } : src.grab();
      };
      return { ...src, grab, close: () => src.close() };
    };
    const hub = new CaptureHub(b, createLogger('silent'));
    const at: number[] = [];
    const sub = hub.subscribe(':0', 2, () => at.push(performance.now())); // one grab per 500 ms
    await until(() => at.length === 1);
    const t0 = at[0]!;
    await new Promise((r) => setTimeout(r, 300));
    hub.inputHint(':1'); // another user session: no effect on this one
    const hinted = performance.now();
    hub.inputHint(':0');
    await until(() => at.length === 2);
    // Brought forward from t0 + 500 to ~2 ms after the input.
    expect(at[1]! - hinted).toBeLessThan(60);
    expect(at[1]! - t0).toBeLessThan(420);
    // The app has not repainted yet: that grab finds nothing, a second look comes ~8 ms later and
    // delivers once the change is there; a look that finds nothing delivers nothing.
    still = 1;
    const before = at.length;
    const grabsBefore = grabs;
    hub.inputHint(':0');
    await until(() => at.length > before);
    // Two looks: the first (no sooner than 8 ms after the previous grab) found nothing and
    // delivered nothing; the second, ~8 ms later, delivered the change.
    expect(grabs).toBe(grabsBefore + 2);
    expect(at[before]! - at[1]!).toBeGreaterThanOrEqual(15);
    expect(at[before]! - at[1]!).toBeLessThan(150);
    sub.close();
  });

  it('keeps viewers of different user sessions apart', () => {
    const b = backend();
    const hub = new CaptureHub(b, createLogger('silent'));
    const a = hub.subscribe(':0', 10, () => {});
    const c = hub.subscribe(':1', 10, () => {});
    expect(b.openCaptures).toBe(2);
    hub.closeAll();
    expect(b.openCaptures).toBe(0);
    a.close();
    c.close();
  });

  it('bounds() covers every rectangle', () => {
    expect(
      bounds([
        { x: 5, y: 5, w: 10, h: 10 },
        { x: 0, y: 20, w: 2, h: 2 },
      ]),
    ).toEqual({ x: 0, y: 5, w: 15, h: 17 });
  });
});
