// Mouse and keyboard from the remote view to the agent. Pointer positions are in the remote
// picture's pixels (the element may be scaled); buttons are the DOM's `buttons` mask, which the
// protocol shares; the wheel goes as notches (positive: down/right). Keys go as both `code` (the
// physical key, for layouts that differ) and `key` (the character), and the browser's own handling
// is suppressed while the view has focus, so Tab, F5 or Ctrl+W act on the remote desktop;
// Ctrl+Alt+Shift gives the keyboard back to the console.
import { type Frame, Modifier } from '@rc-relay/protocol';

export type SendInput = (f: Frame) => void;

function modifiers(e: KeyboardEvent | MouseEvent): number {
  return (
    (e.shiftKey ? Modifier.shift : 0) |
    (e.ctrlKey ? Modifier.ctrl : 0) |
    (e.altKey ? Modifier.alt : 0) |
    (e.metaKey ? Modifier.meta : 0)
  );
}

/** Wheel delta in notches: lines and pages as they are, pixels per 100 (a common notch). */
function notches(delta: number, mode: number): number {
  if (delta === 0) return 0;
  const n = mode === WheelEvent.DOM_DELTA_PIXEL ? delta / 100 : delta;
  const r = Math.round(n);
  return Math.max(-100, Math.min(100, r === 0 ? Math.sign(delta) : r));
}

export class InputCapture {
  /** Keys held down on the remote side, released when the view loses focus. */
  private readonly held = new Map<string, string>();
  private buttons = 0;
  private last = { x: 0, y: 0 };
  private readonly off: (() => void)[] = [];
  enabled = true;

  constructor(
    private readonly target: HTMLElement,
    private readonly size: () => { width: number; height: number },
    private readonly send: SendInput,
    /** Ctrl+Alt+Shift, pressed together: the way out of the view for the keyboard (see `key`). */
    private readonly release: () => void = () => {},
  ) {
    const on = <K extends keyof HTMLElementEventMap>(type: K, fn: (e: HTMLElementEventMap[K]) => void) => {
      target.addEventListener(type, fn as EventListener, { passive: false });
      this.off.push(() => target.removeEventListener(type, fn as EventListener));
    };
    on('pointermove', (e) => this.pointer(e));
    on('pointerdown', (e) => {
      target.focus();
      target.setPointerCapture(e.pointerId);
      this.pointer(e);
    });
    on('pointerup', (e) => this.pointer(e));
    on('contextmenu', (e) => e.preventDefault());
    on('auxclick', (e) => e.preventDefault());
    on('wheel', (e) => {
      e.preventDefault();
      if (!this.enabled) return;
      const p = this.position(e);
      this.send({
        type: 'pointer',
        ...p,
        buttons: this.buttons,
        wheelX: notches(e.deltaX, e.deltaMode),
        wheelY: notches(e.deltaY, e.deltaMode),
      });
    });
    on('keydown', (e) => this.key(e, true));
    on('keyup', (e) => this.key(e, false));
    on('blur', () => this.releaseAll());
  }

  /** Sends a key chord the browser or the local OS would swallow (Ctrl+Alt+Del, Alt+Tab, Super). */
  chord(keys: { code: string; key: string }[]): void {
    if (!this.enabled) return;
    let mods = 0;
    for (const k of keys) {
      mods |= modifierOf(k.code);
      this.send({ type: 'key', code: k.code, key: k.key, down: true, modifiers: mods });
    }
    for (const k of [...keys].reverse()) {
      mods &= ~modifierOf(k.code);
      this.send({ type: 'key', code: k.code, key: k.key, down: false, modifiers: mods });
    }
  }

  releaseAll(): void {
    for (const [code, key] of this.held) this.send({ type: 'key', code, key, down: false, modifiers: 0 });
    this.held.clear();
    if (this.buttons) {
      this.buttons = 0;
      this.send({ type: 'pointer', ...this.last, buttons: 0, wheelX: 0, wheelY: 0 });
    }
  }

  dispose(): void {
    for (const f of this.off) f();
  }

  private position(e: MouseEvent): { x: number; y: number } {
    const r = this.target.getBoundingClientRect();
    const { width, height } = this.size();
    if (!r.width || !r.height) return this.last;
    const x = Math.floor(((e.clientX - r.left) * width) / r.width);
    const y = Math.floor(((e.clientY - r.top) * height) / r.height);
    this.last = { x: Math.max(0, Math.min(width - 1, x)), y: Math.max(0, Math.min(height - 1, y)) };
    return this.last;
  }

  private pointer(e: PointerEvent) {
    if (e.type !== 'pointermove') e.preventDefault();
    if (!this.enabled) return;
    this.buttons = e.buttons & 0x1f;
    this.send({ type: 'pointer', ...this.position(e), buttons: this.buttons, wheelX: 0, wheelY: 0 });
  }

  private key(e: KeyboardEvent, down: boolean) {
    // Keep the browser's hands off every key while the remote view has focus.
    e.preventDefault();
    e.stopPropagation();
    // Tab and Escape belong to the remote desktop here, so Ctrl+Alt+Shift (the three modifiers and
    // nothing else) hands the keyboard back to the console; leaving the view releases what was held.
    if (down && e.ctrlKey && e.altKey && e.shiftKey && modifierOf(e.code) !== 0) {
      this.release();
      return;
    }
    if (!this.enabled || e.isComposing) return;
    if (down) this.held.set(e.code, e.key);
    else if (!this.held.delete(e.code)) return; // an up without its down (focus came mid-press)
    this.send({ type: 'key', code: e.code, key: e.key, down, modifiers: modifiers(e) });
  }
}

function modifierOf(code: string): number {
  if (code.startsWith('Shift')) return Modifier.shift;
  if (code.startsWith('Control')) return Modifier.ctrl;
  if (code.startsWith('Alt')) return Modifier.alt;
  if (code.startsWith('Meta')) return Modifier.meta;
  return 0;
}

export const CHORDS: Record<string, { label: string; keys: { code: string; key: string }[] }> = {
  cad: {
    label: 'Ctrl+Alt+Del',
    keys: [
      { code: 'ControlLeft', key: 'Control' },
      { code: 'AltLeft', key: 'Alt' },
      { code: 'Delete', key: 'Delete' },
    ],
  },
  super: { label: 'Super', keys: [{ code: 'MetaLeft', key: 'Meta' }] },
  alttab: {
    label: 'Alt+Tab',
    keys: [
      { code: 'AltLeft', key: 'Alt' },
      { code: 'Tab', key: 'Tab' },
    ],
  },
};
