// A synthetic desktop that answers clicks: every left-button press flips a patch in the lower-left
// corner between two colours, as an app repainting a button would. The console benchmark measures
// click → repaint → painted in the browser against it.
import { SyntheticBackend, type SyntheticOptions } from '../../../agent-client/src/backend/synthetic';
import type { CaptureSource, InputEvent } from '../../../agent-client/src/backend/types';

export const PATCH = { x: 16, w: 64, h: 64 };
/** BGRX colours of the patch: dark blue before the first click, then yellow / dark blue. */
const COLOURS = [Buffer.from([0x80, 0x10, 0x10, 0]), Buffer.from([0x10, 0xe0, 0xf0, 0])];

export class ClickBackend extends SyntheticBackend {
  private state = 0;
  private wasDown = false;

  constructor(opts: SyntheticOptions) {
    super(opts);
  }

  override injectInput(session: string, event: InputEvent): void {
    super.injectInput(session, event);
    if (event.type !== 'pointer') return;
    const down = (event.buttons & 1) === 1;
    if (down && !this.wasDown) this.state ^= 1;
    this.wasDown = down;
  }

  override openCapture(userSessionId: string): CaptureSource {
    const inner = super.openCapture(userSessionId);
    const backend = this;
    return {
      width: inner.width,
      height: inner.height,
      grab() {
        const f = inner.grab();
        const y0 = f.height - PATCH.h - 16;
        const colour = COLOURS[backend.state]!;
        for (let y = y0; y < y0 + PATCH.h; y++) {
          const off = y * f.stride + PATCH.x * 4;
          for (let x = 0; x < PATCH.w; x++) colour.copy(f.data, off + x * 4);
        }
        // Always dirty: the moving box may have crossed the patch as well as the click changing it.
        f.dirty.push({ x: PATCH.x, y: y0, w: PATCH.w, h: PATCH.h });
        return f;
      },
      close: () => inner.close(),
    };
  }
}
