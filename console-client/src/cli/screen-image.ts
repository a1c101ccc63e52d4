// Builds a still picture from the LAN screen stream: tiles (JPEG, raw or deflated BGRX) painted
// onto an RGB canvas in arrival order, finished once every 64×64 cell has been painted since the
// last reset. sharp decodes JPEG and writes the PNG (it is already how the agent encodes tiles).
import { promisify } from 'node:util';
import { inflateRaw } from 'node:zlib';
import type { FrameOf } from '@rc-relay/protocol';
import sharp from 'sharp';

const inflateRawAsync = promisify(inflateRaw);
const CELL = 64;

export class ScreenImage {
  private rgb = Buffer.alloc(0);
  private covered = new Uint8Array(0);
  private cols = 0;
  width = 0;
  height = 0;
  /** Tiles are decoded asynchronously but painted strictly in the order they arrived. */
  private painting: Promise<void> = Promise.resolve();

  resize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.rgb = Buffer.alloc(width * height * 3);
    this.cols = Math.ceil(width / CELL);
    this.covered = new Uint8Array(this.cols * Math.ceil(height / CELL));
  }

  /** Forgets which cells are painted (the pixels stay): completeness is counted from here. */
  resetCoverage(): void {
    this.covered.fill(0);
  }

  paint(t: FrameOf<'tile'>): void {
    const decoded = decodeTile(t);
    this.painting = this.painting.then(async () => {
      const { rgb, channels } = await decoded;
      if (t.x + t.w > this.width || t.y + t.h > this.height) throw new Error('tile outside the screen');
      for (let row = 0; row < t.h; row++) {
        const dst = ((t.y + row) * this.width + t.x) * 3;
        if (channels === 3) rgb.copy(this.rgb, dst, row * t.w * 3, (row + 1) * t.w * 3);
        else {
          // BGRX → RGB; the fourth byte is padding.
          for (let x = 0, s = row * t.w * 4, d = dst; x < t.w; x++, s += 4, d += 3) {
            this.rgb[d] = rgb[s + 2]!;
            this.rgb[d + 1] = rgb[s + 1]!;
            this.rgb[d + 2] = rgb[s]!;
          }
        }
      }
      for (let cy = Math.floor(t.y / CELL); cy * CELL < t.y + t.h; cy++)
        for (let cx = Math.floor(t.x / CELL); cx * CELL < t.x + t.w; cx++) {
          // A cell counts once a tile covers it whole (or up to the screen edge).
          const full =
            t.x <= cx * CELL &&
            t.y <= cy * CELL &&
            t.x + t.w >= Math.min((cx + 1) * CELL, this.width) &&
            t.y + t.h >= Math.min((cy + 1) * CELL, this.height);
          if (full) this.covered[cy * this.cols + cx] = 1;
        }
    });
  }

  /** Resolves once the tiles received so far are painted; true when every cell is. */
  async complete(): Promise<boolean> {
    await this.painting;
    return this.width > 0 && this.covered.every((c) => c === 1);
  }

  async png(): Promise<Buffer> {
    await this.painting;
    return sharp(this.rgb, { raw: { width: this.width, height: this.height, channels: 3 } })
      .png()
      .toBuffer();
  }
}

async function decodeTile(t: FrameOf<'tile'>): Promise<{ rgb: Buffer; channels: 3 | 4 }> {
  switch (t.encoding) {
    case 'jpeg': {
      const { data, info } = await sharp(t.data).removeAlpha().toColourspace('srgb').raw().toBuffer({
        resolveWithObject: true,
      });
      if (info.width !== t.w || info.height !== t.h || info.channels !== 3) throw new Error('JPEG tile size mismatch');
      return { rgb: data, channels: 3 };
    }
    case 'raw':
      return { rgb: t.data, channels: 4 };
    case 'deflate': {
      const bgrx = await inflateRawAsync(t.data, { maxOutputLength: t.w * t.h * 4 });
      if (bgrx.length !== t.w * t.h * 4) throw new Error('deflated tile size mismatch');
      return { rgb: bgrx, channels: 4 };
    }
  }
}
