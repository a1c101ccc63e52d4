// The LAN screen stream for one viewer: dirty 64×64 tiles as JPEG, a lossless (deflate) refresh of
// tiles that stayed still after a lossy send, and credit flow control. Without credits a frame is
// skipped and its dirty tiles carried into the next one, so a slow reader gets fewer, fresh frames
// instead of a growing queue of stale ones.
import { encodeFrame, type Frame, MAX_FRAME_BYTES, type TileEncodingName } from '@rc-relay/protocol';
import type { CapturedFrame, CursorState, Rect } from '../backend/types';
import { cropBgrx, type TileEncoder } from '../encoders/types';
import type { Logger } from '../log';
import type { CaptureHub, CaptureSubscription } from './capture-hub';

export const TILE = 64;
/** 16 tiles = 1024 px: one JPEG call per run pays sharp's fixed cost once, and stays far below the frame limit. */
const MAX_RUN_TILES = 16;
/** Rows of tiles stacked into one rectangle: 1024×256 px at most, whose JPEG stays far below the frame limit. */
const MAX_BAND_ROWS = 4;
const MAX_TILE_PAYLOAD = MAX_FRAME_BYTES - 64;

export interface StreamSink {
  send(frame: Buffer): void;
  /** Bytes written but not yet taken by the network: a second brake besides credits. */
  backlogBytes(): number;
}

export interface StreamerOptions {
  capture: CaptureHub;
  userSession: string;
  sink: StreamSink;
  lossy: TileEncoder;
  lossless: TileEncoder;
  log: Logger;
  quality?: number;
  fps?: number;
  initialCredits?: number;
  refreshAfterMs?: number;
  maxRefreshTilesPerFrame?: number;
  maxBacklogBytes?: number;
  /** The monitor to show ('' = all). */
  monitor?: string;
  /** Called right after each `screen.info` is sent (the transport follows it with `monitors`). */
  onScreenInfo?: () => void;
}

export interface StreamerStats {
  framesSent: number;
  framesDropped: number;
  tilesLossy: number;
  tilesLossless: number;
  bytes: number;
}

export class TileStreamer {
  quality: number;
  fps: number;
  readonly stats: StreamerStats = { framesSent: 0, framesDropped: 0, tilesLossy: 0, tilesLossless: 0, bytes: 0 };
  private sub: CaptureSubscription | undefined;
  private userSession: string;
  private monitor: string;
  private seq = 0;
  private ackedSeq = 0;
  private credits: number;
  private cols = 0;
  private rows = 0;
  private width = 0;
  private height = 0;
  private dirty = new Uint8Array(0);
  /** When each tile was last sent lossy (0: exact on the console, or never sent). */
  private lossyAt = new Float64Array(0);
  private cursorSent: { x: number; y: number; visible: boolean; serial: number } | undefined;
  private closed = false;
  private encoding = false;
  /** Bumped on every source switch: an encode still in flight for the old source is then discarded. */
  private generation = 0;

  constructor(private readonly o: StreamerOptions) {
    this.quality = o.quality ?? 70;
    this.fps = o.fps ?? 15;
    this.credits = o.initialCredits ?? 2;
    this.userSession = o.userSession;
    this.monitor = o.monitor ?? '';
  }

  start(): void {
    this.sub = this.o.capture.subscribe(this.userSession, this.fps, (f, d) => this.onFrame(f, d), this.monitor);
  }

  /** The console showed `seq` and takes `credits` more frames after it. */
  ack(seq: number, credits: number): void {
    if (seq > this.seq) return; // acks for frames never sent are ignored, not trusted
    this.ackedSeq = Math.max(this.ackedSeq, seq);
    this.credits = credits;
  }

  settings(quality: number, fps: number): void {
    this.quality = quality;
    this.fps = fps;
    this.sub?.setFps(fps);
  }

  refresh(): void {
    this.sub?.requestFull();
  }

  /** Shows another user session, or another monitor of it ('' = all monitors). */
  switchSource(userSession: string, monitor = ''): void {
    this.sub?.close();
    this.generation++;
    this.userSession = userSession;
    this.monitor = monitor;
    this.width = 0; // forces screen.info and a full picture
    if (!this.closed) this.start();
  }

  close(): void {
    this.closed = true;
    this.sub?.close();
    this.sub = undefined;
  }

  private canSend(): boolean {
    return this.seq < this.ackedSeq + this.credits && this.o.sink.backlogBytes() < (this.o.maxBacklogBytes ?? 4 << 20);
  }

  private onFrame(f: CapturedFrame, dirtyRects: Rect[]): void {
    if (this.closed) return;
    if (f.width !== this.width || f.height !== this.height) this.resize(f.width, f.height);
    for (const r of dirtyRects) this.markDirty(r);
    // Still encoding the last frame, or no credits: skip this one; its dirty tiles ride along.
    if (this.encoding || !this.canSend()) {
      this.stats.framesDropped++;
      return;
    }
    const now = Date.now();
    const refreshAfter = this.o.refreshAfterMs ?? 1000;
    let refreshBudget = this.o.maxRefreshTilesPerFrame ?? 32;
    const lossless: number[] = [];
    for (let i = 0; i < this.dirty.length; i++) {
      if (this.dirty[i]) this.lossyAt[i] = now;
      else if (refreshBudget > 0 && this.lossyAt[i]! > 0 && now - this.lossyAt[i]! >= refreshAfter) {
        lossless.push(i);
        this.lossyAt[i] = 0;
        refreshBudget--;
      }
    }
    const lossyRects = this.dirtyRuns();
    this.dirty.fill(0);
    const cursor = this.cursorFrame(f.cursor);
    if (lossyRects.length === 0 && lossless.length === 0 && !cursor) return;
    const seq = ++this.seq;
    // The capture buffer is reused by the next grab: crop now, encode off the event loop after.
    const jobs = [
      ...lossyRects.map((r) => ({ r, px: cropBgrx(f.data, f.stride, r), enc: this.o.lossy })),
      ...lossless.map((i) => {
        const r = this.tileRect(i);
        return { r, px: cropBgrx(f.data, f.stride, r), enc: this.o.lossless };
      }),
    ];
    this.encoding = true;
    const quality = this.quality;
    const generation = this.generation;
    Promise.all(jobs.map((j) => j.enc.encode(j.px, j.r.w, j.r.h, quality)))
      .then((encoded) => {
        // After a switch the console has the new source's screen.info: old tiles would paint over it.
        if (this.closed || generation !== this.generation) {
          // Nothing of it was sent; its seq is given back so the credits still count exactly.
          if (this.seq === seq) this.seq--;
          this.stats.framesDropped++;
          return;
        }
        jobs.forEach((j, k) => {
          this.sendTile(seq, j.r, j.px, j.enc.encoding, encoded[k]!);
        });
        this.stats.tilesLossy += lossyRects.length;
        this.stats.tilesLossless += lossless.length;
        if (cursor) this.send(cursor);
        this.send({ type: 'frame.end', seq, captureTime: f.captureTime, tiles: jobs.length });
        this.stats.framesSent++;
      })
      .catch((err) => this.o.log.error({ err }, 'tile encoding failed'))
      .finally(() => {
        this.encoding = false;
      });
  }

  /**
   * Dirty tiles merged into horizontal runs per tile row, at most MAX_RUN_TILES wide, and runs of
   * the same span in consecutive rows stacked into one rectangle of up to MAX_BAND_ROWS rows. A full
   * 1280×720 picture is 6 JPEGs instead of 24: each one the console decodes has a fixed cost.
   */
  private dirtyRuns(): Rect[] {
    const out: Rect[] = [];
    /** Rectangles that end at the current row, by their span: they may grow downwards. */
    let open = new Map<string, Rect>();
    for (let ty = 0; ty < this.rows; ty++) {
      const next = new Map<string, Rect>();
      let tx = 0;
      while (tx < this.cols) {
        if (!this.dirty[ty * this.cols + tx]) {
          tx++;
          continue;
        }
        const start = tx;
        while (tx < this.cols && this.dirty[ty * this.cols + tx] && tx - start < MAX_RUN_TILES) tx++;
        const first = this.tileRect(ty * this.cols + start);
        const last = this.tileRect(ty * this.cols + tx - 1);
        const span = `${first.x}:${last.x + last.w}`;
        const above = open.get(span);
        if (above && above.h + first.h <= MAX_BAND_ROWS * TILE) {
          above.h += first.h;
          next.set(span, above);
        } else {
          const r = { x: first.x, y: first.y, w: last.x + last.w - first.x, h: first.h };
          out.push(r);
          next.set(span, r);
        }
      }
      open = next;
    }
    return out;
  }

  private sendTile(seq: number, r: Rect, px: Buffer, encoding: TileEncodingName, data: Buffer) {
    // Anything that would not fit a frame goes raw in 64-row strips (a 1024×64 strip is 256 KiB:
    // too big, so halve until it fits).
    if (data.length <= MAX_TILE_PAYLOAD) {
      this.send({ type: 'tile', seq, ...r, encoding, data });
      return;
    }
    const rows = Math.max(1, Math.floor(MAX_TILE_PAYLOAD / (r.w * 4)));
    for (let y = 0; y < r.h; y += rows) {
      const h = Math.min(rows, r.h - y);
      this.send({
        type: 'tile',
        seq,
        x: r.x,
        y: r.y + y,
        w: r.w,
        h,
        encoding: 'raw',
        data: px.subarray(y * r.w * 4, (y + h) * r.w * 4),
      });
    }
  }

  private cursorFrame(c: CursorState): Frame | undefined {
    const prev = this.cursorSent;
    if (prev && prev.x === c.x && prev.y === c.y && prev.visible === c.visible && prev.serial === c.shapeSerial) {
      return undefined;
    }
    const withShape = !prev || prev.serial !== c.shapeSerial;
    this.cursorSent = { x: c.x, y: c.y, visible: c.visible, serial: c.shapeSerial };
    return { type: 'cursor', x: c.x, y: c.y, visible: c.visible, shape: withShape && c.shape ? c.shape : null };
  }

  private send(f: Frame) {
    const b = encodeFrame(f);
    this.stats.bytes += b.length;
    this.o.sink.send(b);
  }

  private resize(w: number, h: number) {
    this.width = w;
    this.height = h;
    this.cols = Math.ceil(w / TILE);
    this.rows = Math.ceil(h / TILE);
    this.dirty = new Uint8Array(this.cols * this.rows);
    this.lossyAt = new Float64Array(this.cols * this.rows);
    this.cursorSent = undefined;
    this.send({ type: 'screen.info', width: w, height: h });
    this.o.onScreenInfo?.();
    this.markDirty({ x: 0, y: 0, w, h });
  }

  private markDirty(r: Rect) {
    const x0 = Math.max(0, Math.floor(r.x / TILE));
    const y0 = Math.max(0, Math.floor(r.y / TILE));
    const x1 = Math.min(this.cols - 1, Math.floor((r.x + r.w - 1) / TILE));
    const y1 = Math.min(this.rows - 1, Math.floor((r.y + r.h - 1) / TILE));
    for (let ty = y0; ty <= y1; ty++) for (let tx = x0; tx <= x1; tx++) this.dirty[ty * this.cols + tx] = 1;
  }

  private tileRect(i: number): Rect {
    const tx = i % this.cols;
    const ty = Math.floor(i / this.cols);
    const x = tx * TILE;
    const y = ty * TILE;
    return { x, y, w: Math.min(TILE, this.width - x), h: Math.min(TILE, this.height - y) };
  }
}
