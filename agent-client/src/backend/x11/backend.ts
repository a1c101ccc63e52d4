// The Linux X11 desktop: one Xlib connection per X display in use (opened on first use with that
// display's cookie, dropped when the server goes away), carrying capture, input, clipboard and the
// prompt windows. User session ids are display names (":0"); Wayland sessions are listed with
// supported:false and refuse capture with a clear error instead of showing a black screen.
import { MAX_CLIPBOARD_BYTES, type Monitor, type UserSession } from '@rc-relay/protocol';
import type { Logger } from '../../log';
import type {
  ActiveSessionInfo,
  CaptureSource,
  ClipboardData,
  ConsentRequest,
  DesktopBackend,
  InputEvent,
  Rect,
} from '../types';
import { ShmCapture } from './capture';
import { X11Clipboard } from './clipboard';
import { CursorTracker } from './cursor';
import { XConnection } from './display';
import { X11Error } from './errors';
import { XTestInput } from './input';
import { readMonitors } from './monitors';
import { loadAllX11, Xext } from './native';
import { askConsentOnDisplay, Indicator } from './prompt';
import { discoverSessions, normalizeDisplay, type X11SessionInfo } from './sessions';

export type ClipboardDirection = 'both' | 'to-device' | 'from-device' | 'none';

export interface X11Options {
  /** The display to show; absent: the active user session, else $DISPLAY. */
  display?: string | undefined;
  clipboardMaxBytes?: number;
  clipboardDirection?: ClipboardDirection;
  log: Logger;
  /** Only these displays are offered as user sessions (absent: every X display on the host). */
  displays?: readonly string[] | undefined;
  /** Where X sockets and processes are looked up (tests point these elsewhere). */
  socketDir?: string;
  useLogind?: boolean;
  /** The environment to read DISPLAY, WAYLAND_DISPLAY and XDG_SESSION_TYPE from (process.env). */
  env?: NodeJS.ProcessEnv;
}

interface DisplayState {
  conn: XConnection;
  cursor: CursorTracker;
  input: XTestInput;
  clipboard?: X11Clipboard;
  indicator?: Indicator;
  lastInjectedClick: number;
}

export class X11Backend implements DesktopBackend {
  readonly name = 'x11';
  private readonly displays = new Map<string, DisplayState>();
  private known = new Map<string, X11SessionInfo>();
  /** The display prompts and the indicator go to: the active session's, else the configured one. */
  private home: string | undefined;
  private readonly log: Logger;
  private readonly maxBytes: number;
  private readonly direction: ClipboardDirection;
  private closed = false;
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly o: X11Options) {
    this.env = o.env ?? process.env;
    this.log = o.log;
    loadAllX11();
    this.maxBytes = Math.min(o.clipboardMaxBytes ?? MAX_CLIPBOARD_BYTES, MAX_CLIPBOARD_BYTES);
    this.direction = o.clipboardDirection ?? 'both';
    const configured = o.display ?? this.env.DISPLAY;
    this.home = normalizeDisplay(configured) ?? configured;
    if (o.display) {
      // A display named in the config must work now: a typo stops the agent with a clear message.
      this.state(o.display);
    }
  }

  openCapture(userSessionId: string, monitorId = ''): CaptureSource {
    this.refuseWayland(userSessionId);
    const st = this.state(userSessionId);
    let area: Rect = { x: 0, y: 0, w: st.conn.width, h: st.conn.height };
    if (monitorId !== '') {
      const m = readMonitors(st.conn).find((e) => e.id === monitorId);
      if (!m) throw new X11Error('no_monitor', `no monitor ${monitorId.slice(0, 64)} on ${userSessionId}`);
      area = { x: m.x, y: m.y, w: m.width, h: m.height };
    }
    return new ShmCapture(st.conn, area, st.cursor);
  }

  /** Pointer coordinates are root coordinates here: the session adds the selected monitor's offset. */
  injectInput(userSessionId: string, ev: InputEvent): void {
    this.refuseWayland(userSessionId);
    const st = this.state(userSessionId);
    if (ev.type === 'pointer') {
      if (ev.buttons) st.lastInjectedClick = Date.now();
      st.cursor.markMoved();
    }
    st.input.inject(ev);
  }

  async readClipboard(userSessionId: string): Promise<ClipboardData | null> {
    if (this.direction === 'none' || this.direction === 'to-device') return null;
    return this.clipboard(userSessionId).read();
  }

  async writeClipboard(userSessionId: string, data: ClipboardData): Promise<void> {
    if (this.direction === 'none' || this.direction === 'from-device') {
      throw new X11Error('policy', 'clipboard writes to this device are switched off by its policy');
    }
    await this.clipboard(userSessionId).write(data);
  }

  watchClipboard(userSessionId: string, onChange: (c: ClipboardData) => void): () => void {
    if (this.direction === 'none' || this.direction === 'to-device') return () => {};
    let cb: X11Clipboard;
    try {
      cb = this.clipboard(userSessionId);
    } catch (err) {
      this.log.warn({ userSessionId, code: (err as X11Error).code }, 'clipboard not watched');
      return () => {};
    }
    return cb.watch((c) => {
      if (c.data.length <= this.maxBytes) onChange(c);
    });
  }

  async listSessions(): Promise<UserSession[]> {
    const found = await discoverSessions({
      preferred: this.o.display ?? this.env.DISPLAY,
      env: this.env,
      only: this.o.displays,
      ...(this.o.socketDir ? { socketDir: this.o.socketDir } : {}),
      ...(this.o.useLogind !== undefined ? { useLogind: this.o.useLogind } : {}),
    });
    // A display we were told about but cannot see a socket for (a remote one) is still listed,
    // unless the config limits the sessions offered and it is not among them.
    const allowed = (id: string) => !this.o.displays || this.o.displays.includes(id);
    if (this.home && !found.some((s) => s.id === this.home) && this.displays.has(this.home) && allowed(this.home)) {
      found.unshift({ id: this.home, display: this.home, user: '', kind: 'x11', active: true, supported: true });
    }
    this.known = new Map(found.map((s) => [s.id, s]));
    const active = found.find((s) => s.active && s.supported);
    if (!this.o.display && active) this.home = active.id;
    return found.map(({ id, user, kind, active: a, supported }) => ({ id, user, kind, active: a, supported }));
  }

  async listMonitors(userSessionId?: string): Promise<Monitor[]> {
    const id = userSessionId ?? this.home;
    if (!id) return [];
    try {
      return readMonitors(this.state(id).conn);
    } catch (err) {
      this.log.warn({ userSessionId: id, code: (err as X11Error).code }, 'monitors unavailable');
      return [];
    }
  }

  askConsent(req: ConsentRequest, signal: AbortSignal): Promise<'accept' | 'deny'> {
    let st: DisplayState;
    try {
      st = this.state(this.home ?? '');
    } catch (err) {
      // Nobody can be asked: the answer is no.
      this.log.warn({ code: (err as X11Error).code }, 'no display to ask consent on; denying');
      return Promise.resolve('deny');
    }
    return askConsentOnDisplay(st.conn, req, signal, () => st.lastInjectedClick);
  }

  /**
   * The banner goes on every display a session shows, naming the sessions that look at it, so the
   * user of a session switched to sees it too; the home display (where consent was asked) lists all.
   */
  showIndicator(active: ActiveSessionInfo[]): void {
    const byDisplay = new Map<string, ActiveSessionInfo[]>();
    const add = (id: string | undefined, a: ActiveSessionInfo) => {
      // Wayland sessions found through logind have no X display to draw on.
      if (!id || id.startsWith('wayland')) return;
      const list = byDisplay.get(id) ?? [];
      if (!list.includes(a)) list.push(a);
      byDisplay.set(id, list);
    };
    for (const a of active) {
      add(this.home, a);
      add(a.userSession, a);
    }
    // Displays nobody looks at any more lose their banner.
    for (const [id, st] of this.displays) if (!byDisplay.has(id)) st.indicator?.show([]);
    for (const [id, list] of byDisplay) {
      try {
        const st = this.state(id);
        st.indicator ??= new Indicator(st.conn);
        st.indicator.show(list);
      } catch (err) {
        this.log.warn({ userSession: id, code: (err as X11Error).code }, 'indicator not shown');
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const id of [...this.displays.keys()]) this.drop(id);
  }

  /**
   * A Wayland session (or its Xwayland display) cannot be shown: its root window holds X clients
   * only, so capture would be a black screen. Prompts may still use Xwayland; capture and input not.
   */
  private refuseWayland(userSessionId: string) {
    const info = this.known.get(userSessionId);
    const inWayland = !!this.env.WAYLAND_DISPLAY || this.env.XDG_SESSION_TYPE === 'wayland';
    const ownXwayland = !info && inWayland && normalizeDisplay(this.env.DISPLAY) === userSessionId;
    if ((info && !info.supported) || ownXwayland || userSessionId.startsWith('wayland')) {
      throw new X11Error(
        'wayland',
        `user session ${userSessionId} runs Wayland, which this agent cannot show yet (it needs xdg-desktop-portal screen casting); log in with an X11 session to use it`,
      );
    }
  }

  private clipboard(userSessionId: string): X11Clipboard {
    const st = this.state(userSessionId);
    st.clipboard ??= new X11Clipboard(st.conn, this.log.child({ module: 'clipboard' }), this.maxBytes);
    return st.clipboard;
  }

  /** The open connection of a user session's display, opened now if needed. */
  private state(userSessionId: string): DisplayState {
    if (this.closed) throw new X11Error('no_display', 'the X11 backend is closed');
    const existing = this.displays.get(userSessionId);
    if (existing?.conn.alive) return existing;
    if (existing) this.drop(userSessionId);
    const info = this.known.get(userSessionId);
    if (!userSessionId) throw new X11Error('no_session', 'no X display: set backend.display or DISPLAY');
    const conn = XConnection.open(info?.display ?? userSessionId, this.log, info?.xauthority ?? this.env.XAUTHORITY);
    try {
      if (!Xext().XShmQueryExtension(conn.dpy)) throw new X11Error('no_extension', `${conn.name} lacks MIT-SHM`);
      const st: DisplayState = {
        conn,
        cursor: new CursorTracker(conn),
        input: new XTestInput(conn),
        lastInjectedClick: 0,
      };
      conn.onDead = () => this.log.warn({ userSessionId }, 'X display went away');
      conn.addCleanup(() => {
        st.indicator?.close();
        st.clipboard?.close();
        st.input.close();
        st.cursor.close();
      });
      this.displays.set(userSessionId, st);
      return st;
    } catch (err) {
      conn.close();
      throw err;
    }
  }

  private drop(userSessionId: string) {
    const st = this.displays.get(userSessionId);
    if (!st) return;
    this.displays.delete(userSessionId);
    st.conn.close();
  }
}
