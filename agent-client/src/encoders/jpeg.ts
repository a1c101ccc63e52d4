// The JPEG tile encoder the agent uses: libturbojpeg when the system has it (fast per tile, reads
// BGRX directly), else sharp (bundled with its npm package; ~1 ms fixed cost per call). The
// libturbojpeg encoder is synchronous, so one instance serves every session.
import { SharpJpegEncoder } from './sharp-jpeg';
import { TurboJpegEncoder } from './turbojpeg';
import type { TileEncoder } from './types';

let shared: TileEncoder | undefined;

export function createJpegEncoder(): TileEncoder {
  if (shared) return shared;
  try {
    shared = new TurboJpegEncoder();
  } catch {
    shared = new SharpJpegEncoder();
  }
  return shared;
}
