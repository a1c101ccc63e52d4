// Rectangle encoders for the LAN screen stream. The JPEG one is swappable: the X11 backend's issue
// can plug libturbojpeg (FINDINGS: 0.04 ms per 64×64 tile straight from BGRX) in here.
import type { TileEncodingName } from '@rc-relay/protocol';
import type { Rect } from '../backend/types';

export interface TileEncoder {
  readonly encoding: TileEncodingName;
  /**
   * Encodes packed BGRX pixels (w*h*4 bytes, rows without padding) that the caller no longer
   * touches. `quality` is 1–100 and ignored by lossless encoders.
   */
  encode(bgrx: Buffer, w: number, h: number, quality: number): Promise<Buffer>;
}

/** Copies a rectangle out of a BGRX image into tightly packed rows (the source buffer is reused). */
export function cropBgrx(bgrx: Buffer, stride: number, r: Rect): Buffer {
  const out = Buffer.allocUnsafe(r.w * r.h * 4);
  for (let y = 0; y < r.h; y++) {
    const src = (r.y + y) * stride + r.x * 4;
    bgrx.copy(out, y * r.w * 4, src, src + r.w * 4);
  }
  return out;
}
