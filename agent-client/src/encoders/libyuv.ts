// BGRX → I420 with libyuv (Debian libyuv0) through koffi. libyuv's "ARGB" is little-endian ARGB
// words, i.e. B, G, R, A bytes in memory: exactly our BGRX, so the capture buffer is read in place
// with its stride, no swizzle and no copy (~1–2 ms for 1080p).
import { loadLib } from '../backend/x11/native';

type ArgbToI420 = (
  src: Uint8Array,
  srcStride: number,
  y: Uint8Array | Uint8ClampedArray,
  yStride: number,
  u: Uint8Array | Uint8ClampedArray,
  uStride: number,
  v: Uint8Array | Uint8ClampedArray,
  vStride: number,
  w: number,
  h: number,
) => number;

let fn: ArgbToI420 | null | undefined;

/** The libyuv converter, or null when libyuv0 is not installed (callers fall back to their own). */
export function libyuvArgbToI420(): ArgbToI420 | null {
  if (fn !== undefined) return fn;
  try {
    fn = loadLib('libyuv.so.0').func(
      'int ARGBToI420(const uint8_t*, int, uint8_t*, int, uint8_t*, int, uint8_t*, int, int, int)',
    ) as ArgbToI420;
  } catch {
    fn = null;
  }
  return fn;
}

/** Converts a w×h BGRX picture (even w and h) into a packed I420 buffer of w*h*3/2 bytes. */
export function bgrxToI420(
  src: Buffer,
  stride: number,
  w: number,
  h: number,
  out: Uint8Array | Uint8ClampedArray,
): boolean {
  const f = libyuvArgbToI420();
  if (!f) return false;
  const ySize = w * h;
  const cSize = (w >> 1) * (h >> 1);
  const y = out.subarray(0, ySize);
  const u = out.subarray(ySize, ySize + cSize);
  const v = out.subarray(ySize + cSize, ySize + 2 * cSize);
  return f(src, stride, y, w, u, w >> 1, v, w >> 1, w, h) === 0;
}
