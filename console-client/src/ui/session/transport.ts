// What the session view needs from a remote-desktop link, whichever way the pixels come: WebRTC
// video (internet mode) or tiles painted on a canvas (LAN mode through the local bridge).
import type { Frame } from '@rc-relay/protocol';

export type Channel = 'input' | 'clipboard' | 'control';

/** The path in use and live figures, read from the link itself (getStats for WebRTC). */
export interface LinkStats {
  path: string;
  fps: number | null;
  rttMs: number | null;
  kbps: number | null;
}

export interface TransportEvents {
  /** The control path is open: the view may ask for sessions and send settings. */
  open: () => void;
  /** Any agent frame other than screen pixels: cursor, clipboard, sessions, monitors, error. */
  frame: (f: Frame) => void;
  /** A picture was painted; width/height of the remote picture. */
  picture: (width: number, height: number) => void;
  /** The link is gone for good; `reason` is shown to the operator. */
  closed: (reason: string) => void;
}

export interface RemoteTransport {
  readonly kind: 'webrtc' | 'lan';
  /** The element that shows the remote screen. */
  readonly surface: HTMLVideoElement | HTMLCanvasElement;
  /** The mode the agent granted, where the link learns it (LAN); else the requested one applies. */
  readonly mode?: 'view' | 'control' | undefined;
  send(channel: Channel, f: Frame): void;
  on<K extends keyof TransportEvents>(event: K, fn: TransportEvents[K]): void;
  stats(): Promise<LinkStats>;
  close(): void;
}

/** Events a listener added late still gets (with the last arguments): states, not occurrences. */
const STICKY = new Set<keyof TransportEvents>(['open', 'picture', 'closed']);

/** A tiny typed emitter; a throwing listener is logged, never breaks the link. */
export class Events {
  private readonly map = new Map<string, ((...a: unknown[]) => void)[]>();
  private readonly last = new Map<string, unknown[]>();
  /** Agent frames that came before anyone listened (e.g. `monitors` as the channel opens). */
  private early: unknown[][] = [];
  on<K extends keyof TransportEvents>(event: K, fn: TransportEvents[K]): void {
    const list = this.map.get(event) ?? [];
    list.push(fn as (...a: unknown[]) => void);
    this.map.set(event, list);
    const seen = this.last.get(event);
    if (seen) (fn as (...a: unknown[]) => void)(...seen);
    if (event === 'frame' && list.length === 1)
      for (const a of this.early.splice(0)) this.emit('frame', ...(a as [Frame]));
  }
  emit<K extends keyof TransportEvents>(event: K, ...args: Parameters<TransportEvents[K]>): void {
    if (STICKY.has(event)) this.last.set(event, args);
    if (event === 'frame' && !this.map.get(event)?.length) {
      if (this.early.length < 64) this.early.push(args);
      return;
    }
    for (const fn of this.map.get(event) ?? []) {
      try {
        fn(...args);
      } catch (err) {
        console.error(`${event} listener failed`, err);
      }
    }
  }
  clear(): void {
    this.map.clear();
  }
}
