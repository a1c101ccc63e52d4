import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { watchReceived } from './received-watch';
import type { WrtcPeerConnection } from './wrtc';

/** A peer connection whose transport has received `rx.bytes`; getStats hangs while `rx.hang`. */
function fakePc(rx: { bytes: number; hang?: boolean }) {
  return {
    getStats: () =>
      rx.hang
        ? new Promise(() => {})
        : Promise.resolve(new Map([['t', { type: 'transport', bytesReceived: rx.bytes }]])),
  } as unknown as WrtcPeerConnection;
}

describe('watchReceived', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('calls flow once when bytes arrive again, not for the first reading', async () => {
    const rx = { bytes: 500 };
    const flow = vi.fn();
    const done = watchReceived(fakePc(rx), () => true, { flow });
    await vi.advanceTimersByTimeAsync(3500);
    expect(flow).not.toHaveBeenCalled();
    rx.bytes += 100;
    await vi.advanceTimersByTimeAsync(1000);
    await done;
    expect(flow).toHaveBeenCalledTimes(1);
  });

  it('reads at once, so bytes that arrive within the first second count', async () => {
    const rx = { bytes: 500 };
    const flow = vi.fn();
    const done = watchReceived(fakePc(rx), () => true, { flow });
    await vi.advanceTimersByTimeAsync(500);
    rx.bytes += 100;
    await vi.advanceTimersByTimeAsync(600);
    await done;
    expect(flow).toHaveBeenCalledTimes(1);
  });

  it('calls silent after silentMs without bytes, however long the bytes flowed before', async () => {
    const rx = { bytes: 0 };
    const silent = vi.fn();
    const done = watchReceived(fakePc(rx), () => true, { silent, silentMs: 5000 });
    for (let i = 0; i < 10; i++) {
      rx.bytes += 1200;
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(silent).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(4000);
    expect(silent).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1500);
    await done;
    expect(silent).toHaveBeenCalledTimes(1);
  });

  it('goes on past a getStats that never answers, and stops when no longer active', async () => {
    const rx = { bytes: 10, hang: true };
    let active = true;
    const flow = vi.fn();
    const done = watchReceived(fakePc(rx), () => active, { flow });
    await vi.advanceTimersByTimeAsync(6000);
    rx.hang = false;
    await vi.advanceTimersByTimeAsync(3000);
    expect(flow).not.toHaveBeenCalled();
    rx.bytes = 20;
    await vi.advanceTimersByTimeAsync(3000);
    expect(flow).toHaveBeenCalledTimes(1);
    await done;

    const later = vi.fn();
    const stopped = watchReceived(fakePc(rx), () => active, { flow: later });
    await vi.advanceTimersByTimeAsync(1000);
    active = false;
    rx.bytes = 30;
    await vi.advanceTimersByTimeAsync(3000);
    await stopped;
    expect(later).not.toHaveBeenCalled();
  });
});
