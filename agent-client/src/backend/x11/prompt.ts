// What the device user sees on the X display: the consent prompt (Allow / Deny with a countdown; no
// answer in time is a deny, enforced by the agent's policy timeout) and the banner that says a session
// is active. Both are small override-redirect windows drawn with core X requests, so they appear
// without a window manager or toolkit. Clicks injected through XTest in the last moment are ignored,
// so an operator already connected cannot answer the prompt for another operator.
import type { ActiveSessionInfo, ConsentRequest } from '../types';
import type { XConnection } from './display';
import { readULong, X } from './native';

const Expose = 12;
const ButtonPress = 4;
const ExposureMask = 1 << 15;
const ButtonPressMask = 1 << 2;
const CWOverrideRedirect = 1 << 9;
const GREEN = 0x2e7d32;
const RED = 0xc62828;
const WHITE = 0xffffff;
const DARK = 0x263238;
const INJECTED_CLICK_GUARD_MS = 300;

interface Button {
  x: number;
  y: number;
  w: number;
  h: number;
  label: string;
  colour: number;
}

/** Text for XDrawString: core fonts are Latin-1, anything else shows as '?'. */
function latin1(s: string): Buffer {
  return Buffer.from(
    [...s].map((c) => ((c.codePointAt(0) ?? 63) <= 0xff && (c.codePointAt(0) ?? 0) >= 0x20 ? c : '?')).join(''),
    'latin1',
  );
}

/** An override-redirect window with its own GC; close() is idempotent. */
class OverlayWindow {
  readonly win: number;
  private readonly gc: unknown;
  private closed = false;
  private readonly offs: (() => void)[] = [];

  constructor(
    readonly conn: XConnection,
    x: number,
    y: number,
    readonly w: number,
    readonly h: number,
    private readonly draw: (o: OverlayWindow) => void,
  ) {
    const X_ = X();
    this.win = X_.XCreateSimpleWindow(conn.dpy, conn.root, x, y, w, h, 2, WHITE, DARK) as number;
    // XSetWindowAttributes (LP64): Bool override_redirect @88.
    const attrs = Buffer.alloc(112);
    attrs.writeInt32LE(1, 88);
    X_.XChangeWindowAttributes(conn.dpy, this.win, CWOverrideRedirect, attrs);
    X_.XSelectInput(conn.dpy, this.win, ExposureMask | ButtonPressMask);
    X_.XStoreName(conn.dpy, this.win, 'rc-relay');
    this.gc = X_.XCreateGC(conn.dpy, this.win, 0, null);
    this.offs.push(
      conn.on(Expose, (ev) => {
        if (readULong(ev, 32) === this.win) this.redraw();
      }),
    );
    X_.XMapRaised(conn.dpy, this.win);
    conn.flush();
  }

  onClick(fn: (x: number, y: number) => void): void {
    this.offs.push(
      this.conn.on(ButtonPress, (ev) => {
        // XButtonEvent: window @32, int x @64, int y @68.
        if (readULong(ev, 32) === this.win) fn(ev.readInt32LE(64), ev.readInt32LE(68));
      }),
    );
  }

  redraw(): void {
    if (this.closed || !this.conn.alive) return;
    X().XClearWindow(this.conn.dpy, this.win);
    this.draw(this);
    this.conn.flush();
  }

  raise(): void {
    if (!this.closed && this.conn.alive) {
      X().XMapRaised(this.conn.dpy, this.win);
      this.conn.flush();
    }
  }

  fill(x: number, y: number, w: number, h: number, colour: number): void {
    X().XSetForeground(this.conn.dpy, this.gc, colour);
    X().XFillRectangle(this.conn.dpy, this.win, this.gc, x, y, w, h);
  }

  text(x: number, y: number, s: string, colour = WHITE): void {
    const b = latin1(s);
    X().XSetForeground(this.conn.dpy, this.gc, colour);
    X().XDrawString(this.conn.dpy, this.win, this.gc, x, y, b, b.length);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.offs) off();
    if (this.conn.alive) {
      X().XFreeGC(this.conn.dpy, this.gc);
      X().XDestroyWindow(this.conn.dpy, this.win);
      this.conn.flush();
    }
  }
}

export function askConsentOnDisplay(
  conn: XConnection,
  req: ConsentRequest,
  signal: AbortSignal,
  lastInjectedClick: () => number,
): Promise<'accept' | 'deny'> {
  const w = 480;
  const h = 150;
  const deadline = Date.now() + req.timeoutSeconds * 1000;
  const allow: Button = { x: w - 230, y: h - 50, w: 100, h: 34, label: 'Allow', colour: GREEN };
  const deny: Button = { x: w - 120, y: h - 50, w: 100, h: 34, label: 'Deny', colour: RED };
  const verb = req.mode === 'control' ? 'view and control' : 'view';
  return new Promise((resolve) => {
    if (signal.aborted) return resolve('deny');
    const win = new OverlayWindow(
      conn,
      Math.max(0, Math.floor((conn.width - w) / 2)),
      Math.max(0, Math.floor((conn.height - h) / 3)),
      w,
      h,
      (o) => {
        const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
        o.text(16, 26, 'Remote support request');
        o.text(16, 50, `${req.operator} wants to ${verb} this screen`);
        o.text(16, 68, `(${req.transport === 'lan' ? 'over the local network' : 'over the internet'}).`);
        o.text(16, 92, `Refused automatically in ${left} s.`);
        for (const b of [allow, deny]) {
          o.fill(b.x, b.y, b.w, b.h, b.colour);
          o.text(b.x + 30, b.y + 22, b.label);
        }
      },
    );
    const tick = setInterval(() => {
      win.redraw();
      win.raise();
    }, 1000);
    const finish = (answer: 'accept' | 'deny') => {
      clearInterval(tick);
      signal.removeEventListener('abort', onAbort);
      win.close();
      resolve(answer);
    };
    const onAbort = () => finish('deny');
    signal.addEventListener('abort', onAbort, { once: true });
    win.onClick((x, y) => {
      if (Date.now() - lastInjectedClick() < INJECTED_CLICK_GUARD_MS) return;
      const hit = (b: Button) => x >= b.x && x < b.x + b.w && y >= b.y && y < b.y + b.h;
      if (hit(allow)) finish('accept');
      else if (hit(deny)) finish('deny');
    });
    win.redraw();
  });
}

/** The "session active" banner at the top of the screen; shown while the list is non-empty. */
export class Indicator {
  private win: OverlayWindow | undefined;
  private timer: NodeJS.Timeout | undefined;
  private text = '';

  constructor(private readonly conn: XConnection) {}

  show(active: ActiveSessionInfo[]): void {
    if (active.length === 0) {
      this.close();
      return;
    }
    const who = active.map((a) => `${a.operator} (${a.mode === 'control' ? 'control' : 'view only'})`).join(', ');
    this.text = `Remote session active: ${who}`;
    const w = Math.min(this.conn.width, Math.max(320, this.text.length * 6 + 24));
    if (this.win && this.win.w !== w) this.close();
    if (!this.win) {
      this.win = new OverlayWindow(this.conn, Math.floor((this.conn.width - w) / 2), 0, w, 20, (o) => {
        o.fill(0, 0, o.w, o.h, RED);
        o.text(12, 14, this.text);
      });
      // Other override-redirect windows may cover it: raise it every few seconds.
      this.timer = setInterval(() => this.win?.raise(), 3000);
      this.timer.unref();
    }
    this.win.redraw();
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.win?.close();
    this.win = undefined;
  }
}
