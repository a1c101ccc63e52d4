// LAN mode: the page talks to `rc-console connect --lan`'s local bridge (contract 4 in the brief:
// ws://127.0.0.1:PORT/bridge?token=…), which holds the TLS connections to the agent's 42187/42188.
// Every binary message is one frame; the screen comes as tiles (JPEG, raw BGRX, raw-deflated BGRX)
// painted on a canvas, and each `frame.end` is acked so the agent sends the next.
import { decodeFrame, encodeFrame, type Frame, type FrameOf } from '@rc-relay/protocol';
import { type Channel, Events, type LinkStats, type RemoteTransport, type TransportEvents } from './transport';

/** Frames the agent may send ahead of our acks: enough to hide a loopback round trip. */
const CREDITS = 2;

export interface BridgeReady {
  sessionId: string;
  mode: 'view' | 'control';
  device: { id: string; hostname: string };
}

type Control = { type: 'bridge.ready' } & BridgeReady;
type BridgeText =
  | Control
  | { type: 'bridge.error'; code: string; message: string }
  | { type: 'bridge.closed'; reason: string };

export class LanTransport implements RemoteTransport {
  readonly kind = 'lan' as const;
  readonly surface: HTMLCanvasElement;
  readonly ready: Promise<BridgeReady>;
  /** The session's mode once the bridge is ready. */
  mode: 'view' | 'control' | undefined;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly ws: WebSocket;
  private readonly events = new Events();
  /** Tiles decode in parallel but are drawn strictly in arrival order, so a stale tile never wins. */
  private drawn: Promise<void> = Promise.resolve();
  private closed = false;
  private painted = { at: performance.now(), frames: 0, bytes: 0, fps: 0, kbps: 0 };

  constructor(token: string) {
    this.surface = document.createElement('canvas');
    const ctx = this.surface.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('this browser has no 2D canvas');
    this.ctx = ctx;
    // First in the draw chain, so its little square can never land on top of a real tile.
    this.drawn = warmJpegDecoder(ctx);
    // The socket the page's first script opened (early-bridge.ts), else a new one.
    const early = window.__rcEarlyBridge?.token === token ? window.__rcEarlyBridge : undefined;
    window.__rcEarlyBridge = undefined;
    this.ws = early?.ws ?? new WebSocket(`ws://${location.host}/bridge?token=${encodeURIComponent(token)}`);
    this.ws.binaryType = 'arraybuffer';
    // Performance marks time the LAN connect's phases (the console benchmark prints them).
    this.ws.onopen = () => performance.mark('rc:lan-socket-open');
    this.ready = new Promise((resolve, reject) => {
      this.ws.onmessage = (ev) => {
        if (typeof ev.data === 'string') return this.onText(ev.data, resolve, reject);
        this.painted.bytes += ev.data.byteLength;
        const r = decodeFrame(Buffer.from(ev.data as ArrayBuffer));
        if (r.ok) this.onFrame(r.frame);
        else console.warn(`bad frame from the bridge: ${r.message}`);
      };
      this.ws.onclose = () => {
        reject(new Error('the LAN bridge closed the connection (is the link already used, or rc-console stopped?)'));
        this.finish('the LAN bridge closed the connection');
      };
    });
    // What arrived while the bundle loaded goes through the same handlers, in order.
    for (const ev of early?.queue.splice(0) ?? []) this.ws.onmessage?.(ev);
    if (early?.closed) this.ws.onclose?.(early.closed);
  }

  on<K extends keyof TransportEvents>(event: K, fn: TransportEvents[K]): void {
    this.events.on(event, fn);
  }

  send(_channel: Channel, f: Frame): void {
    // The bridge routes by frame type (sessions to 42188, the rest to 42187); channels are WebRTC's.
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(encodeFrame(f) as Uint8Array<ArrayBuffer>);
  }

  async stats(): Promise<LinkStats> {
    const now = performance.now();
    const s = (now - this.painted.at) / 1000;
    if (s >= 0.5) {
      this.painted.fps = Math.round(this.painted.frames / s);
      this.painted.kbps = Math.round((this.painted.bytes * 8) / 1000 / s);
      this.painted = { ...this.painted, at: now, frames: 0, bytes: 0 };
    }
    return { path: 'LAN', fps: this.painted.fps, rttMs: null, kbps: this.painted.kbps };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ws.close(1000, 'closed by the operator');
    this.events.clear();
  }

  private finish(reason: string) {
    if (this.closed) return;
    this.events.emit('closed', reason);
    this.close();
  }

  private onText(text: string, resolve: (r: BridgeReady) => void, reject: (e: Error) => void) {
    let m: BridgeText;
    try {
      m = JSON.parse(text) as BridgeText;
    } catch {
      return;
    }
    if (m.type === 'bridge.ready') {
      performance.mark('rc:lan-ready');
      this.mode = m.mode === 'control' ? 'control' : 'view';
      resolve({ sessionId: m.sessionId, mode: this.mode, device: m.device });
      this.events.emit('open');
    } else if (m.type === 'bridge.error') {
      const err = Object.assign(new Error(m.message), { code: m.code });
      reject(err);
      this.finish(m.message);
    } else if (m.type === 'bridge.closed') {
      this.finish(m.reason || 'the session ended');
    }
  }

  private onFrame(f: Frame) {
    if (f.type === 'screen.info') {
      performance.mark('rc:lan-screen-info');
      this.surface.width = f.width;
      this.surface.height = f.height;
      this.send('control', { type: 'ack', seq: 0, credits: CREDITS });
      return;
    }
    if (f.type === 'tile') {
      if (!this.painted.frames && !performance.getEntriesByName('rc:lan-first-tile').length)
        performance.mark('rc:lan-first-tile');
      const decoded = this.decode(f);
      this.drawn = this.drawn.then(async () => (await decoded)()).catch((err) => console.warn('tile not painted', err));
      return;
    }
    if (f.type === 'frame.end') {
      this.drawn = this.drawn.then(() => {
        if (this.closed) return;
        this.painted.frames++;
        this.events.emit('picture', this.surface.width, this.surface.height);
        this.send('control', { type: 'ack', seq: f.seq, credits: CREDITS });
      });
      return;
    }
    this.events.emit('frame', f);
  }

  /** Decodes a tile; resolves to the function that draws it. */
  private async decode(t: FrameOf<'tile'>): Promise<() => void> {
    if (t.encoding === 'jpeg') {
      const bmp = await decodeJpeg(t.data);
      return () => {
        this.ctx.drawImage(bmp, t.x, t.y);
        bmp.close();
      };
    }
    const bgrx = t.encoding === 'raw' ? t.data : await inflateRaw(t.data);
    if (bgrx.length !== t.w * t.h * 4) throw new Error('tile size mismatch');
    const img = new ImageData(t.w, t.h);
    const d = img.data;
    for (let i = 0; i < d.length; i += 4) {
      d[i] = bgrx[i + 2]!;
      d[i + 1] = bgrx[i + 1]!;
      d[i + 2] = bgrx[i]!;
      d[i + 3] = 255;
    }
    return () => this.ctx.putImageData(img, t.x, t.y);
  }
}

/** A 16×16 grey JPEG (267 bytes). */
const WARM_JPEG = Uint8Array.from(
  atob(
    '/9j/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAAQABADASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAb/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFAEBAAAAAAAAAAAAAAAAAAAAAP/EABQRAQAAAAAAAAAAAAAAAAAAAAD/2gAMAwEAAhEDEQA/AJMAH//Z',
  ),
  (c) => c.charCodeAt(0),
);

/**
 * A fresh page's first JPEG decode and first canvas draw cost ~70–150 ms in Chromium (decoder and
 * raster start-up), and every LAN connect is a fresh page (the bridge's origin is a random port).
 * Done once while the bridge connects, so the first real picture does not pay it.
 */
async function warmJpegDecoder(ctx: CanvasRenderingContext2D): Promise<void> {
  try {
    const bmp = await decodeJpeg(WARM_JPEG);
    ctx.drawImage(bmp, 0, 0);
    bmp.close();
  } catch {
    // Only a head start; the real tiles report their own errors.
  }
}

/**
 * WebCodecs' ImageDecoder takes the bytes as they are; createImageBitmap (the fallback, for browsers
 * without it) reads them back through a Blob first. In Chromium, from the first tile of a 1280×720
 * picture (six JPEGs) to the picture painted took a median of 83–90 ms with ImageDecoder against
 * 120–176 ms with createImageBitmap (`bench:console --paths lan --timeline`, 10 connects each).
 */
async function decodeJpeg(data: Uint8Array): Promise<CanvasImageSource & { close(): void }> {
  if (typeof ImageDecoder === 'undefined')
    return createImageBitmap(new Blob([data as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' }));
  const decoder = new ImageDecoder({ data: data as Uint8Array<ArrayBuffer>, type: 'image/jpeg' });
  try {
    return (await decoder.decode()).image;
  } finally {
    decoder.close();
  }
}

async function inflateRaw(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
