import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { bgrxToI420 } from './libyuv';
import { TurboJpegEncoder } from './turbojpeg';

// 16×8 BGRX: left half red, right half blue, the X byte set to garbage (it must be ignored).
const w = 16;
const h = 8;
const img = Buffer.alloc(w * h * 4);
for (let y = 0; y < h; y++)
  for (let x = 0; x < w; x++) img.set(x < 8 ? [0, 0, 255, 0x5a] : [255, 0, 0, 0xa5], (y * w + x) * 4);

describe('libturbojpeg encoder', () => {
  it('encodes BGRX straight, with a stride, to the right colours', () => {
    const enc = new TurboJpegEncoder();
    // The right half only, read in place through the full image's stride.
    const out = enc.encodeSync(img.subarray(8 * 4), w * 4, 8, 8, 90);
    const dec = jpeg.decode(out, { useTArray: true });
    expect([dec.width, dec.height]).toEqual([8, 8]);
    const [r, g, b] = dec.data.subarray(0, 3);
    expect(b).toBeGreaterThan(200);
    expect(r).toBeLessThan(40);
    expect(g).toBeLessThan(40);
    // Bigger pictures after small ones reuse and grow the output buffer.
    const big = Buffer.alloc(512 * 512 * 4, 0x80);
    expect(jpeg.decode(enc.encodeSync(big, 512 * 4, 512, 512, 50)).width).toBe(512);
    expect(jpeg.decode(enc.encodeSync(img, w * 4, w, h, 70)).width).toBe(16);
    enc.close();
    enc.close();
  });
});

describe('libyuv BGRX → I420', () => {
  it('gives BT.601 studio-range luma for red and blue', () => {
    const out = new Uint8Array((w * h * 3) / 2);
    expect(bgrxToI420(img, w * 4, w, h, out)).toBe(true);
    // BT.601: Y(red) = 16 + 0.257*255 ≈ 82, Y(blue) = 16 + 0.098*255 ≈ 41.
    expect(Math.abs(out[0]! - 82)).toBeLessThanOrEqual(2);
    expect(Math.abs(out[15]! - 41)).toBeLessThanOrEqual(2);
    // V (Cr) is high for red, U (Cb) high for blue.
    const u = out.subarray(w * h, w * h + (w / 2) * (h / 2));
    const v = out.subarray(w * h + (w / 2) * (h / 2));
    expect(v[0]!).toBeGreaterThan(200);
    expect(u[7]!).toBeGreaterThan(200);
  });
});
