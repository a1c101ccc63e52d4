// A console peer in Node (wrtc), written against the protocol: it offers data channels and a
// recvonly video transceiver through the relay, decodes the synthetic picture's timestamp stamp from
// each received frame, and sends frames on the data channels.
import { decodeFrame, decodeServerToConsole, encodeFrame, type Frame, type SignalPayload } from '@rc-relay/protocol';
import { readStampLuma } from '../../agent-client/src/backend/stamp';
import { type WrtcDataChannel, type WrtcPeerConnection, wrtc } from '../../agent-client/src/transports/webrtc/wrtc';
import type { TestConsole } from '../support/peers';

export class RtcConsole {
  readonly pc: WrtcPeerConnection;
  readonly channels: Record<'input' | 'clipboard' | 'control', WrtcDataChannel>;
  readonly received: Record<string, Frame[]> = { input: [], clipboard: [], control: [] };
  frames = 0;
  /** Offers from the agent (ICE restarts, renegotiations for a new video cap). */
  offersReceived = 0;
  width = 0;
  height = 0;
  /** capture-to-receive latency per frame (ms), from the stamp in the picture. */
  readonly latencies: number[] = [];
  /** The agent's ICE candidates as signalled (a=candidate lines), in arrival order. */
  readonly remoteCandidates: string[] = [];
  private sink: { stop(): void } | undefined;
  private stopped = false;
  private chain: Promise<void> = Promise.resolve();
  private offSocket: () => void = () => {};
  connected: Promise<void>;

  constructor(
    private readonly con: TestConsole,
    readonly sessionId: string,
    iceServers: { urls: string[]; username?: string; credential?: string }[] = [],
    iceTransportPolicy: 'all' | 'relay' = 'all',
  ) {
    const w = wrtc();
    this.pc = new w.RTCPeerConnection({ iceServers, iceTransportPolicy });
    const mk = (label: string) => {
      const ch = this.pc.createDataChannel(label);
      ch.binaryType = 'arraybuffer';
      ch.onmessage = (ev) => {
        const r = decodeFrame(Buffer.from(ev.data as ArrayBuffer));
        if (!r.ok) throw new Error(`agent sent a bad frame on ${label}: ${r.message}`);
        this.received[label]!.push(r.frame);
      };
      return ch;
    };
    this.channels = { input: mk('input'), clipboard: mk('clipboard'), control: mk('control') };
    this.pc.addTransceiver('video', { direction: 'recvonly' });
    this.pc.ontrack = (ev) => {
      const sink = new w.nonstandard.RTCVideoSink(ev.track);
      this.sink = sink;
      sink.onframe = ({ frame }) => {
        this.frames++;
        this.width = frame.width;
        this.height = frame.height;
        const t = readStampLuma(frame.data, frame.width, frame.width);
        const lat = Date.now() - t;
        if (lat >= 0 && lat < 10_000) this.latencies.push(lat);
      };
    };
    this.pc.onicecandidate = (ev) => {
      if (ev.candidate) {
        con.send({
          type: 'signal',
          sessionId,
          payload: {
            kind: 'candidate',
            candidate: ev.candidate.candidate,
            sdpMid: ev.candidate.sdpMid,
            sdpMLineIndex: ev.candidate.sdpMLineIndex,
          },
        });
      }
    };
    this.connected = new Promise((resolve) => {
      this.pc.oniceconnectionstatechange = () => {
        if (['connected', 'completed'].includes(this.pc.iceConnectionState)) resolve();
      };
    });
  }

  async start() {
    this.pump();
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    this.con.send({ type: 'signal', sessionId: this.sessionId, payload: { kind: 'offer', sdp: offer.sdp } });
    await this.connected;
    await Promise.all(
      Object.values(this.channels).map((ch) =>
        ch.readyState === 'open'
          ? null
          : new Promise<void>((r) => {
              ch.onopen = () => r();
            }),
      ),
    );
    return this;
  }

  send(channel: 'input' | 'clipboard' | 'control', f: Frame) {
    this.channels[channel].send(encodeFrame(f));
  }

  async waitFor(channel: string, pred: (f: Frame) => boolean, ms = 5000): Promise<Frame> {
    const end = Date.now() + ms;
    for (;;) {
      const i = this.received[channel]!.findIndex(pred);
      if (i >= 0) return this.received[channel]!.splice(i, 1)[0]!;
      if (Date.now() > end) throw new Error(`no matching frame on ${channel}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close() {
    this.stopped = true;
    this.offSocket();
    this.sink?.stop();
    this.pc.close();
  }

  /**
   * Applies signalling from the agent (answer, candidates, an ICE-restart offer). It listens on the
   * socket itself: Inbox.wait with a timeout leaves its waiter behind, which would swallow messages.
   */
  private pump() {
    const onMessage = (data: Buffer) => {
      const r = decodeServerToConsole(data);
      if (!r.ok || r.msg.type !== 'signal' || r.msg.sessionId !== this.sessionId || this.stopped) return;
      this.chain = this.chain
        .then(() => this.apply(r.msg.type === 'signal' ? r.msg.payload : undefined))
        .catch(() => {});
    };
    this.con.ws.on('message', onMessage);
    this.offSocket = () => this.con.ws.off('message', onMessage);
  }

  private async apply(p: SignalPayload | undefined) {
    if (!p || this.stopped) return;
    if (p.kind === 'answer') await this.pc.setRemoteDescription({ type: 'answer', sdp: p.sdp });
    else if (p.kind === 'candidate') {
      this.remoteCandidates.push(p.candidate);
      await this.pc.addIceCandidate({
        candidate: p.candidate,
        sdpMid: p.sdpMid ?? null,
        sdpMLineIndex: p.sdpMLineIndex ?? null,
      });
    } else if (p.kind === 'offer') {
      this.offersReceived++;
      await this.pc.setRemoteDescription({ type: 'offer', sdp: p.sdp });
      const answer = await this.pc.createAnswer();
      await this.pc.setLocalDescription(answer);
      this.con.send({ type: 'signal', sessionId: this.sessionId, payload: { kind: 'answer', sdp: answer.sdp } });
    }
  }
}
