// One interface for the ways a console reaches the desktop (WebRTC, LAN TCP). Each session owns one
// transport; close() is idempotent and releases everything the transport holds.
import type { Emitter } from '../util/emitter';

export interface TransportStats {
  bytesSent: number;
  bytesReceived: number;
  framesSent: number;
  framesDropped: number;
}

export type TransportEvents = {
  /** Media and channels are up: the console sees the screen. */
  connected: [];
  /** Gone for good (after any ICE restart); `reason` is for the audit. */
  closed: [reason: string];
};

export interface SessionTransport extends Emitter<TransportEvents> {
  readonly kind: 'webrtc' | 'lan';
  readonly isClosed: boolean;
  stats(): TransportStats;
  /** Moves the screen to another user session (console's session switch). */
  switchUserSession(id: string): void;
  /** Shows one monitor of the current user session ('' = all); the session has checked the id. */
  selectMonitor(id: string): void;
  close(reason?: string): void;
}
