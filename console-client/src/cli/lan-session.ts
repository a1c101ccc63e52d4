// A LAN session driven from the terminal (screenshot, clipboard, user sessions): the same
// admission and ports as the bridge, with rc-console itself as the console.
import type { DeviceSummary, Frame, FrameOf, SessionMode, UserSession } from '@rc-relay/protocol';
import { type AgentConn, admit, bind, LanError } from '../bridge/agent-link';
import { CliError, fromFrameError } from './errors';
import type { Progress } from './progress';
import type { RelayApi } from './relay-api';
import { ScreenImage } from './screen-image';

const ANSWER_MS = 10_000;

export class LanConsoleSession {
  /** The picture size the agent last announced (it sends `screen.info` right after the bind). */
  private info: FrameOf<'screen.info'> | undefined;

  private constructor(
    readonly sessionId: string,
    private readonly sessionsConn: AgentConn,
    private readonly screen: AgentConn,
  ) {
    screen.on('frame', (f) => {
      if (f.type === 'screen.info') this.info = f;
      // Every frame is acknowledged at once: nothing here paints, so the stream never stalls.
      else if (f.type === 'frame.end') screen.send({ type: 'ack', seq: f.seq, credits: 2 });
    });
  }

  /**
   * Opens a LAN session. With `userSession`, the switch happens before the screen is bound, so the
   * very first picture is of that desktop (after a switch on a running stream, frames of the old
   * desktop may still be on their way and cannot be told from the new ones).
   */
  static async open(
    api: RelayApi,
    device: DeviceSummary,
    mode: SessionMode,
    progress: Progress,
    consentMs: number,
    userSession?: string,
  ): Promise<LanConsoleSession> {
    progress(`asking the relay for a LAN ${mode} ticket for ${device.hostname}`);
    const t = await api.lanSession(device.id, mode);
    progress(`connecting to ${t.lan.addresses.join(', ')} (waiting for the device user's consent if asked)`);
    let sessions: AgentConn | undefined;
    try {
      const a = await admit(t.lan, consentMs);
      sessions = await bind(t.lan, a, 'sessions');
      if (userSession) {
        progress(`switching to user session ${userSession}`);
        sessions.send({ type: 'session.switch', id: userSession });
        await sessions.next((f): f is FrameOf<'sessions'> => f.type === 'sessions', ANSWER_MS, 'session switch');
      }
      const s = new LanConsoleSession(a.sessionId, sessions, await bind(t.lan, a, 'screen'));
      progress(`session ${a.sessionId} open (${a.mode})`);
      return s;
    } catch (err) {
      sessions?.close();
      throw toCliError(err);
    }
  }

  async clipboardGet(): Promise<FrameOf<'clipboard'>> {
    this.screen.send({ type: 'clipboard.get' });
    return this.answer(this.screen, (f): f is FrameOf<'clipboard'> => f.type === 'clipboard', 'clipboard');
  }

  /** Writes the device's clipboard, then reads it back so success means the device really has it. */
  async clipboardSet(data: Buffer): Promise<void> {
    this.screen.send({ type: 'clipboard', mime: 'text/plain', data });
    const back = await this.clipboardGet();
    if (!back.data.equals(data)) throw new CliError('remote', 'the device clipboard did not take the text');
  }

  async userSessions(): Promise<UserSession[]> {
    this.sessionsConn.send({ type: 'sessions.get' });
    const r = await this.answer(this.sessionsConn, (f): f is FrameOf<'sessions'> => f.type === 'sessions', 'sessions');
    return r.sessions;
  }

  /** A full picture of the desktop at high quality, as PNG. */
  screenshot(timeoutMs = 20_000): Promise<{ png: Buffer; width: number; height: number }> {
    const img = new ScreenImage();
    if (this.info) img.resize(this.info.width, this.info.height);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => finish(new CliError('timeout', 'no full picture from the agent in time')),
        timeoutMs,
      );
      const offFrame = this.screen.on('frame', (f) => {
        if (f.type === 'screen.info') img.resize(f.width, f.height);
        else if (f.type === 'tile' && img.width > 0) img.paint(f);
        else if (f.type === 'frame.end') {
          img.complete().then(
            async (done) => {
              if (done) finish(undefined, { png: await img.png(), width: img.width, height: img.height });
            },
            (err) => finish(new CliError('remote', `the agent sent a tile that does not decode: ${err.message}`)),
          );
        } else if (f.type === 'error') finish(fromFrameError(f.code, f.message));
      });
      const offClosed = this.screen.on('closed', () => finish(new CliError('remote', 'the agent ended the session')));
      let finished = false;
      const finish = (err?: Error, v?: { png: Buffer; width: number; height: number }) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        offFrame();
        offClosed();
        if (err) reject(err);
        else resolve(v!);
      };
      // The first picture came at the viewing quality: ask for a sharp, whole one and count from here.
      this.screen.send({ type: 'settings', quality: 90, fps: 15 });
      this.screen.send({ type: 'refresh' });
    });
  }

  private async answer<T extends Frame>(conn: AgentConn, pred: (f: Frame) => f is T, what: string): Promise<T> {
    try {
      return await conn.next(pred, ANSWER_MS, what);
    } catch (err) {
      throw toCliError(err);
    }
  }

  close(): void {
    this.screen.close();
    this.sessionsConn.close();
  }
}

export function toCliError(err: unknown): Error {
  if (!(err instanceof LanError)) return err as Error;
  if (err.code === 'tls_pin') return new CliError('tls_pin', err.message);
  if (err.code === 'unreachable') return new CliError(err.timedOut ? 'timeout' : 'unreachable', err.message);
  return fromFrameError(err.code, err.message);
}
