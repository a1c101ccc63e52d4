// The pointer as the console draws it, apart from the picture (a screen grab never contains the
// cursor): XFixes tells when the shape changes, and only then is the image fetched. The position
// costs a round trip (XQueryPointer), so with XInput 2 it is only asked after a raw motion event
// (and once a second, for warps, which raise none); without XInput 2, on every grab.
import type { CursorState } from '../types';
import type { XConnection } from './display';
import { X11Error } from './errors';
import { isNull, koffi, type Ptr, X, Xfixes, Xi } from './native';

const XFixesDisplayCursorNotifyMask = 1;
const XFixesCursorNotify = 1;
const GenericEvent = 35;
const XI_RawMotion = 17;
const XIAllMasterDevices = 1;
const REQUERY_MS = 1000;

/** Selects XI2 raw motion on the root; calls `onMove` per event. Undefined without XInput 2. */
function watchRawMotion(conn: XConnection, onMove: () => void): (() => void) | undefined {
  try {
    const q = Buffer.alloc(12);
    if (!X().XQueryExtension(conn.dpy, 'XInputExtension', q.subarray(0, 4), q.subarray(4, 8), q.subarray(8))) return;
    const opcode = q.readInt32LE(0);
    const ver = Buffer.alloc(8);
    ver.writeInt32LE(2, 0);
    if ((Xi().XIQueryVersion(conn.dpy, ver.subarray(0, 4), ver.subarray(4)) as number) !== 0) return;
    const bits = Buffer.alloc(4);
    bits[XI_RawMotion >> 3] = 1 << (XI_RawMotion & 7);
    Xi().XISelectEvents(conn.dpy, conn.root, { deviceid: XIAllMasterDevices, mask_len: bits.length, mask: bits }, 1);
    conn.sync();
    // XGenericEvent: int extension @32, int evtype @36.
    return conn.on(GenericEvent, (ev) => {
      if (ev.readInt32LE(32) === opcode && ev.readInt32LE(36) === XI_RawMotion) onMove();
    });
  } catch {
    // No libxi6: every grab asks where the pointer is.
    return undefined;
  }
}

export class CursorTracker {
  private serial = 0;
  private shape: CursorState['shape'];
  private stale = true;
  private readonly out = Buffer.alloc(8 * 8);
  private readonly off: () => void;
  private readonly offMotion: (() => void) | undefined;
  private moved = true;
  private queriedAt = 0;
  private pos = { ok: false, x: 0, y: 0 };

  constructor(private readonly conn: XConnection) {
    const base = Buffer.alloc(8);
    if (!Xfixes().XFixesQueryExtension(conn.dpy, base.subarray(0, 4), base.subarray(4, 8))) {
      throw new X11Error('no_extension', `${conn.name} lacks XFixes`);
    }
    // XFixes needs its version negotiated before its requests are accepted.
    const ver = Buffer.from([5, 0, 0, 0, 0, 0, 0, 0]);
    Xfixes().XFixesQueryVersion(conn.dpy, ver.subarray(0, 4), ver.subarray(4, 8));
    const eventBase = base.readInt32LE(0);
    Xfixes().XFixesSelectCursorInput(conn.dpy, conn.root, XFixesDisplayCursorNotifyMask);
    this.off = conn.on(eventBase + XFixesCursorNotify, () => {
      this.stale = true;
    });
    this.offMotion = watchRawMotion(conn, () => {
      this.moved = true;
    });
  }

  /** The agent moved the pointer itself: the next read asks, without waiting for the event. */
  markMoved(): void {
    this.moved = true;
  }

  /** The pointer relative to a region of the root; invisible outside it. */
  read(rx: number, ry: number, rw: number, rh: number): CursorState {
    const now = Date.now();
    if (!this.offMotion || this.moved || now - this.queriedAt >= REQUERY_MS) {
      this.moved = false;
      this.queriedAt = now;
      const o = this.out;
      // root_return, child_return (Window), root_x, root_y, win_x, win_y (int), mask (uint).
      const ok = X().XQueryPointer(
        this.conn.dpy,
        this.conn.root,
        o.subarray(0, 8),
        o.subarray(8, 16),
        o.subarray(16, 20),
        o.subarray(20, 24),
        o.subarray(24, 28),
        o.subarray(28, 32),
        o.subarray(32, 36),
      ) as number;
      this.pos = { ok: ok !== 0, x: o.readInt32LE(16), y: o.readInt32LE(20) };
    }
    if (this.stale) this.fetchShape();
    const x = this.pos.x - rx;
    const y = this.pos.y - ry;
    const inside = this.pos.ok && x >= 0 && y >= 0 && x < rw && y < rh;
    return { x, y, visible: inside, shapeSerial: this.serial, shape: this.shape };
  }

  private fetchShape() {
    this.stale = false;
    const p: Ptr = Xfixes().XFixesGetCursorImage(this.conn.dpy);
    if (isNull(p)) return;
    try {
      // XFixesCursorImage (LP64): short x, y; ushort width, height, xhot, yhot; ulong serial @16;
      // ulong *pixels @24 (one ARGB, premultiplied, per long).
      const head = Buffer.from(koffi.view(p, 32));
      const w = head.readUInt16LE(4);
      const h = head.readUInt16LE(6);
      const hotX = head.readUInt16LE(8);
      const hotY = head.readUInt16LE(10);
      const serial = Number(head.readBigUInt64LE(16));
      if (w === 0 || h === 0 || w > 128 || h > 128) return; // bigger shapes would not fit a frame
      const pixPtr = koffi.decode(p, 24, 'void*');
      const px = Buffer.from(koffi.view(pixPtr, w * h * 8));
      const rgba = Buffer.allocUnsafe(w * h * 4);
      for (let i = 0; i < w * h; i++) {
        const v = px.readUInt32LE(i * 8);
        const a = v >>> 24;
        // Premultiplied → straight alpha, as the console's canvas expects.
        const un = (c: number) => (a === 0 ? 0 : Math.min(255, Math.round((c * 255) / a)));
        rgba[i * 4] = un((v >>> 16) & 0xff);
        rgba[i * 4 + 1] = un((v >>> 8) & 0xff);
        rgba[i * 4 + 2] = un(v & 0xff);
        rgba[i * 4 + 3] = a;
      }
      this.serial = serial;
      this.shape = { w, h, hotX, hotY, rgba };
    } finally {
      X().XFree(p);
    }
  }

  close(): void {
    this.off();
    this.offMotion?.();
  }
}
