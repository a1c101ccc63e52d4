// Moves frames between the browser's WebSocket and the agent's two LAN connections (contract 4):
// one WS binary message = one frame with its length prefix, both ways; `sessions.get` and
// `session.switch` go to 42188, everything else to 42187. Neither side can make the bridge buffer
// without bound: a slow browser pauses reading from the agent (screen frames are additionally
// held back by the agent's own credit flow control), a slow agent pauses reading from the browser.
import { decodeFrame, encodeFrame, type Frame, type FrameType } from '@rc-relay/protocol';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { AgentConn } from './agent-link';
import type { HeldFrame } from './early';

const SESSIONS_PORT_FRAMES = new Set<FrameType>(['sessions.get', 'session.switch']);
/** Pause the agent side once this much waits for the browser; resume below LOW. */
const WS_HIGH_WATER = 4 << 20;
const WS_LOW_WATER = 1 << 20;

export interface RouterStats {
  toAgent: number;
  toBrowser: number;
  badFromBrowser: number;
  badFromAgent: number;
  /** Times the agent side was paused because the browser was slow. */
  pauses: number;
  /** Most bytes ever queued towards the browser. */
  maxBuffered: number;
}

export class FrameRouter {
  readonly stats: RouterStats = {
    toAgent: 0,
    toBrowser: 0,
    badFromBrowser: 0,
    badFromAgent: 0,
    pauses: 0,
    maxBuffered: 0,
  };
  private agentPaused = false;
  private closed = false;
  private lastAgentError: string | undefined;
  private readonly offs: (() => void)[] = [];

  constructor(
    private readonly ws: WebSocket,
    private readonly screen: AgentConn,
    private readonly sessions: AgentConn,
    private readonly log: Logger,
    private readonly onEnd: (reason: string) => void,
  ) {}

  /** `held`: what the agent sent before the page arrived; it goes out first, in order. */
  start(held: HeldFrame[] = []): void {
    for (const { frame, raw } of held) this.fromAgent(frame, raw);
    for (const conn of [this.screen, this.sessions]) {
      this.offs.push(
        conn.on('frame', (f, raw) => this.fromAgent(f, raw)),
        conn.on('bad', (message) => {
          this.stats.badFromAgent++;
          this.log.warn({ message }, 'undecodable frame from the agent dropped');
        }),
        conn.on('closed', () => this.end(this.agentClosedReason())),
      );
      conn.socket.on('drain', () => this.maybeResumeBrowser());
    }
    this.ws.on('message', (data, isBinary) => this.fromBrowser(data as Buffer, isBinary));
    this.ws.on('close', (code, reason) => this.end(`the browser closed (${code}${reason.length ? ` ${reason}` : ''})`));
    // The agent may have ended the session while the page was loading.
    if (this.screen.isClosed || this.sessions.isClosed) this.end(this.agentClosedReason());
  }

  private agentClosedReason() {
    return this.lastAgentError ? `the agent ended the session: ${this.lastAgentError}` : 'the agent closed the session';
  }

  private fromAgent(f: Frame, raw: Buffer) {
    if (this.closed) return;
    // Kept for the reason shown when the agent closes right after it (ticket expired, capture failed…).
    if (f.type === 'error') this.lastAgentError = `${f.code}: ${f.message}`;
    this.stats.toBrowser++;
    this.ws.send(raw, { binary: true }, () => this.maybeResumeAgent());
    this.stats.maxBuffered = Math.max(this.stats.maxBuffered, this.ws.bufferedAmount);
    if (!this.agentPaused && this.ws.bufferedAmount > WS_HIGH_WATER) {
      this.agentPaused = true;
      this.stats.pauses++;
      this.screen.socket.pause();
      this.sessions.socket.pause();
      this.log.debug({ buffered: this.ws.bufferedAmount }, 'browser is slow: agent paused');
    }
  }

  private maybeResumeAgent() {
    if (!this.agentPaused || this.closed || this.ws.bufferedAmount > WS_LOW_WATER) return;
    this.agentPaused = false;
    this.screen.socket.resume();
    this.sessions.socket.resume();
  }

  private fromBrowser(data: Buffer, isBinary: boolean) {
    if (this.closed) return;
    if (!isBinary) return this.refuse('text messages are not frames; send each frame as one binary message');
    const r = decodeFrame(data);
    if (!r.ok) return this.refuse(r.message);
    const conn = SESSIONS_PORT_FRAMES.has(r.frame.type) ? this.sessions : this.screen;
    this.stats.toAgent++;
    if (!conn.send(data)) this.ws.pause();
  }

  private maybeResumeBrowser() {
    if (this.closed) return;
    if (this.screen.socket.writableNeedDrain || this.sessions.socket.writableNeedDrain) return;
    this.ws.resume();
  }

  /** A malformed frame from the browser is answered with an `error` frame; the session goes on. */
  private refuse(message: string) {
    this.stats.badFromBrowser++;
    this.log.warn({ message }, 'bad frame from the browser');
    this.ws.send(encodeFrame({ type: 'error', code: 'bad_frame', message: message.slice(0, 500) }), { binary: true });
  }

  /** Tears both sides down once; idempotent. */
  end(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.offs) off();
    this.screen.close();
    this.sessions.close();
    if (this.ws.readyState === this.ws.OPEN) {
      this.ws.send(JSON.stringify({ type: 'bridge.closed', reason }));
      this.ws.close(1000, 'session ended');
    }
    this.log.info({ reason, ...this.stats }, 'bridge session ended');
    this.onEnd(reason);
  }
}
