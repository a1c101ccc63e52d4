// The slice of @roamhq/wrtc (installed as `wrtc`, FINDINGS.md) rc-console uses for internet-mode
// screenshot and clipboard, typed here because the package ships no types. Loaded lazily with
// require (a CommonJS native addon), so the other commands never pay for it.
import { createRequire } from 'node:module';

export interface I420Frame {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

export interface DataChannel {
  readyState: 'connecting' | 'open' | 'closing' | 'closed';
  binaryType: string;
  send(data: ArrayBufferView): void;
  onopen: (() => void) | null;
  onmessage: ((ev: { data: ArrayBuffer | string }) => void) | null;
}

export interface PeerConnection {
  iceConnectionState: string;
  createOffer(): Promise<{ type: 'offer'; sdp: string }>;
  createAnswer(): Promise<{ type: 'answer'; sdp: string }>;
  setLocalDescription(d: { type: string; sdp: string }): Promise<void>;
  setRemoteDescription(d: { type: string; sdp: string }): Promise<void>;
  addIceCandidate(c: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null }): Promise<void>;
  addTransceiver(kind: string, init?: { direction?: string }): unknown;
  createDataChannel(label: string): DataChannel;
  close(): void;
  onicecandidate:
    | ((ev: { candidate: { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null } | null }) => void)
    | null;
  oniceconnectionstatechange: (() => void) | null;
  ontrack: ((ev: { track: unknown }) => void) | null;
}

export interface Wrtc {
  RTCPeerConnection: new (cfg?: {
    iceServers?: { urls: string[]; username?: string; credential?: string }[];
  }) => PeerConnection;
  nonstandard: {
    RTCVideoSink: new (track: unknown) => { onframe: ((ev: { frame: I420Frame }) => void) | null; stop(): void };
  };
}

let loaded: Wrtc | undefined;

/** Whether this process loaded the native WebRTC addon. */
export const usedWrtc = () => loaded !== undefined;

export function wrtc(): Wrtc {
  loaded ??= createRequire(import.meta.url)('wrtc') as Wrtc;
  return loaded;
}

/** BT.601 limited-range I420 → packed RGB (what libwebrtc's decoder hands out). */
export function i420ToRgb(f: I420Frame): Buffer {
  const { width: w, height: h, data } = f;
  const cw = (w + 1) >> 1;
  const uOff = w * h;
  const vOff = uOff + cw * ((h + 1) >> 1);
  const out = Buffer.allocUnsafe(w * h * 3);
  const clamp = (v: number) => Math.min(255, Math.max(0, v));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const c = 1.164 * (data[y * w + x]! - 16);
      const ci = (y >> 1) * cw + (x >> 1);
      const d = data[uOff + ci]! - 128;
      const e = data[vOff + ci]! - 128;
      const o = (y * w + x) * 3;
      out[o] = clamp(c + 1.596 * e);
      out[o + 1] = clamp(c - 0.392 * d - 0.813 * e);
      out[o + 2] = clamp(c + 2.017 * d);
    }
  }
  return out;
}
