// An internet-mode session driven from the terminal (screenshot, clipboard): the relay's
// signalling WebSocket, consent on the device, then WebRTC through wrtc: rc-console offers the
// `input`, `clipboard` and `control` data channels and a recvonly video transceiver, as the browser
// console does; the screen arrives as the agent's video track.
import { randomBytes } from 'node:crypto';
import {
  decodeFrame,
  decodeServerToConsole,
  encodeFrame,
  type Frame,
  type FrameOf,
  type SessionMode,
  type SignalPayload,
  WS_SUBPROTOCOL,
} from '@rc-relay/protocol';
import sharp from 'sharp';
import WebSocket from 'ws';
import type { ConsoleConfig } from './config';
import { CliError, fromFrameError } from './errors';
import type { Progress } from './progress';
import type { RelayApi } from './relay-api';
import { relayTlsOptions } from './relay-tls';
import { type DataChannel, type I420Frame, i420ToRgb, type PeerConnection, wrtc } from './wrtc';

const CONNECT_MS = 20_000;
const ANSWER_MS = 10_000;
type ChannelName = 'input' | 'clipboard' | 'control';

export class InternetConsoleSession {
  private readonly frames: { channel: ChannelName; frame: Frame }[] = [];
  private latest: { frame: I420Frame; at: number } | undefined;
  private firstFrameAt = 0;
  private sink: { stop(): void } | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly ws: WebSocket,
    private readonly pc: PeerConnection,
    private readonly channels: Record<ChannelName, DataChannel>,
    readonly sessionId: string,
  ) {}

  static async open(
    api: RelayApi,
    cfg: ConsoleConfig,
    deviceId: string,
    mode: SessionMode,
    progress: Progress,
    consentMs: number,
  ): Promise<InternetConsoleSession> {
    progress(`asking the relay for an internet ${mode} session`);
    const { sessionId, iceServers } = await api.internetSession(deviceId, mode);
    const ws = await openSignalling(cfg);
    const send = (m: Record<string, unknown>) => ws.send(JSON.stringify({ ...m, id: randomBytes(6).toString('hex') }));
    try {
      send({ type: 'session.attach', sessionId });
      progress('waiting for the device to accept (its user may be asked)');
      await sessionAccepted(ws, sessionId, consentMs);
    } catch (err) {
      ws.close();
      throw err;
    }
    const w = wrtc();
    const pc = new w.RTCPeerConnection({ iceServers: iceServers ?? [] });
    const mk = (label: ChannelName) => {
      const ch = pc.createDataChannel(label);
      ch.binaryType = 'arraybuffer';
      return ch;
    };
    const s = new InternetConsoleSession(
      ws,
      pc,
      { input: mk('input'), clipboard: mk('clipboard'), control: mk('control') },
      sessionId,
    );
    for (const [name, ch] of Object.entries(s.channels) as [ChannelName, DataChannel][]) {
      ch.onmessage = (ev) => {
        if (typeof ev.data === 'string') return;
        const r = decodeFrame(Buffer.from(ev.data));
        if (r.ok) s.frames.push({ channel: name, frame: r.frame });
      };
    }
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.ontrack = (ev) => {
      const sink = new w.nonstandard.RTCVideoSink(ev.track);
      s.sink = sink;
      sink.onframe = ({ frame }) => {
        s.firstFrameAt ||= Date.now();
        s.latest = { frame, at: Date.now() };
      };
    };
    pc.onicecandidate = (ev) => {
      if (!ev.candidate) return;
      const { candidate, sdpMid, sdpMLineIndex } = ev.candidate;
      send({ type: 'signal', sessionId, payload: { kind: 'candidate', candidate, sdpMid, sdpMLineIndex } });
    };
    ws.on('message', (data: Buffer) => {
      const r = decodeServerToConsole(data);
      if (!r.ok || r.msg.type !== 'signal' || r.msg.sessionId !== sessionId) return;
      const payload = r.msg.payload;
      s.chain = s.chain.then(() => s.apply(payload, send)).catch(() => {});
    });
    try {
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      send({ type: 'signal', sessionId, payload: { kind: 'offer', sdp: offer.sdp } });
      progress('connecting WebRTC');
      await s.channelsOpen();
      progress(`session ${sessionId} open (${mode})`);
      return s;
    } catch (err) {
      s.close();
      throw err;
    }
  }

  private async apply(p: SignalPayload, send: (m: Record<string, unknown>) => void) {
    if (this.closed) return;
    if (p.kind === 'answer') await this.pc.setRemoteDescription({ type: 'answer', sdp: p.sdp });
    else if (p.kind === 'candidate')
      await this.pc.addIceCandidate({
        candidate: p.candidate,
        sdpMid: p.sdpMid ?? null,
        sdpMLineIndex: p.sdpMLineIndex ?? null,
      });
    else if (p.kind === 'offer') {
      // The agent restarts ICE with a new offer after a network change.
      await this.pc.setRemoteDescription({ type: 'offer', sdp: p.sdp });
      const answer = await this.pc.createAnswer();
      await this.pc.setLocalDescription(answer);
      send({ type: 'signal', sessionId: this.sessionId, payload: { kind: 'answer', sdp: answer.sdp } });
    }
  }

  private async channelsOpen() {
    await until(
      () => Object.values(this.channels).every((c) => c.readyState === 'open'),
      CONNECT_MS,
      'no WebRTC connection to the device (no direct path and no working TURN?)',
    );
  }

  private async next<K extends Frame['type']>(channel: ChannelName, type: K): Promise<FrameOf<K>> {
    let found: FrameOf<K> | undefined;
    await until(
      () => {
        const i = this.frames.findIndex(
          (f) => f.channel === channel && (f.frame.type === type || f.frame.type === 'error'),
        );
        if (i < 0) return false;
        const f = this.frames.splice(i, 1)[0]!.frame;
        if (f.type === 'error') throw fromFrameError(f.code, f.message);
        found = f as FrameOf<K>;
        return true;
      },
      ANSWER_MS,
      `no ${type} from the device`,
    );
    return found!;
  }

  async clipboardGet(): Promise<FrameOf<'clipboard'>> {
    this.channels.clipboard.send(encodeFrame({ type: 'clipboard.get' }));
    return this.next('clipboard', 'clipboard');
  }

  async clipboardSet(data: Buffer): Promise<void> {
    this.channels.clipboard.send(encodeFrame({ type: 'clipboard', mime: 'text/plain', data }));
    const back = await this.clipboardGet();
    if (!back.data.equals(data)) throw new CliError('remote', 'the device clipboard did not take the text');
  }

  /** A frame of the video once the encoder has had ~1.5 s to reach full quality on a still screen. */
  async screenshot(): Promise<{ png: Buffer; width: number; height: number }> {
    await until(() => this.firstFrameAt > 0, CONNECT_MS, 'no video from the device');
    await until(
      () => (this.latest?.at ?? 0) > this.firstFrameAt + 1500,
      CONNECT_MS,
      'the video stopped before a sharp frame arrived',
    );
    const f = this.latest!.frame;
    const png = await sharp(i420ToRgb(f), { raw: { width: f.width, height: f.height, channels: 3 } })
      .png()
      .toBuffer();
    return { png, width: f.width, height: f.height };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sink?.stop();
    this.pc.close();
    if (this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify({ type: 'session.end', id: 'end', sessionId: this.sessionId }));
      this.ws.close(1000);
    }
  }
}

function openSignalling(cfg: ConsoleConfig): Promise<WebSocket> {
  const url = `${cfg.server.replace(/^https:/, 'wss:')}/ws/console`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, [WS_SUBPROTOCOL], {
      headers: { authorization: `Bearer ${cfg.token}` },
      ...relayTlsOptions(cfg),
      handshakeTimeout: 10_000,
    });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      ws.terminate();
      reject(
        res.statusCode === 401
          ? new CliError('auth', 'the login expired or is not valid; run `rc-console login` again')
          : new CliError('remote', `the relay refused the signalling socket (${res.statusCode})`),
      );
    });
    ws.once('error', (err) => reject(new CliError('unreachable', `signalling socket: ${err.message}`)));
  });
}

function sessionAccepted(ws: WebSocket, sessionId: string, consentMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new CliError('timeout', 'the device did not answer in time')), consentMs);
    const onMessage = (data: Buffer) => {
      const r = decodeServerToConsole(data);
      if (!r.ok) return;
      const m = r.msg;
      if (m.type === 'error') return done(new CliError('remote', `the relay answered ${m.code}: ${m.message}`));
      if (m.type !== 'session.state' || m.sessionId !== sessionId) return;
      if (m.state === 'accepted') done();
      else if (m.state === 'denied')
        done(new CliError('denied', `the device refused the session (${m.reason ?? 'no reason'})`));
      else if (m.state === 'timeout') done(new CliError('timeout', 'the device user did not answer in time'));
      else if (m.state === 'ended') done(new CliError('remote', `the session ended (${m.reason ?? 'no reason'})`));
    };
    const onClose = () => done(new CliError('unreachable', 'the relay closed the signalling socket'));
    ws.on('message', onMessage);
    ws.on('close', onClose);
    function done(err?: Error) {
      clearTimeout(timer);
      ws.off('message', onMessage);
      ws.off('close', onClose);
      if (err) reject(err);
      else resolve();
    }
  });
}

async function until(cond: () => boolean, ms: number, failure: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new CliError('timeout', failure);
    await new Promise((r) => setTimeout(r, 20));
  }
}
