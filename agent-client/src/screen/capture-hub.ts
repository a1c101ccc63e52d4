// Viewers of the same user session (and the same monitor of it) share one capture: the hub grabs at the highest frame rate any
// viewer asked for and hands each viewer frames at its own rate, with the dirty regions of every
// grab it skipped merged in, so no change is lost by skipping.

import type { CapturedFrame, CaptureSource, DesktopBackend, Rect } from '../backend/types';
import type { Logger } from '../log';

export type FrameHandler = (frame: CapturedFrame, dirty: Rect[]) => void;

export interface CaptureSubscription {
  setFps(fps: number): void;
  /** Next delivery carries the whole screen as dirty (a viewer's refresh or first frame). */
  requestFull(): void;
  close(): void;
}

const MAX_PENDING_RECTS = 64;
/**
 * After a click or a key press the next grab comes this soon instead of at the next tick: at 30 fps
 * that tick is up to 33 ms away, half of a click-to-photon budget. Most apps repaint a button or
 * a typed character within a few ms; one that has not yet is looked at again INPUT_RECHECK_MS
 * later (a grab that finds nothing changed is cheap: the diff finds no dirty tile and nothing is
 * encoded). Input grabs are never closer than MIN_INPUT_GAP_MS to the previous grab, so a burst of
 * keys or wheel steps raises the grab rate to at most 125/s, and only while it lasts.
 */
const INPUT_GRAB_DELAY_MS = 2;
const INPUT_RECHECK_MS = 8;
const MIN_INPUT_GAP_MS = 8;

interface Viewer {
  fps: number;
  onFrame: FrameHandler;
  pending: Rect[];
  lastDelivered: number;
  full: boolean;
}

interface Shared {
  source: CaptureSource;
  viewers: Set<Viewer>;
  timer: NodeJS.Timeout | undefined;
  nextAt: number;
  /** When the last grab ran (performance.now()). */
  lastGrabAt: number;
  /** The pending grab was brought forward by input: every viewer takes it. */
  hinted: boolean;
  /** Input came since the last look that found a change: an unchanged hinted grab looks once more. */
  recheck: boolean;
  /** Grabs failed in a row (a display gone): logged on the first and then every 300th, not 30/s. */
  failures: number;
}

export class CaptureHub {
  private readonly shared = new Map<string, Shared>();

  constructor(
    private readonly backend: DesktopBackend,
    private readonly log: Logger,
  ) {}

  /** `monitor`: a monitor id of that user session, or '' for all of its monitors. */
  subscribe(userSession: string, fps: number, onFrame: FrameHandler, monitor = ''): CaptureSubscription {
    // A NUL cannot occur in a display name: the key is unambiguous.
    const key = monitor ? `${userSession}\0${monitor}` : userSession;
    let s = this.shared.get(key);
    if (!s) {
      s = {
        source: this.backend.openCapture(userSession, monitor),
        viewers: new Set(),
        timer: undefined,
        nextAt: 0,
        lastGrabAt: 0,
        hinted: false,
        recheck: false,
        failures: 0,
      };
      this.shared.set(key, s);
      this.log.info({ userSession, monitor }, 'capture started');
    }
    const shared = s;
    const v: Viewer = { fps: clampFps(fps), onFrame, pending: [], lastDelivered: 0, full: true };
    shared.viewers.add(v);
    this.schedule(key, shared);
    return {
      setFps: (n) => {
        v.fps = clampFps(n);
      },
      requestFull: () => {
        v.full = true;
      },
      close: () => {
        if (!shared.viewers.delete(v)) return;
        if (shared.viewers.size === 0) this.stop(key, shared);
      },
    };
  }

  /** Input just went into `userSession` (a click, a key): grab it soon, to show the repaint sooner. */
  inputHint(userSession: string): void {
    const now = performance.now();
    for (const [key, s] of this.shared) {
      if (key !== userSession && !key.startsWith(`${userSession}\0`)) continue;
      if (!s.timer) continue;
      s.recheck = true;
      this.bringForward(key, s, Math.max(now + INPUT_GRAB_DELAY_MS, s.lastGrabAt + MIN_INPUT_GAP_MS), now);
    }
  }

  private bringForward(key: string, s: Shared, at: number, now: number) {
    if (at >= s.nextAt) return;
    clearTimeout(s.timer);
    s.hinted = true;
    s.nextAt = at;
    s.timer = setTimeout(() => this.tick(key, s), at - now);
  }

  /** Number of user sessions being captured (for tests and status). */
  get activeCaptures(): number {
    return this.shared.size;
  }

  closeAll(): void {
    for (const [id, s] of this.shared) this.stop(id, s);
  }

  private stop(key: string, s: Shared) {
    // Viewers still holding a subscription find it empty and closing it again does nothing.
    s.viewers.clear();
    clearTimeout(s.timer);
    s.timer = undefined;
    s.source.close();
    this.shared.delete(key);
    this.log.info({ source: key.replace('\0', ' monitor ') }, 'capture stopped');
  }

  private schedule(key: string, s: Shared) {
    if (s.timer) return;
    s.nextAt = performance.now();
    s.timer = setTimeout(() => this.tick(key, s), 0);
  }

  private tick(key: string, s: Shared) {
    s.timer = undefined;
    if (this.shared.get(key) !== s) return;
    const t0 = performance.now();
    const changed = this.grab(s);
    // Timed for the console benchmark's click-to-photon breakdown (grab, conversion, into the encoder).
    if (s.hinted) this.log.debug({ ms: +(performance.now() - t0).toFixed(2), changed }, 'input-hinted grab delivered');
    const hinted = s.hinted;
    s.hinted = false;
    const period = 1000 / this.maxFps(s);
    const now = performance.now();
    // Fixed-rate schedule that does not drift, but never tries to catch up a backlog.
    s.nextAt = Math.max(s.nextAt + period, now);
    s.timer = setTimeout(() => this.tick(key, s), Math.max(0, s.nextAt - now));
    if (changed) s.recheck = false;
    else if (hinted && s.recheck) {
      s.recheck = false;
      this.bringForward(key, s, now + INPUT_RECHECK_MS, now);
    }
  }

  private maxFps(s: Shared): number {
    return Math.max(1, ...[...s.viewers].map((v) => v.fps));
  }

  /** Grabs and hands the frame to the viewers due one; true when the screen changed. */
  private grab(s: Shared): boolean {
    let frame: CapturedFrame;
    try {
      frame = s.source.grab();
    } catch (err) {
      if (s.failures++ % 300 === 0) this.log.error({ err, failures: s.failures }, 'capture failed');
      return false;
    }
    if (s.failures) {
      this.log.info({ failures: s.failures }, 'capture recovered');
      s.failures = 0;
    }
    const now = performance.now();
    s.lastGrabAt = now;
    const whole = { x: 0, y: 0, w: frame.width, h: frame.height };
    for (const v of s.viewers) {
      if (v.full) v.pending = [whole];
      else if (v.pending.length + frame.dirty.length > MAX_PENDING_RECTS)
        v.pending = [bounds([...v.pending, ...frame.dirty])];
      else v.pending.push(...frame.dirty);
      // 2 ms slack: a viewer at the hub's own rate must not skip a tick because of timer jitter.
      if (!s.hinted && now - v.lastDelivered < 1000 / v.fps - 2) continue;
      // An input grab goes to every viewer with something to show, and to none without.
      if (s.hinted && v.pending.length === 0) continue;
      const dirty = v.pending;
      v.pending = [];
      v.full = false;
      v.lastDelivered = now;
      try {
        v.onFrame(frame, dirty);
      } catch (err) {
        // One viewer's bug must not stop the others' pictures.
        this.log.error({ err }, 'viewer failed on a frame');
      }
    }
    return frame.dirty.length > 0;
  }
}

function clampFps(fps: number) {
  return Math.min(60, Math.max(1, Math.round(fps)));
}

export function bounds(rects: Rect[]): Rect {
  let x0 = Number.POSITIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let x1 = 0;
  let y1 = 0;
  for (const r of rects) {
    x0 = Math.min(x0, r.x);
    y0 = Math.min(y0, r.y);
    x1 = Math.max(x1, r.x + r.w);
    y1 = Math.max(y1, r.y + r.h);
  }
  return rects.length ? { x: x0, y: y0, w: x1 - x0, h: y1 - y0 } : { x: 0, y: 0, w: 0, h: 0 };
}
