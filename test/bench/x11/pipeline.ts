// The agent's screen path as its own process, for the X11 benchmark: the X11 backend's capture
// (MIT-SHM, XDamage, scanline diff) shared through the CaptureHub, and a TileStreamer with the
// agent's encoders (libturbojpeg tiles, deflate refresh) feeding a console that acks at once.
// Prints "ready PID"; on a "stop" line from stdin prints its figures as JSON and exits.
//
//   tsx test/bench/x11/pipeline.ts --display :N [--fps 30] [--quality 70]
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { decodeFrame } from '@rc-relay/protocol';
import type { CaptureSource } from '../../../agent-client/src/backend/types';
import { X11Backend } from '../../../agent-client/src/backend/x11/backend';
import type { ShmCapture } from '../../../agent-client/src/backend/x11/capture';
import { DeflateEncoder } from '../../../agent-client/src/encoders/deflate';
import { TurboJpegEncoder } from '../../../agent-client/src/encoders/turbojpeg';
import type { TileEncoder } from '../../../agent-client/src/encoders/types';
import { createLogger } from '../../../agent-client/src/log';
import { CaptureHub } from '../../../agent-client/src/screen/capture-hub';
import { TileStreamer } from '../../../agent-client/src/screen/tile-streamer';

const { values } = parseArgs({
  options: {
    display: { type: 'string' },
    fps: { type: 'string', default: '30' },
    quality: { type: 'string', default: '70' },
  },
});
const log = createLogger('silent');
const backend = new X11Backend({ display: values.display, log, useLogind: false });

// The hub's source, kept to read its timings.
let source: ShmCapture | undefined;
const open = backend.openCapture.bind(backend);
backend.openCapture = (id: string, monitor?: string): CaptureSource => {
  source = open(id, monitor) as ShmCapture;
  return source;
};

/** Wall time spent in an encoder (libturbojpeg runs on this thread; deflate on libuv's pool). */
class Timed implements TileEncoder {
  ms = 0;
  calls = 0;
  constructor(private readonly inner: TileEncoder) {}
  get encoding() {
    return this.inner.encoding;
  }
  async encode(px: Buffer, w: number, h: number, q: number): Promise<Buffer> {
    const t0 = performance.now();
    const out = await this.inner.encode(px, w, h, q);
    this.ms += performance.now() - t0;
    this.calls++;
    return out;
  }
}
const jpeg = new Timed(new TurboJpegEncoder());
const deflate = new Timed(new DeflateEncoder());
const hub = new CaptureHub(backend, log);
let bytes = 0;
let frames = 0;
const streamer: TileStreamer = new TileStreamer({
  capture: hub,
  userSession: values.display!,
  log,
  lossy: jpeg,
  lossless: deflate,
  fps: Number(values.fps),
  quality: Number(values.quality),
  sink: {
    send: (b) => {
      bytes += b.length;
      const r = decodeFrame(b);
      if (r.ok && r.frame.type === 'frame.end') {
        frames++;
        // A fast console: it acks each frame as it arrives.
        streamer.ack(r.frame.seq, 4);
      }
    },
    backlogBytes: () => 0,
  },
});
streamer.start();
const started = performance.now();
const startTiming = () => ({ ...source!.timing });
let t0 = { grabs: 0, skipped: 0, grabMs: 0, diffMs: 0 };
setTimeout(() => {
  t0 = startTiming();
  bytes = 0;
  frames = 0;
  jpeg.ms = 0;
  deflate.ms = 0;
  // tsx runs us in a child of its own: the pid to measure is this one.
  console.log(`ready ${process.pid}`);
}, 1500);

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'stop') return;
  const t = source!.timing;
  const secs = (performance.now() - started) / 1000 - 1.5;
  const grabs = t.grabs - t0.grabs;
  const ticks = grabs + t.skipped - t0.skipped;
  console.log(
    JSON.stringify({
      seconds: secs,
      ticks,
      grabs,
      captureMsPerGrab: (t.grabMs - t0.grabMs) / Math.max(1, grabs),
      diffMsPerGrab: (t.diffMs - t0.diffMs) / Math.max(1, grabs),
      jpegMsPerFrame: jpeg.ms / Math.max(1, frames),
      deflateMsPerFrame: deflate.ms / Math.max(1, frames),
      framesSent: frames,
      bytesPerSecond: bytes / secs,
    }),
  );
  streamer.close();
  hub.closeAll();
  void backend.close().then(() => process.exit(0));
});
