// A desktop without a display: generated moving content at a configurable size, a recorded input
// log, an in-memory clipboard per user session, scripted consent answers. Everything above the
// backend interface is tested and benchmarked against it.
import type { Monitor, UserSession } from '@rc-relay/protocol';
import { drawStamp, stampRect } from './stamp';
import type {
  ActiveSessionInfo,
  CapturedFrame,
  CaptureSource,
  ClipboardData,
  ConsentRequest,
  CursorState,
  DesktopBackend,
  InputEvent,
  Rect,
} from './types';

export interface SyntheticOptions {
  width: number;
  height: number;
  consentAnswer: 'accept' | 'deny' | 'none';
  consentDelayMs: number;
  sessions?: UserSession[];
  /** A desktop that never changes after its first picture (no moving box, no clock). */
  still?: boolean;
}

const DEFAULT_SESSIONS: UserSession[] = [
  { id: ':0', user: 'synthetic', kind: 'x11', active: true, supported: true },
  { id: ':1', user: 'second', kind: 'x11', active: false, supported: true },
];

export class SyntheticBackend implements DesktopBackend {
  readonly name = 'synthetic';
  /** Every input event injected, per user session, in order (tests assert on it). */
  readonly inputLog: { session: string; event: InputEvent }[] = [];
  readonly consentLog: ConsentRequest[] = [];
  /** The indicator as the device user would see it. */
  indicator: ActiveSessionInfo[] = [];
  readonly indicatorHistory: ActiveSessionInfo[][] = [];
  private readonly clipboards = new Map<string, ClipboardData>();
  private readonly clipboardWatchers = new Map<string, Set<(c: ClipboardData) => void>>();
  private readonly pointers = new Map<string, { x: number; y: number }>();
  private sessions: UserSession[];
  private readonly open = new Set<SyntheticCapture>();

  constructor(readonly opts: SyntheticOptions) {
    this.sessions = opts.sessions ?? DEFAULT_SESSIONS;
    // The active desktop is drawn now, as a real one exists before anyone captures it.
    const active = Math.max(
      0,
      this.sessions.findIndex((s) => s.active),
    );
    background(opts.width, opts.height, active);
  }

  openCapture(userSessionId: string, monitorId = ''): CaptureSource {
    const index = this.sessions.findIndex((s) => s.id === userSessionId);
    if (index < 0) throw new Error(`no user session ${userSessionId}`);
    // One monitor covering the whole picture: selecting it shows the same image.
    if (monitorId !== '' && monitorId !== '0') throw new Error(`no monitor ${monitorId}`);
    const src = new SyntheticCapture(this.opts.width, this.opts.height, index, () => this.cursorOf(userSessionId));
    src.still = this.opts.still ?? false;
    src.onClose = () => this.open.delete(src);
    this.open.add(src);
    return src;
  }

  /** How many captures are open: viewers of one display must share one. */
  get openCaptures(): number {
    return this.open.size;
  }

  injectInput(session: string, event: InputEvent): void {
    this.inputLog.push({ session, event });
    if (event.type === 'pointer') this.pointers.set(session, { x: event.x, y: event.y });
  }

  async readClipboard(session: string): Promise<ClipboardData | null> {
    return this.clipboards.get(session) ?? null;
  }

  async writeClipboard(session: string, data: ClipboardData): Promise<void> {
    this.clipboards.set(session, { mime: data.mime, data: Buffer.from(data.data) });
  }

  watchClipboard(session: string, onChange: (c: ClipboardData) => void): () => void {
    let set = this.clipboardWatchers.get(session);
    if (!set) {
      set = new Set();
      this.clipboardWatchers.set(session, set);
    }
    set.add(onChange);
    return () => set.delete(onChange);
  }

  /** Test hook: the device user copies something. */
  userCopies(session: string, data: ClipboardData): void {
    this.clipboards.set(session, data);
    for (const w of this.clipboardWatchers.get(session) ?? []) w(data);
  }

  async listSessions(): Promise<UserSession[]> {
    return this.sessions.map((s) => ({ ...s }));
  }

  async listMonitors(): Promise<Monitor[]> {
    return [
      { id: '0', name: 'SYNTHETIC-1', x: 0, y: 0, width: this.opts.width, height: this.opts.height, primary: true },
    ];
  }

  /** Test hook: a user logs on or off. */
  setSessions(sessions: UserSession[]): void {
    this.sessions = sessions;
  }

  askConsent(req: ConsentRequest, signal: AbortSignal): Promise<'accept' | 'deny'> {
    this.consentLog.push(req);
    const answer = this.opts.consentAnswer;
    return new Promise((resolve) => {
      if (answer === 'none') {
        signal.addEventListener('abort', () => resolve('deny'), { once: true });
        return;
      }
      const t = setTimeout(() => resolve(answer), this.opts.consentDelayMs);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(t);
          resolve('deny');
        },
        { once: true },
      );
    });
  }

  showIndicator(active: ActiveSessionInfo[]): void {
    this.indicator = active;
    this.indicatorHistory.push(active);
  }

  async close(): Promise<void> {
    for (const s of [...this.open]) s.close();
  }

  private cursorOf(session: string): CursorState {
    const p = this.pointers.get(session) ?? { x: 0, y: 0 };
    return { x: p.x, y: p.y, visible: true, shapeSerial: 1, shape: ARROW };
  }
}

const ARROW = (() => {
  const w = 8;
  const h = 8;
  const rgba = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x <= y; x++) rgba.set([255, 255, 255, 255], (y * w + x) * 4);
  return { w, h, hotX: 0, hotY: 0, rgba };
})();

/** Moving box over a still gradient, plus a timestamp stamp; reports exactly what it changed. */
class SyntheticCapture implements CaptureSource {
  readonly stride: number;
  private readonly background: Buffer;
  private readonly data: Buffer;
  private readonly box: number;
  private last: Rect | null = null;
  private first = true;
  still = false;
  onClose: () => void = () => {};

  constructor(
    readonly width: number,
    readonly height: number,
    private readonly tint: number,
    private readonly cursor: () => CursorState,
  ) {
    this.stride = width * 4;
    this.background = background(width, height, tint);
    this.data = Buffer.from(this.background);
    this.box = Math.max(16, Math.floor(Math.min(width, height) / 6));
  }

  grab(): CapturedFrame {
    const now = Date.now();
    const dirty: Rect[] = [];
    if (this.still && !this.first) return this.frameOf(dirty, now);
    // Position follows the clock, not the grab count, so motion speed does not depend on fps.
    const t = now / 1000;
    const span = (n: number) => Math.max(1, n - this.box);
    const bx = Math.floor(tri(t * 0.37) * span(this.width));
    const by = Math.floor(tri(t * 0.23) * span(this.height));
    const rect = { x: bx, y: by, w: Math.min(this.box, this.width - bx), h: Math.min(this.box, this.height - by) };
    if (this.last) {
      this.blit(this.background, this.last);
      dirty.push(this.last);
    }
    const colour = Buffer.from([(t * 50) & 0xff, 0x40, (this.tint * 80 + 200) & 0xff, 0]);
    for (let y = rect.y; y < rect.y + rect.h; y++) {
      const off = y * this.stride + rect.x * 4;
      this.data.fill(colour, off, off + rect.w * 4);
    }
    dirty.push(rect);
    this.last = rect;
    drawStamp(this.data, this.stride, this.width, now);
    const sr = stampRect(this.width);
    dirty.push({ ...sr, w: Math.min(sr.w, this.width - sr.x), h: Math.min(sr.h, this.height - sr.y) });
    if (this.first) {
      this.first = false;
      dirty.length = 0;
      dirty.push({ x: 0, y: 0, w: this.width, h: this.height });
    }
    return this.frameOf(dirty, now);
  }

  private frameOf(dirty: Rect[], now: number): CapturedFrame {
    return {
      width: this.width,
      height: this.height,
      stride: this.stride,
      data: this.data,
      dirty,
      captureTime: now,
      cursor: this.cursor(),
    };
  }

  private blit(src: Buffer, r: Rect) {
    for (let y = r.y; y < r.y + r.h; y++) {
      const off = y * this.stride + r.x * 4;
      src.copy(this.data, off, off, off + r.w * 4);
    }
  }

  close(): void {
    this.onClose();
  }
}

/**
 * The still gradient, drawn once per size and session and then shared (read-only): drawing it per
 * pixel in JS costs 25–190 ms at 1280×720, which opening a real capture does not (X11: a shared
 * memory segment, ~1 ms), and which would stall the agent's event loop, and a relay running in the
 * same process (tests, benchmarks), at every session start.
 */
const backgrounds = new Map<string, Buffer>();
function background(width: number, height: number, tint: number): Buffer {
  const key = `${width}x${height}/${tint}`;
  const cached = backgrounds.get(key);
  if (cached) return cached;
  const stride = width * 4;
  const b = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = y * stride + x * 4;
      b[o] = (x * 255) / width; // B
      b[o + 1] = (y * 255) / height; // G
      b[o + 2] = (tint * 97 + ((x ^ y) & 0x3f)) & 0xff; // R: texture, differs per session
    }
  }
  if (backgrounds.size >= 8) backgrounds.clear();
  backgrounds.set(key, b);
  return b;
}

/** A triangle wave in [0, 1]: the box bounces between the edges. */
function tri(v: number) {
  const f = v - Math.floor(v);
  return f < 0.5 ? f * 2 : 2 - f * 2;
}
