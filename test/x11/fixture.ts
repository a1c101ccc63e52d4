// A tiny X client of the tests' own (its own Xlib connection, not the agent's code): windows with a
// known picture at known places, and the pointer clicks, wheel turns and key presses they receive,
// as any application on the desktop would see them.
import koffi from 'koffi';

type Fn = (...a: unknown[]) => unknown;
const lib = koffi.load('libX11.so.6');
const f = (proto: string) => lib.func(proto) as Fn;
const X = {
  open: f('void* XOpenDisplay(const char*)'),
  close: f('int XCloseDisplay(void*)'),
  screen: f('int XDefaultScreen(void*)'),
  root: f('unsigned long XRootWindow(void*, int)'),
  visual: f('void* XDefaultVisual(void*, int)'),
  create: f(
    'unsigned long XCreateSimpleWindow(void*, unsigned long, int, int, unsigned int, unsigned int, unsigned int, unsigned long, unsigned long)',
  ),
  attrs: f('int XChangeWindowAttributes(void*, unsigned long, unsigned long, void*)'),
  select: f('int XSelectInput(void*, unsigned long, long)'),
  map: f('int XMapRaised(void*, unsigned long)'),
  move: f('int XMoveWindow(void*, unsigned long, int, int)'),
  destroy: f('int XDestroyWindow(void*, unsigned long)'),
  pixmap: f('unsigned long XCreatePixmap(void*, unsigned long, unsigned int, unsigned int, unsigned int)'),
  gc: f('void* XCreateGC(void*, unsigned long, unsigned long, void*)'),
  image: f('void* XCreateImage(void*, void*, unsigned int, int, int, void*, unsigned int, unsigned int, int, int)'),
  put: f('int XPutImage(void*, unsigned long, void*, void*, int, int, int, int, unsigned int, unsigned int)'),
  free: f('int XFree(void*)'),
  bgPixmap: f('int XSetWindowBackgroundPixmap(void*, unsigned long, unsigned long)'),
  clear: f('int XClearWindow(void*, unsigned long)'),
  sync: f('int XSync(void*, int)'),
  pending: f('int XPending(void*)'),
  next: f('int XNextEvent(void*, void*)'),
  keycode: f('uint8_t XKeysymToKeycode(void*, unsigned long)'),
  getImage: f('void* XGetImage(void*, unsigned long, int, int, unsigned int, unsigned int, unsigned long, int)'),
  getPixel: f('unsigned long XGetPixel(void*, int, int)'),
  destroyImage: f('int XDestroyImage(void*)'),
};

export interface Received {
  window: number;
  type: 'press' | 'release' | 'key';
  button: number;
  x: number;
  y: number;
}

/** BGRX test pattern: every pixel differs from its neighbours, so a one-pixel shift is caught. */
export function pattern(w: number, h: number, seed: number): Buffer {
  const b = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 4;
      b[o] = (x * 7 + y * 3 + seed) & 0xff;
      b[o + 1] = (x * 13 + y * 17 + seed * 5) & 0xff;
      b[o + 2] = (x ^ y ^ seed) & 0xff;
    }
  return b;
}

export class FixtureClient {
  readonly clicks: Received[] = [];
  private readonly dpy: unknown;
  private readonly root: number;
  private readonly ev = Buffer.alloc(192);
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(display: string) {
    this.dpy = X.open(display);
    if (koffi.address(this.dpy) === 0n) throw new Error(`fixture cannot open ${display}`);
    this.root = X.root(this.dpy, X.screen(this.dpy)) as number;
    this.timer = setInterval(() => this.pump(), 10);
  }

  /** A window at (x, y) showing `picture` (BGRX, w×h), repainted by the server itself when exposed. */
  window(x: number, y: number, w: number, h: number, picture: Buffer): number {
    const d = this.dpy;
    const win = X.create(d, this.root, x, y, w, h, 0, 0, 0) as number;
    const attrs = Buffer.alloc(112);
    attrs.writeInt32LE(1, 88); // override_redirect: placed exactly where asked
    X.attrs(d, win, 1 << 9, attrs);
    const pix = X.pixmap(d, this.root, w, h, 24) as number;
    const gc = X.gc(d, pix, 0, null);
    const img = X.image(d, X.visual(d, 0), 24, 2, 0, picture, w, h, 32, w * 4);
    X.put(d, pix, gc, img, 0, 0, 0, 0, w, h);
    // The XImage borrows `picture`: detach it before freeing the struct.
    Buffer.from(koffi.view(img, 24)).writeBigUInt64LE(0n, 16);
    X.free(img);
    X.bgPixmap(d, win, pix);
    X.select(d, win, (1 << 0) | (1 << 2) | (1 << 3)); // KeyPress | ButtonPress | ButtonRelease
    X.map(d, win);
    X.clear(d, win);
    X.sync(d, 0);
    return win;
  }

  /** The colour [r, g, b] on screen at root (x, y), as any X client reads it back (24-bit TrueColor). */
  pixel(x: number, y: number): [number, number, number] {
    const img = X.getImage(this.dpy, this.root, x, y, 1, 1, 0xffffffff, 2 /* ZPixmap */);
    if (koffi.address(img) === 0n) throw new Error(`fixture cannot read the pixel at ${x},${y}`);
    const v = Number(X.getPixel(img, 0, 0));
    X.destroyImage(img);
    return [(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
  }

  keycodeOf(keysym: number): number {
    return X.keycode(this.dpy, keysym) as number;
  }

  move(win: number, x: number, y: number): void {
    X.move(this.dpy, win, x, y);
    X.sync(this.dpy, 0);
  }

  async waitClick(pred: (r: Received) => boolean, ms = 3000): Promise<Received> {
    const end = Date.now() + ms;
    for (;;) {
      const hit = this.clicks.find(pred);
      if (hit) return hit;
      if (Date.now() > end) throw new Error(`no matching click; got ${JSON.stringify(this.clicks)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private pump() {
    while (!this.closed && (X.pending(this.dpy) as number) > 0) {
      X.next(this.dpy, this.ev);
      const type = this.ev.readInt32LE(0);
      if (type === 2) {
        // XKeyEvent: window @32, state @80, keycode @84 (kept in `button`, the state in x).
        this.clicks.push({
          window: Number(this.ev.readBigUInt64LE(32)),
          type: 'key',
          x: this.ev.readUInt32LE(80),
          y: 0,
          button: this.ev.readUInt32LE(84),
        });
      }
      if (type === 4 || type === 5) {
        // XButtonEvent: window @32, x @64, y @68, button @84.
        this.clicks.push({
          window: Number(this.ev.readBigUInt64LE(32)),
          type: type === 4 ? 'press' : 'release',
          x: this.ev.readInt32LE(64),
          y: this.ev.readInt32LE(68),
          button: this.ev.readUInt32LE(84),
        });
      }
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    X.close(this.dpy);
  }
}
