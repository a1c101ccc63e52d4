// Lossless tiles: BGRX rows compressed with raw deflate (level 1: desktop pixels compress well and
// the refresh must stay cheap). Used for the periodic lossless refresh of still regions.
import { promisify } from 'node:util';
import { deflateRaw } from 'node:zlib';
import type { TileEncoder } from './types';

const deflateRawAsync = promisify(deflateRaw);

export class DeflateEncoder implements TileEncoder {
  readonly encoding = 'deflate' as const;
  encode(bgrx: Buffer): Promise<Buffer> {
    return deflateRawAsync(bgrx, { level: 1 });
  }
}
