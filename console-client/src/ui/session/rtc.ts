// Internet mode: one RTCPeerConnection per session. The console offers (data channels `input`,
// `clipboard`, `control` and a recvonly video transceiver, protocol/src/frames.ts); the agent answers
// with its screen track. The offer and ICE gathering start while the device user is still asked, and
// go out the moment the relay says `accepted`, which takes the gathering off the connect time.
import { decodeFrame, encodeFrame, type Frame, type SignalPayload } from '@rc-relay/protocol';
import type { ConsoleSocket } from '../signalling';
import { RtcStatsReader } from './path-stats';
import { type Channel, Events, type LinkStats, type RemoteTransport, type TransportEvents } from './transport';

export type Route = 'auto' | 'relay' | 'relay-tcp';

/** ICE servers and policy for the operator's route choice (e.g. a network that only lets TCP out). */
export function iceConfig(servers: RTCIceServer[], route: Route): RTCConfiguration {
  if (route === 'auto') return { iceServers: servers };
  const keep = (u: string) => u.startsWith('turn') && (route === 'relay' || /[?&]transport=tcp\b/.test(u));
  const iceServers = servers
    .map((s) => ({ ...s, urls: (Array.isArray(s.urls) ? s.urls : [s.urls]).filter(keep) }))
    .filter((s) => s.urls.length > 0);
  return { iceServers, iceTransportPolicy: 'relay' };
}

export class RtcTransport implements RemoteTransport {
  readonly kind = 'webrtc' as const;
  readonly surface: HTMLVideoElement;
  private readonly pc: RTCPeerConnection;
  private readonly channels: Record<Channel, RTCDataChannel>;
  private readonly events = new Events();
  private readonly statsReader = new RtcStatsReader();
  private readonly pendingCandidates: SignalPayload[] = [];
  private offer: Promise<void>;
  private accepted = false;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private offSocket: () => void;
  private failTimer: number | undefined;
  private readonly cleanups: (() => void)[] = [];

  constructor(
    private readonly socket: ConsoleSocket,
    readonly sessionId: string,
    config: RTCConfiguration,
  ) {
    this.surface = document.createElement('video');
    this.surface.muted = true;
    this.surface.autoplay = true;
    this.surface.playsInline = true;
    this.pc = new RTCPeerConnection(config);
    const mk = (label: Channel) => {
      const ch = this.pc.createDataChannel(label, { ordered: true });
      ch.binaryType = 'arraybuffer';
      ch.onmessage = (ev) => {
        if (!(ev.data instanceof ArrayBuffer)) return;
        const r = decodeFrame(Buffer.from(ev.data));
        if (r.ok) this.events.emit('frame', r.frame);
        else console.warn(`agent sent a bad frame on ${label}: ${r.message}`);
      };
      return ch;
    };
    this.channels = { input: mk('input'), clipboard: mk('clipboard'), control: mk('control') };
    this.channels.control.onopen = () => this.events.emit('open');
    this.pc.addTransceiver('video', { direction: 'recvonly' });
    this.pc.ontrack = (ev) => {
      performance.mark('rc:track');
      // Remote control wants the newest frame now, not smooth playback: no extra jitter buffer.
      if ('jitterBufferTarget' in ev.receiver) ev.receiver.jitterBufferTarget = 0;
      this.surface.srcObject = ev.streams[0] ?? new MediaStream([ev.track]);
      this.watchFrames();
    };
    this.pc.onicecandidate = (ev) => {
      const payload: SignalPayload = ev.candidate
        ? {
            kind: 'candidate',
            candidate: ev.candidate.candidate,
            sdpMid: ev.candidate.sdpMid,
            sdpMLineIndex: ev.candidate.sdpMLineIndex,
          }
        : { kind: 'end-of-candidates' };
      if (this.accepted) this.signal(payload);
      else this.pendingCandidates.push(payload);
    };
    this.pc.oniceconnectionstatechange = () => this.onIceState();
    this.pc.onconnectionstatechange = () => {
      if (this.pc.connectionState === 'connected') performance.mark('rc:dtls-connected');
    };
    this.offSocket = socket.on((m) => {
      if (m.type === 'signal' && m.sessionId === sessionId) {
        const p = m.payload;
        this.chain = this.chain.then(() => this.apply(p)).catch((err) => console.warn('signal not applied', err));
      }
    });
    this.offer = this.pc.createOffer().then((o) => this.pc.setLocalDescription(o));
  }

  on<K extends keyof TransportEvents>(event: K, fn: TransportEvents[K]): void {
    this.events.on(event, fn);
  }

  /** The relay said the device accepted: send the offer and the candidates gathered meanwhile. */
  async start(): Promise<void> {
    await this.offer;
    if (this.closed) return;
    this.accepted = true;
    const sdp = this.pc.localDescription?.sdp ?? '';
    this.signal({ kind: 'offer', sdp });
    performance.mark('rc:offer-sent');
    for (const c of this.pendingCandidates.splice(0)) this.signal(c);
  }

  send(channel: Channel, f: Frame): void {
    const ch = this.channels[channel];
    if (ch.readyState === 'open') ch.send(encodeFrame(f) as Uint8Array<ArrayBuffer>);
  }

  stats(): Promise<LinkStats> {
    return this.statsReader.read(this.pc);
  }

  /** Runs `fn` when the transport closes, whoever closes it. */
  onDispose(fn: () => void): void {
    if (this.closed) fn();
    else this.cleanups.push(fn);
  }

  /** The session is over for a reason outside the peer connection (the relay ended it). */
  fail(reason: string): void {
    if (this.closed) return;
    this.events.emit('closed', reason);
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.failTimer);
    this.offSocket();
    this.pc.close();
    this.surface.srcObject = null;
    this.events.clear();
    for (const fn of this.cleanups.splice(0)) fn();
  }

  private signal(payload: SignalPayload) {
    this.socket.send({ type: 'signal', sessionId: this.sessionId, payload });
  }

  private async apply(p: SignalPayload) {
    if (this.closed) return;
    if (p.kind === 'answer') {
      performance.mark('rc:answer');
      await this.pc.setRemoteDescription({ type: 'answer', sdp: p.sdp });
    } else if (p.kind === 'candidate') {
      await this.pc.addIceCandidate({
        candidate: p.candidate,
        sdpMid: p.sdpMid ?? null,
        sdpMLineIndex: p.sdpMLineIndex ?? null,
      });
    } else if (p.kind === 'offer') {
      // The agent's ICE restart after a network drop.
      await this.pc.setRemoteDescription({ type: 'offer', sdp: p.sdp });
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      this.signal({ kind: 'answer', sdp: this.pc.localDescription?.sdp ?? '' });
    }
  }

  private onIceState() {
    const s = this.pc.iceConnectionState;
    if (s === 'connected' || s === 'completed') {
      performance.mark('rc:ice-connected');
      clearTimeout(this.failTimer);
      this.failTimer = undefined;
    } else if (s === 'failed' && this.failTimer === undefined) {
      // The agent restarts ICE once on failure; give it the time it gives itself.
      this.failTimer = window.setTimeout(() => this.fail('the connection to the device dropped'), 16_000);
    } else if (s === 'closed') {
      this.fail('the connection to the device closed');
    }
  }

  /** Reports painted pictures (and size changes) as the video element presents them. */
  private watchFrames() {
    const v = this.surface;
    let w = 0;
    let h = 0;
    const tick = () => {
      if (this.closed) return;
      if (v.videoWidth && (v.videoWidth !== w || v.videoHeight !== h || w === 0)) {
        w = v.videoWidth;
        h = v.videoHeight;
      }
      if (w) this.events.emit('picture', w, h);
      v.requestVideoFrameCallback(tick);
    };
    v.requestVideoFrameCallback(tick);
  }
}
