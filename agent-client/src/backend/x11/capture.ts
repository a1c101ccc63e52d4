// Screen capture of one region of one X display (the whole root, or one monitor). Two MIT-SHM images
// take turns: the new grab lands in one while the other still holds the previous picture, so the
// scanline diff needs no copy. XDamage says whether and where to look (no damage: no grab at all);
// the diff says what really changed; once a second the whole region is diffed in case a hint was lost.
import type { CapturedFrame, CaptureSource, CursorState, Rect } from '../types';
import type { CursorTracker } from './cursor';
import { diffTiles } from './diff';
import type { XConnection } from './display';
import { X11Error } from './errors';
import { isNull, koffi, X, Xdamage, Xfixes } from './native';
import { ShmImage } from './shm-image';

const XDamageReportNonEmpty = 3;
const XDamageNotify = 0;
const FULL_CHECK_MS = 1000;

export class ShmCapture implements CaptureSource {
  readonly width: number;
  readonly height: number;
  private readonly images: [ShmImage, ShmImage];
  /** Index of the image holding the latest picture. */
  private cur = 0;
  private first = true;
  private damaged = true;
  private lastFull = 0;
  private readonly damage: number;
  private readonly region: number;
  private readonly offDamage: () => void;
  private readonly offCleanup: () => void;
  private readonly count = Buffer.alloc(4);
  private closed = false;
  /** Figures for the benchmark: time in XShmGetImage and in the diff, per grab. */
  readonly timing = { grabs: 0, skipped: 0, grabMs: 0, diffMs: 0 };
  onClose: () => void = () => {};

  constructor(
    private readonly conn: XConnection,
    private readonly area: Rect,
    private readonly cursor: CursorTracker,
  ) {
    this.width = area.w;
    this.height = area.h;
    const base = Buffer.alloc(8);
    if (!Xdamage().XDamageQueryExtension(conn.dpy, base.subarray(0, 4), base.subarray(4, 8))) {
      throw new X11Error('no_extension', `${conn.name} lacks DAMAGE`);
    }
    const a = new ShmImage(conn, area.w, area.h);
    let b: ShmImage;
    try {
      b = new ShmImage(conn, area.w, area.h);
    } catch (err) {
      a.close();
      throw err;
    }
    this.images = [a, b];
    this.damage = Xdamage().XDamageCreate(conn.dpy, conn.root, XDamageReportNonEmpty) as number;
    this.region = Xfixes().XFixesCreateRegion(conn.dpy, null, 0) as number;
    this.offDamage = conn.on(base.readInt32LE(0) + XDamageNotify, () => {
      this.damaged = true;
    });
    // The shared memory must be detached before the display closes under it.
    this.offCleanup = conn.addCleanup(() => this.close());
  }

  grab(): CapturedFrame {
    if (this.closed) throw new X11Error('no_display', 'capture is closed');
    this.conn.pump();
    if (!this.conn.alive) throw new X11Error('no_display', `X display ${this.conn.name} is gone`);
    const now = Date.now();
    const { x: rx, y: ry, w, h } = this.area;
    const full = this.first || now - this.lastFull >= FULL_CHECK_MS;
    const cursor = this.cursor.read(rx, ry, w, h);
    if (!this.damaged && !full) {
      this.timing.skipped++;
      return this.frame(this.images[this.cur]!, [], now, cursor);
    }
    this.damaged = false;
    let areas: Rect[];
    // Taking the damage before the grab: whatever is drawn after raises a new hint for next time.
    if (full) {
      Xdamage().XDamageSubtract(this.conn.dpy, this.damage, 0, 0);
      areas = [{ x: 0, y: 0, w, h }];
      this.lastFull = now;
    } else {
      Xdamage().XDamageSubtract(this.conn.dpy, this.damage, 0, this.region);
      areas = this.fetchRegion();
    }
    const t0 = performance.now();
    const next = this.images[1 - this.cur]!;
    if (!next.grab(rx, ry)) throw new X11Error('no_display', `XShmGetImage failed on ${this.conn.name}`);
    const t1 = performance.now();
    const prev = this.images[this.cur]!;
    const dirty = this.first
      ? [{ x: 0, y: 0, w, h }]
      : areas.length
        ? diffTiles(next.data, prev.data, w, h, next.stride, areas)
        : [];
    this.timing.grabs++;
    this.timing.grabMs += t1 - t0;
    this.timing.diffMs += performance.now() - t1;
    this.first = false;
    this.cur = 1 - this.cur;
    return this.frame(next, dirty, now, cursor);
  }

  /** The damaged rectangles, moved into the region's coordinates and clipped to it. */
  private fetchRegion(): Rect[] {
    const p = Xfixes().XFixesFetchRegion(this.conn.dpy, this.region, this.count);
    const n = this.count.readInt32LE(0);
    if (isNull(p)) return [];
    const out: Rect[] = [];
    try {
      if (n === 0) return out;
      // XRectangle: short x, y; unsigned short width, height.
      const raw = Buffer.from(koffi.view(p, n * 8));
      const { x: ax, y: ay, w: aw, h: ah } = this.area;
      for (let i = 0; i < n; i++) {
        const x0 = Math.max(raw.readInt16LE(i * 8) - ax, 0);
        const y0 = Math.max(raw.readInt16LE(i * 8 + 2) - ay, 0);
        const x1 = Math.min(raw.readInt16LE(i * 8) + raw.readUInt16LE(i * 8 + 4) - ax, aw);
        const y1 = Math.min(raw.readInt16LE(i * 8 + 2) + raw.readUInt16LE(i * 8 + 6) - ay, ah);
        if (x1 > x0 && y1 > y0) out.push({ x: x0, y: y0, w: x1 - x0, h: y1 - y0 });
      }
    } finally {
      X().XFree(p);
    }
    return out;
  }

  private frame(img: ShmImage, dirty: Rect[], now: number, cursor: CursorState): CapturedFrame {
    return {
      width: this.width,
      height: this.height,
      stride: img.stride,
      data: img.data,
      dirty,
      captureTime: now,
      cursor,
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.offDamage();
    this.offCleanup();
    if (this.conn.alive) {
      Xdamage().XDamageDestroy(this.conn.dpy, this.damage);
      Xfixes().XFixesDestroyRegion(this.conn.dpy, this.region);
    }
    for (const img of this.images) img.close();
    this.onClose();
  }
}
