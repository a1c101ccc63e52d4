// BGRX capture → I420 for RTCVideoSource (it takes I420 only). With the system's libyuv the capture
// buffer is converted in place (no swizzle, no copy). Without it, libyuv inside wrtc converts RGBA:
// the BGRX → RGBA swap is done in JS, but only over dirty regions into a mirror kept per viewer,
// so a mostly still screen costs the libyuv pass (~4.6 ms at 1080p) and little else.
import type { CapturedFrame, Rect } from '../../backend/types';
import { bgrxToI420 } from '../../encoders/libyuv';
import { type I420Frame, wrtc } from './wrtc';

export class I420Converter {
  private rgba: Uint8ClampedArray = new Uint8ClampedArray(0);
  private rgba32: Uint32Array = new Uint32Array(0);
  private i420: Uint8ClampedArray = new Uint8ClampedArray(0);
  private width = 0;
  private height = 0;

  /** Converts; the returned frame's buffer is reused by the next call. */
  convert(f: CapturedFrame, dirty: Rect[]): I420Frame {
    // I420 needs even dimensions; an odd last column/row is cut (invisible on real screens).
    const w = f.width & ~1;
    const h = f.height & ~1;
    if (w !== this.width || h !== this.height) {
      this.width = w;
      this.height = h;
      this.rgba = new Uint8ClampedArray(w * h * 4);
      this.rgba32 = new Uint32Array(this.rgba.buffer);
      this.i420 = new Uint8ClampedArray((w * h * 3) / 2);
      dirty = [{ x: 0, y: 0, w, h }];
    }
    if (bgrxToI420(f.data, f.stride, w, h, this.i420)) return { width: w, height: h, data: this.i420 };
    // A typed-array view needs 4-byte alignment; a backend buffer that lacks it is copied once.
    const data = f.data.byteOffset % 4 === 0 ? f.data : Buffer.from(f.data);
    const src = new Uint32Array(data.buffer, data.byteOffset, data.length >> 2);
    const srcStride = f.stride >> 2;
    for (const r of dirty) {
      const x1 = Math.min(r.x + r.w, w);
      const y1 = Math.min(r.y + r.h, h);
      for (let y = r.y; y < y1; y++) {
        let si = y * srcStride + r.x;
        let di = y * w + r.x;
        for (let x = r.x; x < x1; x++, si++, di++) {
          const v = src[si]!;
          // Little-endian BGRX word → RGBA word: swap bytes 0 and 2, force alpha opaque.
          this.rgba32[di] = (v & 0x0000ff00) | ((v & 0xff) << 16) | ((v >>> 16) & 0xff) | 0xff000000;
        }
      }
    }
    const out = { width: w, height: h, data: this.i420 };
    wrtc().nonstandard.rgbaToI420({ width: w, height: h, data: this.rgba }, out);
    return out;
  }
}
