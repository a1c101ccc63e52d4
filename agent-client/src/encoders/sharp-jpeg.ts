// JPEG with sharp (libvips + libjpeg-turbo/mozjpeg, prebuilt inside its npm package): it runs on
// libvips' threads, so encoding does not block the event loop. Its ~1 ms fixed cost per call is why
// the streamer merges dirty tiles into wide rectangles instead of encoding 64×64 tiles one by one.
import sharp from 'sharp';
import type { TileEncoder } from './types';

export class SharpJpegEncoder implements TileEncoder {
  readonly encoding = 'jpeg' as const;

  async encode(bgrx: Buffer, w: number, h: number, quality: number): Promise<Buffer> {
    // BGRX → RGB in place of a copy sharp would make anyway; the X byte is padding, not alpha.
    const rgb = Buffer.allocUnsafe(w * h * 3);
    for (let i = 0, o = 0; i < bgrx.length; i += 4, o += 3) {
      rgb[o] = bgrx[i + 2]!;
      rgb[o + 1] = bgrx[i + 1]!;
      rgb[o + 2] = bgrx[i]!;
    }
    return sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
      .jpeg({ quality, chromaSubsampling: quality >= 90 ? '4:4:4' : '4:2:0' })
      .toBuffer();
  }
}
