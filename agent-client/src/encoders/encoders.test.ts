import { inflateRawSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { DeflateEncoder } from './deflate';
import { SharpJpegEncoder } from './sharp-jpeg';
import { cropBgrx } from './types';

// A 16×8 BGRX image: left half red, right half blue.
const w = 16;
const h = 8;
const img = Buffer.alloc(w * h * 4);
for (let y = 0; y < h; y++)
  for (let x = 0; x < w; x++) img.set(x < 8 ? [0, 0, 255, 0] : [255, 0, 0, 0], (y * w + x) * 4);

describe('tile encoders', () => {
  it('deflate is lossless for the cropped rectangle', async () => {
    const r = { x: 4, y: 2, w: 8, h: 4 };
    const crop = cropBgrx(img, w * 4, r);
    expect(crop.subarray(0, 4)).toEqual(Buffer.from([0, 0, 255, 0]));
    expect(inflateRawSync(await new DeflateEncoder().encode(crop)).equals(crop)).toBe(true);
  });

  it('jpeg decodes to the right colours (BGRX read as such)', async () => {
    const enc = await new SharpJpegEncoder().encode(cropBgrx(img, w * 4, { x: 0, y: 0, w: 8, h: 8 }), 8, 8, 90);
    const dec = jpeg.decode(enc, { useTArray: true });
    expect([dec.width, dec.height]).toEqual([8, 8]);
    const [r, g, b] = dec.data.subarray(0, 3);
    expect(r).toBeGreaterThan(200);
    expect(g).toBeLessThan(40);
    expect(b).toBeLessThan(40);
  });
});
