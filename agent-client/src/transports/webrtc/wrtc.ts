// The slice of @roamhq/wrtc (installed as `wrtc`, FINDINGS.md) the agent uses, typed here because
// the package ships no types. It is loaded with require: it is a CommonJS native addon.
import { createRequire } from 'node:module';
import type { IceServer } from '@rc-relay/protocol';

export interface RTCIceServerInit {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface I420Frame {
  width: number;
  height: number;
  data: Uint8ClampedArray;
  rotation?: number;
}

export interface WrtcDataChannel {
  label: string;
  readyState: 'connecting' | 'open' | 'closing' | 'closed';
  bufferedAmount: number;
  binaryType: string;
  send(data: ArrayBuffer | ArrayBufferView | string): void;
  close(): void;
  onopen: (() => void) | null;
  onclose: (() => void) | null;
  onmessage: ((ev: { data: ArrayBuffer | string }) => void) | null;
}

export interface WrtcTrack {
  kind: string;
  stop(): void;
}

export interface WrtcTransceiver {
  sender: { replaceTrack(t: WrtcTrack | null): Promise<void> };
  receiver: { track: WrtcTrack };
  direction: string;
}

export interface WrtcPeerConnection {
  connectionState: string;
  iceConnectionState: string;
  signalingState: string;
  localDescription: { type: string; sdp: string } | null;
  remoteDescription: { type: string; sdp: string } | null;
  createOffer(opts?: { iceRestart?: boolean }): Promise<{ type: 'offer'; sdp: string }>;
  createAnswer(): Promise<{ type: 'answer'; sdp: string }>;
  setLocalDescription(d: { type: string; sdp: string }): Promise<void>;
  setRemoteDescription(d: { type: string; sdp: string }): Promise<void>;
  addIceCandidate(c: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null }): Promise<void>;
  addTrack(track: WrtcTrack, ...streams: unknown[]): unknown;
  addTransceiver(kind: string, init?: { direction?: string }): WrtcTransceiver;
  createDataChannel(label: string, init?: { ordered?: boolean }): WrtcDataChannel;
  getTransceivers(): WrtcTransceiver[];
  getStats(): Promise<Map<string, Record<string, unknown>>>;
  close(): void;
  onicecandidate:
    | ((ev: { candidate: { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null } | null }) => void)
    | null;
  oniceconnectionstatechange: (() => void) | null;
  onconnectionstatechange: (() => void) | null;
  ondatachannel: ((ev: { channel: WrtcDataChannel }) => void) | null;
  ontrack: ((ev: { track: WrtcTrack; transceiver: WrtcTransceiver }) => void) | null;
}

export interface Wrtc {
  RTCPeerConnection: new (cfg?: {
    iceServers?: RTCIceServerInit[];
    iceTransportPolicy?: 'all' | 'relay';
  }) => WrtcPeerConnection;
  nonstandard: {
    RTCVideoSource: new (opts?: {
      isScreencast?: boolean;
      needsDenoising?: boolean;
    }) => {
      createTrack(): WrtcTrack;
      onFrame(f: I420Frame): void;
    };
    RTCVideoSink: new (track: WrtcTrack) => { onframe: ((ev: { frame: I420Frame }) => void) | null; stop(): void };
    rgbaToI420(src: I420Frame, dst: I420Frame): void;
  };
}

export type PeerConnectionConfig = NonNullable<ConstructorParameters<Wrtc['RTCPeerConnection']>[0]>;

/** The relay's ICE servers as libwebrtc takes them (no empty username or credential fields). */
export function peerConnectionConfig(servers: IceServer[], policy: 'all' | 'relay' = 'all'): PeerConnectionConfig {
  return {
    iceServers: servers.map((s) => ({
      urls: s.urls,
      ...(s.username ? { username: s.username } : {}),
      ...(s.credential ? { credential: s.credential } : {}),
    })),
    iceTransportPolicy: policy,
  };
}

let loaded: Wrtc | undefined;

/** Whether this process loaded the native WebRTC addon (its threads can crash Node's exit teardown). */
export const usedWrtc = () => loaded !== undefined;

export function wrtc(): Wrtc {
  loaded ??= createRequire(import.meta.url)('wrtc') as Wrtc;
  return loaded;
}
