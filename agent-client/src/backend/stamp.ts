// A timestamp drawn into the synthetic picture as a row of black/white cells, so a receiver can
// measure capture-to-display latency from pixels alone, including through a video codec.
export const STAMP_BITS = 32;

/** Cell edge in pixels for a screen width: big enough to survive VP8 at screencast bitrates. */
export const stampCell = (width: number) => Math.max(4, Math.floor(width / 48));

export function stampRect(width: number) {
  const c = stampCell(width);
  return { x: c, y: c, w: c * STAMP_BITS, h: c };
}

const WHITE = Buffer.from([0xff, 0xff, 0xff, 0]);
const BLACK = Buffer.from([0, 0, 0, 0]);

/** Writes the low 32 bits of `ms` into a BGRX image. */
export function drawStamp(data: Buffer, stride: number, width: number, ms: number): void {
  const r = stampRect(width);
  const value = Math.floor(ms) >>> 0;
  for (let bit = 0; bit < STAMP_BITS; bit++) {
    const on = (value >>> (STAMP_BITS - 1 - bit)) & 1;
    const x0 = r.x + bit * r.h;
    for (let y = r.y; y < r.y + r.h; y++) {
      const off = y * stride + x0 * 4;
      data.fill(on ? WHITE : BLACK, off, off + r.h * 4);
    }
  }
}

/** Reads the stamp from luma samples (an I420 Y plane, or any 8-bit grey image). */
export function readStampLuma(y: ArrayLike<number>, stride: number, width: number, nowMs = Date.now()): number {
  const r = stampRect(width);
  let value = 0;
  for (let bit = 0; bit < STAMP_BITS; bit++) {
    const cx = r.x + bit * r.h + (r.h >> 1);
    const cy = r.y + (r.h >> 1);
    value = (value << 1) | ((y[cy * stride + cx] ?? 0) > 128 ? 1 : 0);
  }
  return unwrap(value >>> 0, nowMs);
}

/** Reads the stamp from BGRX pixels. */
export function readStampBgrx(data: Buffer, stride: number, width: number, nowMs = Date.now()): number {
  const r = stampRect(width);
  let value = 0;
  for (let bit = 0; bit < STAMP_BITS; bit++) {
    const cx = r.x + bit * r.h + (r.h >> 1);
    const cy = r.y + (r.h >> 1);
    value = (value << 1) | ((data[cy * stride + cx * 4 + 1] ?? 0) > 128 ? 1 : 0);
  }
  return unwrap(value >>> 0, nowMs);
}

/** Restores the high bits from the receiver's clock (valid while clocks agree within ~24 days). */
function unwrap(low32: number, nowMs: number): number {
  const span = 2 ** 32;
  const base = nowMs - (nowMs % span);
  let t = base + low32;
  if (t - nowMs > span / 2) t -= span;
  else if (nowMs - t > span / 2) t += span;
  return t;
}
