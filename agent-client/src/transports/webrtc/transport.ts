// The internet transport: one RTCPeerConnection per session. The console offers (data channels
// `input`, `clipboard`, `control` and a recvonly video transceiver); the agent answers with its
// screen as a screencast video track fed from the shared capture. ICE failures bring an ICE-restart
// offer of the agent's own, which the console answers (ice-supervisor.ts).
// Media does not depend on the relay socket, so a signalling outage does not end the session.
import { decodeFrame, encodeFrame, type Frame, type IceServer, type SignalPayload } from '@rc-relay/protocol';
import type { CursorState } from '../../backend/types';
import type { Logger } from '../../log';
import type { CaptureHub, CaptureSubscription } from '../../screen/capture-hub';
import type { AgentSession } from '../../service/session';
import { Emitter } from '../../util/emitter';
import type { SessionTransport, TransportEvents, TransportStats } from '../types';
import { VideoCap } from './bitrate';
import { ChannelSender } from './channel-sender';
import { ALLOWED, CHANNELS, type ChannelName, CursorTrack } from './channels';
import { I420Converter } from './i420';
import { IceSupervisor } from './ice-supervisor';
import { preferRemb } from './remb';
import { StepQueue } from './step-queue';
import { StillGate } from './still-gate';
import {
  type PeerConnectionConfig,
  peerConnectionConfig,
  type WrtcDataChannel,
  type WrtcPeerConnection,
  wrtc,
} from './wrtc';

const DEFAULT_FPS = 30;

export interface WebRtcOptions {
  iceServers: IceServer[];
  iceTransportPolicy?: 'all' | 'relay';
  signal: (p: SignalPayload) => void;
  capture: CaptureHub;
  fps?: number;
  /** A still screen is re-encoded this often (ms); 0 = every grab (the benchmark's reference). */
  stillRefreshMs?: number;
  restartGraceMs?: number;
  disconnectedGraceMs?: number;
  /** Bandwidth feedback to send by: the console's REMB (default, remb.ts) or transport-cc (the benchmark's reference). */
  feedback?: 'remb' | 'transport-cc';
  /** Makes the peer connection (default: wrtc's); a test wraps it to play libwebrtc's misreports. */
  peerConnection?: (config: PeerConnectionConfig) => WrtcPeerConnection;
}

export class WebRtcTransport extends Emitter<TransportEvents> implements SessionTransport {
  readonly kind = 'webrtc' as const;
  private readonly pc: WrtcPeerConnection;
  private readonly source = new (wrtc().nonstandard.RTCVideoSource)({ isScreencast: true });
  private readonly track = this.source.createTrack();
  private readonly converter = new I420Converter();
  private readonly senders = new Map<ChannelName, ChannelSender>();
  private sub: CaptureSubscription | undefined;
  private userSession: string;
  private monitor = '';
  private fps: number;
  /** Signalling steps, strictly in order (step-queue.ts). */
  private readonly steps = new StepQueue();
  private remoteSet = false;
  private pendingCandidates: Extract<SignalPayload, { kind: 'candidate' }>[] = [];
  private readonly ice: IceSupervisor;
  private trackAdded = false;
  private readonly cap = new VideoCap();
  private readonly cursor = new CursorTrack();
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly stillGate: StillGate;
  private readonly counters = { bytesSent: 0, bytesReceived: 0, framesSent: 0, framesDropped: 0 };
  private readonly log: Logger;

  constructor(
    private readonly session: AgentSession,
    private readonly o: WebRtcOptions,
  ) {
    super((err, event) => session.log.error({ err, event }, 'transport listener failed'));
    this.log = session.log.child({ transport: 'webrtc' });
    this.userSession = session.info.userSession;
    this.fps = o.fps ?? DEFAULT_FPS;
    this.stillGate = new StillGate(o.stillRefreshMs);
    const config = peerConnectionConfig(o.iceServers, o.iceTransportPolicy);
    this.pc = o.peerConnection ? o.peerConnection(config) : new (wrtc().RTCPeerConnection)(config);
    this.pc.onicecandidate = (ev) => {
      if (this.closed) return;
      if (!ev.candidate) return o.signal({ kind: 'end-of-candidates' });
      o.signal({
        kind: 'candidate',
        candidate: ev.candidate.candidate,
        sdpMid: ev.candidate.sdpMid,
        sdpMLineIndex: ev.candidate.sdpMLineIndex,
      });
    };
    this.ice = new IceSupervisor(
      this.pc,
      {
        connected: () => {
          // Capture starts here, not at the answer: starting it at the answer (tried, console bench
          // --timeline) held up the answer and the agent's candidates by ~100 ms on a loaded host and
          // made ICE ~100 ms later, more than the ~10–20 ms it would take off after connecting.
          this.startVideo();
          this.log.info('WebRTC connected');
          this.emit('connected');
        },
        restart: () =>
          this.steps.enqueue(async () => {
            this.log.debug('ICE restart: creating the offer');
            const offer = await this.pc.createOffer({ iceRestart: true });
            await this.pc.setLocalDescription(offer);
            this.o.signal({ kind: 'offer', sdp: offer.sdp });
            this.log.debug('ICE restart: offer sent');
          }),
        close: (reason) => this.close(reason),
      },
      this.log,
      o,
    );
    // The console closed its peer connection (DTLS close): nothing to restart.
    this.pc.onconnectionstatechange = () => {
      this.log.debug({ state: this.pc.connectionState }, 'connection state');
      if (this.pc.connectionState === 'closed' && !this.closed) this.close('console closed the peer connection');
    };
    this.pc.ondatachannel = (ev) => this.onChannel(ev.channel);
  }

  get isClosed() {
    return this.closed;
  }

  /** Signalling from the console, applied strictly in arrival order. */
  handleSignal(p: SignalPayload): void {
    this.steps
      .enqueue(() => this.apply(p))
      .catch((err) => this.log.warn({ err: (err as Error).message, kind: p.kind }, 'signal could not be applied'));
  }

  switchUserSession(id: string): void {
    this.userSession = id;
    this.monitor = '';
    if (this.ice.isConnected) this.startVideo();
    this.sendMonitors();
  }

  /** The video track takes the monitor's size from its next frame. */
  selectMonitor(id: string): void {
    this.monitor = id;
    if (this.ice.isConnected) this.startVideo();
    this.sendMonitors();
  }

  private sendMonitors() {
    const control = this.senders.get('control');
    if (!control) return;
    this.session
      .monitorsFrame()
      .then((f) => {
        if (this.closed) return;
        const b = encodeFrame(f);
        this.counters.bytesSent += b.length;
        control.send(b);
      })
      .catch((err) => this.log.warn({ err }, 'monitors not sent'));
  }

  stats(): TransportStats {
    return { ...this.counters };
  }

  close(reason = 'closed'): void {
    if (this.closed) return;
    this.closed = true;
    this.ice.stop();
    this.sub?.close();
    for (const s of this.senders.values()) s.close();
    this.track.stop();
    this.pc.close();
    this.log.info({ reason, ...this.counters }, 'WebRTC transport closed');
    this.emit('closed', reason);
    this.removeAllListeners();
  }

  private async apply(p: SignalPayload) {
    if (this.closed) return;
    await (signalHandlers[p.kind] as (t: WebRtcTransport, p: SignalPayload) => Promise<void>)(this, p);
  }

  /** A description from the console as the agent applies it: the quality's cap, and REMB (remb.ts). */
  private remote(sdp: string): string {
    const capped = this.cap.apply(sdp);
    return this.o.feedback === 'transport-cc' ? capped : preferRemb(capped);
  }

  /** The console's offer (first, or a renegotiation): answer it, with the screen track on first. */
  async onOffer(sdp: string) {
    this.log.debug('offer applied');
    await this.pc.setRemoteDescription({ type: 'offer', sdp: this.remote(sdp) });
    this.remoteSet = true;
    if (!this.trackAdded) {
      // addTrack reuses the console's recvonly video transceiver.
      this.pc.addTrack(this.track);
      this.trackAdded = true;
    }
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    this.o.signal({ kind: 'answer', sdp: answer.sdp });
    this.log.debug('answer sent');
    await this.flushCandidates();
  }

  /** The console's answer, only ever to our own ICE-restart offer. */
  async onAnswer(sdp: string) {
    if (this.pc.signalingState !== 'have-local-offer') throw new Error('answer without our offer');
    await this.pc.setRemoteDescription({ type: 'answer', sdp: this.remote(sdp) });
    await this.flushCandidates();
    // The quality changed while this offer was out: one more round for the newest cap.
    this.renegotiateForQuality();
  }

  /**
   * A new cap takes a renegotiation: the agent offers, the console answers as it does to an ICE
   * restart, and the answer is applied with the cap (see bitrate.ts). Only from a stable state;
   * an offer already out (ICE restart) picks the cap up when its answer comes.
   */
  private renegotiateForQuality() {
    this.steps
      .enqueue(async () => {
        if (this.closed || !this.remoteSet || this.pc.signalingState !== 'stable') return;
        if (!this.cap.stale) return;
        const offer = await this.pc.createOffer();
        await this.pc.setLocalDescription(offer);
        this.o.signal({ kind: 'offer', sdp: offer.sdp });
        this.log.info({ quality: this.cap.quality, kbps: this.cap.kbps ?? 'none' }, 'video cap');
      })
      .catch((err) => this.log.warn({ err: (err as Error).message }, 'could not renegotiate the video cap'));
  }

  async onCandidate(c: Extract<SignalPayload, { kind: 'candidate' }>) {
    if (!this.remoteSet) {
      if (this.pendingCandidates.length < 64) this.pendingCandidates.push(c);
      return;
    }
    await this.pc.addIceCandidate({
      candidate: c.candidate,
      sdpMid: c.sdpMid ?? null,
      sdpMLineIndex: c.sdpMLineIndex ?? null,
    });
  }

  private async flushCandidates() {
    for (const c of this.pendingCandidates.splice(0)) {
      await this.pc.addIceCandidate({
        candidate: c.candidate,
        sdpMid: c.sdpMid ?? null,
        sdpMLineIndex: c.sdpMLineIndex ?? null,
      });
    }
  }

  private startVideo() {
    this.sub?.close();
    this.sub = undefined;
    try {
      this.subscribe();
    } catch (err) {
      this.log.error({ err, userSession: this.userSession }, 'cannot capture this desktop');
      // Tell the console why (a Wayland session, a display gone) before hanging up.
      const why = err instanceof Error ? err.message.slice(0, 300) : 'unknown';
      const b = encodeFrame({ type: 'error', code: 'unsupported', message: `the desktop cannot be captured: ${why}` });
      this.senders.get('control')?.send(b);
      setTimeout(() => this.close('capture failed'), 200).unref();
    }
  }

  private subscribe() {
    this.sub = this.o.capture.subscribe(
      this.userSession,
      this.fps,
      (frame, dirty) => {
        if (this.closed) return;
        if (!this.stillGate.feed(dirty.length > 0)) return this.sendCursor(frame.cursor);
        if (this.counters.framesSent === 0) this.log.debug('first frame to the encoder');
        this.source.onFrame(this.converter.convert(frame, dirty));
        this.counters.framesSent++;
        this.sendCursor(frame.cursor);
      },
      this.monitor,
    );
  }

  /** The pointer's position and shape on `control`, when they changed (channels.ts). */
  private sendCursor(c: CursorState) {
    const control = this.senders.get('control');
    const f = control && this.cursor.next(c);
    if (!f) return;
    const b = encodeFrame(f);
    this.counters.bytesSent += b.length;
    control.send(b);
  }

  private onChannel(ch: WrtcDataChannel) {
    const name = ch.label as ChannelName;
    if (!CHANNELS.includes(name)) {
      this.log.warn({ label: ch.label.slice(0, 32) }, 'unknown data channel closed');
      return ch.close();
    }
    ch.binaryType = 'arraybuffer';
    const sender = new ChannelSender(ch);
    this.senders.set(name, sender);
    const reply = (f: Frame) => {
      const b = encodeFrame(f);
      this.counters.bytesSent += b.length;
      sender.send(b);
    };
    if (name === 'clipboard') this.session.followClipboard(reply);
    if (name === 'control') this.sendMonitors();
    ch.onmessage = (ev) => {
      if (typeof ev.data === 'string')
        return reply({ type: 'error', code: 'bad_frame', message: 'send binary frames' });
      const buf = Buffer.from(ev.data);
      this.counters.bytesReceived += buf.length;
      const r = decodeFrame(buf);
      if (!r.ok) return reply({ type: 'error', code: 'bad_frame', message: r.message.slice(0, 200) });
      if (!ALLOWED[name].has(r.frame.type)) {
        return reply({ type: 'error', code: 'unexpected', message: `${r.frame.type} is not accepted on ${name}` });
      }
      this.onFrame(r.frame, reply);
    };
  }

  private onFrame(f: Frame, reply: (f: Frame) => void) {
    if (f.type === 'settings') {
      this.fps = f.fps;
      this.sub?.setFps(f.fps);
      this.cap.quality = f.quality;
      this.renegotiateForQuality();
      return;
    }
    if (f.type === 'refresh') return this.sub?.requestFull();
    // Desktop actions in order, so a key up never overtakes its key down.
    this.queue = this.queue
      .then(() => this.session.handle(f, reply))
      .catch((err) => {
        this.log.error({ err, type: f.type }, 'desktop action failed');
        reply({ type: 'error', code: 'internal', message: 'the action failed on the agent' });
      });
  }
}

const signalHandlers: {
  [K in SignalPayload['kind']]: (t: WebRtcTransport, p: Extract<SignalPayload, { kind: K }>) => Promise<void>;
} = {
  offer: (t, p) => t.onOffer(p.sdp),
  answer: (t, p) => t.onAnswer(p.sdp),
  candidate: (t, p) => t.onCandidate(p),
  // Trickle ICE needs no action at the end; libwebrtc keeps checking the pairs it has.
  'end-of-candidates': async () => {},
};
