import { decodeFrame, type Frame } from '@rc-relay/protocol';
import { describe, expect, it } from 'vitest';
import type { CapturedFrame, Rect } from '../backend/types';
import type { TileEncoder } from '../encoders/types';
import { createLogger } from '../log';
import type { CaptureHub, CaptureSubscription } from './capture-hub';
import { TileStreamer } from './tile-streamer';

type Handler = (f: CapturedFrame, dirty: Rect[]) => void;

/** A hub whose frames the test pushes by hand, one subscription per source. */
function fakeHub() {
  const subs: { source: string; onFrame: Handler; closed: boolean }[] = [];
  const hub = {
    subscribe(userSession: string, _fps: number, onFrame: Handler, monitor = ''): CaptureSubscription {
      const s = { source: `${userSession}/${monitor}`, onFrame, closed: false };
      subs.push(s);
      return {
        setFps() {},
        requestFull() {},
        close: () => {
          s.closed = true;
        },
      };
    },
  } as unknown as CaptureHub;
  const push = (w: number, h: number, fill: number) => {
    const live = subs.filter((s) => !s.closed).at(-1)!;
    const frame: CapturedFrame = {
      width: w,
      height: h,
      stride: w * 4,
      data: Buffer.alloc(w * h * 4, fill),
      dirty: [{ x: 0, y: 0, w, h }],
      captureTime: Date.now(),
      cursor: { x: 0, y: 0, visible: true, shapeSerial: 0 },
    };
    live.onFrame(frame, frame.dirty);
  };
  return { hub, push };
}

/** An encoder whose results the test releases: stands for a slow JPEG encode still in flight. */
function gatedEncoder(): TileEncoder & { release(): void } {
  const waiting: (() => void)[] = [];
  return {
    encoding: 'raw',
    encode: (px) => new Promise<Buffer>((resolve) => waiting.push(() => resolve(px))),
    release: () => {
      for (const w of waiting.splice(0)) w();
    },
  };
}

/** A streamer on `hub` whose sent frames the test reads back decoded. */
function streamerOn(hub: CaptureHub, lossy: TileEncoder, lossless: TileEncoder) {
  const sent: Frame[] = [];
  const streamer = new TileStreamer({
    capture: hub,
    userSession: ':0',
    sink: {
      send: (b) => {
        const r = decodeFrame(b);
        if (r.ok) sent.push(r.frame);
      },
      backlogBytes: () => 0,
    },
    lossy,
    lossless,
    log: createLogger('silent'),
    initialCredits: 1,
  });
  return { streamer, sent };
}

describe('TileStreamer', () => {
  it('never sends tiles of the old source after a switch, and keeps its credits exact', async () => {
    const { hub, push } = fakeHub();
    const enc = gatedEncoder();
    const { streamer, sent } = streamerOn(hub, enc, enc);
    streamer.start();
    push(128, 64, 0x11); // :0 — its encode hangs
    streamer.switchSource(':1');
    push(192, 64, 0x22); // :1 — screen.info goes out; the frame waits for the encoder
    enc.release(); // the old encode finishes now, after the switch
    await new Promise((r) => setTimeout(r, 10));
    const afterSwitch = sent.slice(sent.findIndex((f) => f.type === 'screen.info' && f.width === 192));
    expect(afterSwitch.length).toBeGreaterThan(0);
    expect(afterSwitch.filter((f) => f.type === 'tile' || f.type === 'frame.end')).toEqual([]);
    // With one credit and nothing acked, the new source's next frame still goes out whole.
    push(192, 64, 0x33);
    enc.release();
    await new Promise((r) => setTimeout(r, 10));
    const end = sent.filter((f) => f.type === 'frame.end');
    expect(end).toHaveLength(1);
    const tiles = sent.filter((f): f is Extract<Frame, { type: 'tile' }> => f.type === 'tile');
    expect(tiles.every((t) => t.x + t.w <= 192)).toBe(true);
    expect(tiles.reduce((a, t) => a + t.w * t.h, 0)).toBe(192 * 64);
    streamer.close();
  });

  it('sends a full 1280×720 picture as 6 rectangles (runs of 16 tiles, bands of 4 rows) covering it once', async () => {
    const { hub, push } = fakeHub();
    const { streamer, sent } = streamerOn(
      hub,
      { encoding: 'jpeg', encode: async () => Buffer.alloc(1000) }, // small: no raw-strip fallback
      { encoding: 'raw', encode: async (px) => px },
    );
    streamer.start();
    push(1280, 720, 0x44);
    await new Promise((r) => setTimeout(r, 10));
    const tiles = sent.filter((f): f is Extract<Frame, { type: 'tile' }> => f.type === 'tile');
    expect(tiles.map((t) => [t.x, t.y, t.w, t.h])).toEqual([
      [0, 0, 1024, 256],
      [1024, 0, 256, 256],
      [0, 256, 1024, 256],
      [1024, 256, 256, 256],
      [0, 512, 1024, 208],
      [1024, 512, 256, 208],
    ]);
    streamer.close();
  });
});
