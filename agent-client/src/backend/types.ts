// The desktop backend: everything platform-specific about the user's desktop sits behind these
// interfaces, one implementation per platform (X11 is issue 5), chosen once at start-up. The
// synthetic backend implements them without a display, for tests and benchmarks.
import type { Monitor, UserSession } from '@rc-relay/protocol';

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface CursorState {
  x: number;
  y: number;
  visible: boolean;
  /** Changes whenever the shape changes, so the shape is only sent then. */
  shapeSerial: number;
  shape?: { w: number; h: number; hotX: number; hotY: number; rgba: Buffer } | undefined;
}

/** One grabbed screen image: BGRX pixels (the 4th byte is padding, not alpha). */
export interface CapturedFrame {
  width: number;
  height: number;
  /** Bytes per row. */
  stride: number;
  data: Buffer;
  /** Regions changed since the previous grab of this source; the whole screen on the first. */
  dirty: Rect[];
  /** ms since the epoch when the pixels were read. */
  captureTime: number;
  cursor: CursorState;
}

export interface CaptureSource {
  readonly width: number;
  readonly height: number;
  /** Grabs the screen now. The buffer is reused by the next grab: copy what must outlive it. */
  grab(): CapturedFrame;
  close(): void;
}

export type InputEvent =
  | { type: 'pointer'; x: number; y: number; buttons: number; wheelX: number; wheelY: number }
  | { type: 'key'; code: string; key: string; down: boolean; modifiers: number };

export type ClipboardData = { mime: 'text/plain' | 'image/png'; data: Buffer };

export interface ConsentRequest {
  sessionId: string;
  operator: string;
  mode: 'view' | 'control';
  transport: 'internet' | 'lan';
  timeoutSeconds: number;
}

export interface ActiveSessionInfo {
  sessionId: string;
  operator: string;
  mode: 'view' | 'control';
  /** The user session it shows: that session's user must see the banner, not only the console's. */
  userSession: string;
}

export interface DesktopBackend {
  readonly name: string;
  /**
   * Opens capture of one user session's desktop: all monitors as one image, or only the monitor
   * `monitorId` (an id from listMonitors) when given and not ''. Throws for an unknown monitor.
   */
  openCapture(userSessionId: string, monitorId?: string): CaptureSource;
  injectInput(userSessionId: string, ev: InputEvent): void;
  readClipboard(userSessionId: string): Promise<ClipboardData | null>;
  writeClipboard(userSessionId: string, data: ClipboardData): Promise<void>;
  /**
   * Calls `onChange` when the device user copies something in that user session. Changes made by
   * writeClipboard are not reported (the console that wrote them has them). Returns the unsubscribe.
   */
  watchClipboard(userSessionId: string, onChange: (c: ClipboardData) => void): () => void;
  listSessions(): Promise<UserSession[]>;
  listMonitors(userSessionId?: string): Promise<Monitor[]>;
  /** Asks the device user; resolves 'deny' when aborted (the request was withdrawn). */
  askConsent(req: ConsentRequest, signal: AbortSignal): Promise<'accept' | 'deny'>;
  /** Shows the device user which sessions are active; an empty list hides the indicator. */
  showIndicator(active: ActiveSessionInfo[]): void;
  close(): Promise<void>;
}
