// One remote session as the agent sees it, and the rules that apply to what its console sends:
// view-only is enforced here, for every transport, not in the console's UI.
import type {
  Frame,
  FrameErrorCode,
  FrameOf,
  SessionMode,
  SessionTransport as TransportName,
} from '@rc-relay/protocol';
import { MAX_CLIPBOARD_BYTES } from '@rc-relay/protocol';
import type { DesktopBackend } from '../backend/types';
import type { Logger } from '../log';
import type { SessionTransport } from '../transports/types';

export interface SessionInfo {
  id: string;
  mode: SessionMode;
  transport: TransportName;
  operator: string;
  /** The user session (display) this session views and controls. */
  userSession: string;
}

export type Reply = (f: Frame) => void;

export class AgentSession {
  readonly startedAt = Date.now();
  /** Input, clipboard writes and clipboard reads refused because the session is view-only. */
  refused = 0;
  transport: SessionTransport | undefined;
  ended = false;
  /** The monitor shown ('' = all) and where its picture starts on the desktop, for pointer input. */
  monitor = '';
  origin = { x: 0, y: 0 };
  /** Pointer buttons held at the last pointer frame: a change is a click worth an early grab. */
  buttons = 0;
  private clipboardPush: Reply | undefined;
  private clipboardOff: (() => void) | undefined;

  constructor(
    readonly info: SessionInfo,
    private readonly backend: DesktopBackend,
    readonly log: Logger,
    /** Called after input that likely repaints (clicks, wheel, key presses): the capture hub grabs sooner. */
    readonly inputHint: (userSession: string) => void = () => {},
    /** Called after a switch to another user session: its user must now see the indicator. */
    readonly switched: () => void = () => {},
  ) {}

  get id() {
    return this.info.id;
  }

  /**
   * Applies a console frame that acts on the desktop (input, clipboard, user sessions). Returns false
   * for frames that are the transport's own business (screen flow control), which it handles itself.
   */
  async handle(f: Frame, reply: Reply): Promise<boolean> {
    const h = desktopHandlers[f.type as DesktopFrameType] as DesktopHandler<Frame> | undefined;
    if (!h) return false;
    await h(this, f, reply);
    return true;
  }

  /** Answers and counts a write refused in a view-only session; true when refused. */
  refuseInView(what: string, reply: Reply): boolean {
    if (this.info.mode !== 'view') return false;
    this.refused++;
    // Counted and logged (without the content), and answered, so a console bug is visible.
    if (this.refused === 1 || this.refused % 100 === 0)
      this.log.warn({ what, refused: this.refused }, 'view-only: refused');
    reply({ type: 'error', code: 'view_only', message: `${what} refused: this session is view-only` });
    return true;
  }

  get desktop() {
    return this.backend;
  }

  /**
   * Sends the device's clipboard to the console whenever the device user copies, in control
   * sessions only: a view-only operator sees the screen, not the clipboard.
   */
  followClipboard(push: Reply): void {
    this.clipboardPush = push;
    this.watchClipboard();
  }

  /** Re-aims the clipboard watch after a user-session switch; released when the session ends. */
  watchClipboard(): void {
    this.clipboardOff?.();
    this.clipboardOff = undefined;
    const push = this.clipboardPush;
    if (!push || this.ended || this.info.mode !== 'control') return;
    this.clipboardOff = this.backend.watchClipboard(this.info.userSession, (c) => {
      if (c.data.length > MAX_CLIPBOARD_BYTES) {
        this.log.warn({ mime: c.mime, bytes: c.data.length }, 'device clipboard too large to send');
        return;
      }
      push({ type: 'clipboard', mime: c.mime, data: c.data });
    });
  }

  /** The `monitors` frame for this session's user session and selection. */
  async monitorsFrame(): Promise<Frame> {
    const monitors = await this.backend.listMonitors(this.info.userSession);
    return { type: 'monitors', monitors, selected: this.monitor };
  }

  dispose(): void {
    this.ended = true;
    this.clipboardOff?.();
    this.clipboardOff = undefined;
  }
}

type DesktopFrameType =
  | 'pointer'
  | 'key'
  | 'clipboard'
  | 'clipboard.get'
  | 'sessions.get'
  | 'session.switch'
  | 'monitor.select';
type DesktopHandler<F> = (s: AgentSession, f: F, reply: Reply) => Promise<void> | void;

const error = (reply: Reply, code: FrameErrorCode, message: string) => reply({ type: 'error', code, message });

const desktopHandlers: { [K in DesktopFrameType]: DesktopHandler<FrameOf<K>> } = {
  pointer: (s, f, reply) => {
    if (s.refuseInView('pointer', reply)) return;
    // The console points into the picture it shows: a selected monitor starts at its origin.
    s.desktop.injectInput(s.info.userSession, { ...f, x: f.x + s.origin.x, y: f.y + s.origin.y });
    if (f.buttons !== s.buttons || f.wheelX || f.wheelY) {
      s.log.debug({ buttons: f.buttons }, 'click injected');
      s.inputHint(s.info.userSession);
    }
    s.buttons = f.buttons;
  },
  key: (s, f, reply) => {
    if (s.refuseInView('key', reply)) return;
    s.desktop.injectInput(s.info.userSession, f);
    if (f.down) s.inputHint(s.info.userSession);
  },
  clipboard: async (s, f, reply) => {
    if (s.refuseInView('clipboard', reply)) return;
    if (f.data.length > MAX_CLIPBOARD_BYTES) return error(reply, 'too_large', 'clipboard too large');
    await s.desktop.writeClipboard(s.info.userSession, { mime: f.mime, data: f.data });
    s.log.debug({ mime: f.mime, bytes: f.data.length }, 'clipboard written');
  },
  'clipboard.get': async (s, _f, reply) => {
    if (s.refuseInView('clipboard read', reply)) return;
    const c = await s.desktop.readClipboard(s.info.userSession);
    if (c && c.data.length > MAX_CLIPBOARD_BYTES) return error(reply, 'too_large', 'clipboard too large');
    reply({ type: 'clipboard', mime: c?.mime ?? 'text/plain', data: c?.data ?? Buffer.alloc(0) });
  },
  'sessions.get': async (s, _f, reply) => {
    reply({ type: 'sessions', sessions: await s.desktop.listSessions() });
  },
  'session.switch': async (s, f, reply) => {
    const all = await s.desktop.listSessions();
    const target = all.find((u) => u.id === f.id);
    if (!target) return error(reply, 'not_found', `no user session ${f.id.slice(0, 64)}`);
    if (!target.supported) return error(reply, 'unsupported', 'that session cannot be captured');
    s.info.userSession = f.id;
    // Monitors belong to a display: the new one is shown whole.
    s.monitor = '';
    s.origin = { x: 0, y: 0 };
    s.transport?.switchUserSession(f.id);
    s.watchClipboard();
    s.switched();
    s.log.info({ userSession: f.id }, 'switched user session');
    reply({ type: 'sessions', sessions: all });
  },
  // Viewing a monitor is not input: view-only sessions may pick one too.
  'monitor.select': async (s, f, reply) => {
    let origin = { x: 0, y: 0 };
    if (f.id !== '') {
      const m = (await s.desktop.listMonitors(s.info.userSession)).find((e) => e.id === f.id);
      if (!m) return error(reply, 'not_found', `no monitor ${f.id.slice(0, 64)}`);
      origin = { x: m.x, y: m.y };
    }
    s.monitor = f.id;
    s.origin = origin;
    // The transport restarts the picture and sends the new `monitors` (after `screen.info` on LAN).
    s.transport?.selectMonitor(f.id);
    s.log.info({ monitor: f.id }, 'selected monitor');
  },
};
