// A LAN session's transport: the screen connection (42187) with its tile stream, input and
// clipboard, and the user-session connection (42188), both bound to the session key.
import type { Frame, FrameType } from '@rc-relay/protocol';
import { DeflateEncoder } from '../../encoders/deflate';
import { createJpegEncoder } from '../../encoders/jpeg';
import type { TileEncoder } from '../../encoders/types';
import type { Logger } from '../../log';
import type { CaptureHub } from '../../screen/capture-hub';
import { TileStreamer } from '../../screen/tile-streamer';
import type { AgentSession } from '../../service/session';
import { Emitter } from '../../util/emitter';
import type { SessionTransport, TransportEvents, TransportStats } from '../types';
import type { FramedSocket } from './framed-socket';

type ScreenHandlers = Partial<{ [K in FrameType]: (t: LanTransport, f: Extract<Frame, { type: K }>) => void }>;

/** Screen flow control on 42187; everything else goes to the session's desktop rules. */
const screenHandlers: ScreenHandlers = {
  ack: (t, f) => t.streamer?.ack(f.seq, f.credits),
  settings: (t, f) => {
    t.streamer?.settings(f.quality, f.fps);
    t.log.info({ quality: f.quality, fps: f.fps }, 'stream settings');
  },
  refresh: (t) => t.streamer?.refresh(),
};

/** Frames the user-session port accepts. */
const SESSION_PORT_FRAMES = new Set<FrameType>(['sessions.get', 'session.switch']);
/** Frames the screen port accepts besides flow control. */
const SCREEN_PORT_FRAMES = new Set<FrameType>(['pointer', 'key', 'clipboard', 'clipboard.get', 'monitor.select']);

export class LanTransport extends Emitter<TransportEvents> implements SessionTransport {
  readonly kind = 'lan' as const;
  streamer: TileStreamer | undefined;
  private screen: FramedSocket | undefined;
  private sessionsConn: FramedSocket | undefined;
  private closed = false;
  /** Desktop actions run one after another, so input keeps its order. */
  private queue: Promise<unknown> = Promise.resolve();
  readonly log: Logger;

  constructor(
    readonly session: AgentSession,
    private readonly capture: CaptureHub,
    private readonly encoders: { lossy: TileEncoder; lossless: TileEncoder } = {
      lossy: createJpegEncoder(),
      lossless: new DeflateEncoder(),
    },
  ) {
    super((err, event) => session.log.error({ err, event }, 'transport listener failed'));
    this.log = session.log;
  }

  get isClosed() {
    return this.closed;
  }

  get hasScreen() {
    return this.screen !== undefined;
  }

  get hasSessions() {
    return this.sessionsConn !== undefined;
  }

  attachScreen(conn: FramedSocket): void {
    this.screen = conn;
    this.streamer = new TileStreamer({
      capture: this.capture,
      userSession: this.session.info.userSession,
      sink: conn,
      log: this.log,
      ...this.encoders,
      onScreenInfo: () => this.sendMonitors(),
    });
    conn.on('frame', (f) => {
      const h = screenHandlers[f.type] as ((t: LanTransport, f: Frame) => void) | undefined;
      if (h) return h(this, f);
      if (!SCREEN_PORT_FRAMES.has(f.type)) return conn.send(unexpected(f.type, 'the screen port'));
      this.desktop(f, conn);
    });
    conn.on('closed', () => this.close('console closed the screen connection'));
    try {
      this.streamer.start();
    } catch (err) {
      this.log.error({ err, userSession: this.session.info.userSession }, 'cannot capture this desktop');
      // The backend's message says why (a Wayland session, a display gone), never a black screen.
      const why = err instanceof Error ? err.message.slice(0, 300) : 'unknown';
      conn.close({ type: 'error', code: 'unsupported', message: `the desktop cannot be captured: ${why}` });
      this.close('capture failed');
      return;
    }
    this.session.followClipboard((f) => conn.send(f));
    this.emit('connected');
  }

  attachSessions(conn: FramedSocket): void {
    this.sessionsConn = conn;
    conn.on('frame', (f) => {
      if (!SESSION_PORT_FRAMES.has(f.type)) return conn.send(unexpected(f.type, 'the user-session port'));
      this.desktop(f, conn);
    });
    conn.on('closed', () => {
      if (this.sessionsConn === conn) this.sessionsConn = undefined;
    });
  }

  switchUserSession(id: string): void {
    this.streamer?.switchSource(id);
  }

  selectMonitor(id: string): void {
    this.streamer?.switchSource(this.session.info.userSession, id);
  }

  private sendMonitors() {
    this.session
      .monitorsFrame()
      .then((f) => {
        if (!this.closed) this.screen?.send(f);
      })
      .catch((err) => this.log.warn({ err }, 'monitors not sent'));
  }

  stats(): TransportStats {
    return {
      bytesSent: (this.screen?.bytesOut ?? 0) + (this.sessionsConn?.bytesOut ?? 0),
      bytesReceived: (this.screen?.bytesIn ?? 0) + (this.sessionsConn?.bytesIn ?? 0),
      framesSent: this.streamer?.stats.framesSent ?? 0,
      framesDropped: this.streamer?.stats.framesDropped ?? 0,
    };
  }

  close(reason = 'closed'): void {
    if (this.closed) return;
    this.closed = true;
    this.streamer?.close();
    this.screen?.close();
    this.sessionsConn?.close();
    this.emit('closed', reason);
    this.removeAllListeners();
  }

  private desktop(f: Frame, conn: FramedSocket) {
    this.queue = this.queue
      .then(() => this.session.handle(f, (r) => conn.send(r)))
      .catch((err) => {
        this.log.error({ err, type: f.type }, 'desktop action failed');
        conn.send({ type: 'error', code: 'internal', message: 'the action failed on the agent' });
      });
  }
}

function unexpected(type: string, where: string): Frame {
  return { type: 'error', code: 'unexpected', message: `${type} is not accepted on ${where}` };
}
