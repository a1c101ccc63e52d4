// The check behind XDamage's hints: which 64×64 tiles of two BGRX images really differ. Rows are
// compared natively (Buffer.compare on row slices, memcmp underneath); only a row that differs is
// compared again tile by tile. An unchanged 1080p image costs ~1 ms, and only the hinted rows are read.
import type { Rect } from '../types';

export const DIFF_TILE = 64;

/**
 * Compares `cur` with `prev` (same size and stride) inside `areas` and returns the changed tiles,
 * merged into horizontal runs per tile row. Areas are clipped to the image.
 */
export function diffTiles(
  cur: Buffer,
  prev: Buffer,
  width: number,
  height: number,
  stride: number,
  areas: Rect[],
): Rect[] {
  const cols = Math.ceil(width / DIFF_TILE);
  const rows = Math.ceil(height / DIFF_TILE);
  const dirty = new Uint8Array(cols * rows);
  for (const a of areas) {
    const x0 = Math.max(0, Math.floor(a.x / DIFF_TILE));
    const x1 = Math.min(cols, Math.ceil((a.x + a.w) / DIFF_TILE));
    const y0 = Math.max(0, a.y);
    const y1 = Math.min(height, a.y + a.h);
    if (x1 <= x0 || y1 <= y0) continue;
    const bx0 = x0 * DIFF_TILE * 4;
    const bx1 = Math.min(width, x1 * DIFF_TILE) * 4;
    for (let y = y0; y < y1; y++) {
      const row = y * stride;
      const ty = (y / DIFF_TILE) | 0;
      if (cur.compare(prev, row + bx0, row + bx1, row + bx0, row + bx1) === 0) continue;
      for (let tx = x0; tx < x1; tx++) {
        const i = ty * cols + tx;
        if (dirty[i]) continue;
        const s = row + tx * DIFF_TILE * 4;
        const e = row + Math.min(width, (tx + 1) * DIFF_TILE) * 4;
        if (cur.compare(prev, s, e, s, e) !== 0) dirty[i] = 1;
      }
    }
  }
  const out: Rect[] = [];
  for (let ty = 0; ty < rows; ty++) {
    let tx = 0;
    while (tx < cols) {
      if (!dirty[ty * cols + tx]) {
        tx++;
        continue;
      }
      const start = tx;
      while (tx < cols && dirty[ty * cols + tx]) tx++;
      const x = start * DIFF_TILE;
      const y = ty * DIFF_TILE;
      out.push({ x, y, w: Math.min(width, tx * DIFF_TILE) - x, h: Math.min(height, y + DIFF_TILE) - y });
    }
  }
  return out;
}
