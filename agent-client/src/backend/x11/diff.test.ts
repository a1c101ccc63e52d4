import { describe, expect, it } from 'vitest';
import { diffTiles } from './diff';

const W = 200;
const H = 130;
const STRIDE = W * 4 + 32; // rows padded, as an XImage may be
const blank = () => Buffer.alloc(STRIDE * H);
const poke = (b: Buffer, x: number, y: number) => {
  const i = y * STRIDE + x * 4 + 1;
  b[i] = (b[i] ?? 0) ^ 0xff;
};
const whole = [{ x: 0, y: 0, w: W, h: H }];

describe('scanline diff into 64×64 tiles', () => {
  it('finds nothing in equal images, even where the row padding differs', () => {
    const a = blank();
    const b = blank();
    b[W * 4 + 5] = 9; // padding byte of row 0
    expect(diffTiles(a, b, W, H, STRIDE, whole)).toEqual([]);
  });

  it.each([
    ['top-left pixel', [[0, 0]], [{ x: 0, y: 0, w: 64, h: 64 }]],
    ['last pixel (edge tiles are clipped)', [[199, 129]], [{ x: 192, y: 128, w: 8, h: 2 }]],
    [
      'two neighbours merge into one run',
      [
        [63, 10],
        [64, 10],
      ],
      [{ x: 0, y: 0, w: 128, h: 64 }],
    ],
    [
      'two rows of tiles',
      [
        [100, 63],
        [100, 64],
      ],
      [
        { x: 64, y: 0, w: 64, h: 64 },
        { x: 64, y: 64, w: 64, h: 64 },
      ],
    ],
  ])('%s', (_name, pixels, want) => {
    const a = blank();
    const b = blank();
    for (const [x, y] of pixels as number[][]) poke(b, x!, y!);
    expect(diffTiles(b, a, W, H, STRIDE, whole)).toEqual(want);
  });

  it('only looks inside the hinted areas', () => {
    const a = blank();
    const b = blank();
    poke(b, 10, 10);
    poke(b, 150, 100);
    expect(diffTiles(b, a, W, H, STRIDE, [{ x: 140, y: 90, w: 20, h: 20 }])).toEqual([{ x: 128, y: 64, w: 64, h: 64 }]);
    // Areas reaching outside the image are clipped, not trusted.
    expect(diffTiles(b, a, W, H, STRIDE, [{ x: -50, y: -50, w: 1000, h: 1000 }])).toHaveLength(2);
  });
});
