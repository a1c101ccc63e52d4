// Input through XTest. Characters are typed by keysym: the keycode (and Shift/AltGr level) that
// produces it on the device's current layout is looked up, the modifiers are fitted around the press
// and restored after; a character the layout lacks is put on a spare keycode that stays mapped
// (reverting it at once makes clients read the key with the old mapping, which is why `xdotool type`
// loses non-ASCII text). Pointer buttons follow the DOM's `buttons` mask; the wheel is 120 per notch.
import type { InputEvent } from '../types';
import type { XConnection } from './display';
import { X11Error } from './errors';
import { keysymFor, MODIFIER_KEYSYMS, XK_ISO_Level3_Shift, XK_Mode_switch, XK_Shift_L } from './keysyms';
import { decodeLongs, isNull, X, Xtst } from './native';

/** DOM `buttons` bit → X button number. */
const BUTTONS: [number, number][] = [
  [1, 1],
  [2, 3],
  [4, 2],
  [8, 8],
  [16, 9],
];
const SHIFT_SYMS = new Set([0xffe1, 0xffe2]);
const LEVEL3_SYMS = new Set([XK_ISO_Level3_Shift, XK_Mode_switch]);
const MappingNotify = 34;
const WHEEL_NOTCH = 120;
/**
 * A spare keycode is re-mapped only this long after its last press: a client reads a key press with
 * the mapping current when it processes the event, so re-mapping sooner can change a queued letter.
 */
const SPARE_REUSE_MS = 250;
const MAX_QUEUE = 1000;

interface Place {
  keycode: number;
  /** Index in the core keyboard mapping: 0 plain, 1 Shift, 4 AltGr, 5 AltGr+Shift. */
  index: number;
}

export class XTestInput {
  private places = new Map<number, Place>();
  private symsOf = new Map<number, number>();
  private perKeycode = 0;
  private spares: number[] = [];
  /** Spare keycodes in use, least recently used first, with the keysym each carries. */
  private spareUse = new Map<number, number>();
  private stale = true;
  /** Keycodes held down by the console, by the `code` that pressed them. */
  private readonly down = new Map<string, number>();
  private buttons = 0;
  private wheelAcc = { x: 0, y: 0 };
  private readonly queue: InputEvent[] = [];
  private retry: NodeJS.Timeout | undefined;
  /** When each spare keycode was last pressed. */
  private readonly spareUsedAt = new Map<number, number>();
  private readonly offMapping: () => void;

  constructor(private readonly conn: XConnection) {
    const b = Buffer.alloc(16);
    if (!Xtst().XTestQueryExtension(conn.dpy, b.subarray(0, 4), b.subarray(4, 8), b.subarray(8, 12), b.subarray(12))) {
      throw new X11Error('no_extension', `${conn.name} lacks XTEST`);
    }
    this.offMapping = conn.on(MappingNotify, () => {
      this.stale = true;
    });
  }

  /** Queues an event: injected in order, at once unless a spare keycode must be re-used too soon. */
  inject(ev: InputEvent): void {
    if (!this.conn.alive) return;
    if (this.queue.length >= MAX_QUEUE) return; // a flood while waiting: drop, never grow without bound
    this.queue.push(ev);
    if (!this.retry) this.drain();
  }

  private drain() {
    this.retry = undefined;
    while (this.queue.length && this.conn.alive) {
      const ev = this.queue[0]!;
      if (ev.type === 'pointer') this.pointer(ev);
      else {
        const wait = this.key(ev.code, ev.key, ev.down);
        if (wait > 0) {
          this.conn.flush();
          this.retry = setTimeout(() => this.drain(), wait);
          return;
        }
      }
      this.queue.shift();
    }
    this.conn.flush();
  }

  /** Lets go of everything the console holds down (its session ended or switched display). */
  releaseAll(): void {
    if (!this.conn.alive) return;
    for (const kc of this.down.values()) Xtst().XTestFakeKeyEvent(this.conn.dpy, kc, 0, 0);
    this.down.clear();
    for (const [bit, xb] of BUTTONS) if (this.buttons & bit) Xtst().XTestFakeButtonEvent(this.conn.dpy, xb, 0, 0);
    this.buttons = 0;
    this.conn.flush();
  }

  close(): void {
    clearTimeout(this.retry);
    this.retry = undefined;
    this.queue.length = 0;
    this.releaseAll();
    this.offMapping();
  }

  private pointer(ev: Extract<InputEvent, { type: 'pointer' }>) {
    const t = Xtst();
    const d = this.conn.dpy;
    t.XTestFakeMotionEvent(d, -1, Math.round(ev.x), Math.round(ev.y), 0);
    for (const [bit, xb] of BUTTONS) {
      const now = ev.buttons & bit;
      if (now !== (this.buttons & bit)) t.XTestFakeButtonEvent(d, xb, now ? 1 : 0, 0);
    }
    this.buttons = ev.buttons;
    this.wheel(ev.wheelY, 'y', 4, 5);
    this.wheel(ev.wheelX, 'x', 6, 7);
  }

  private wheel(delta: number, axis: 'x' | 'y', negButton: number, posButton: number) {
    if (!delta) return;
    this.wheelAcc[axis] += delta;
    let n = Math.trunc(this.wheelAcc[axis] / WHEEL_NOTCH);
    // Smooth-scrolling sources send small deltas; one of at least a third of a notch still moves.
    if (n === 0 && Math.abs(delta) >= WHEEL_NOTCH / 3) n = Math.sign(delta);
    if (n === 0) return;
    this.wheelAcc[axis] = n * WHEEL_NOTCH === this.wheelAcc[axis] ? 0 : this.wheelAcc[axis] - n * WHEEL_NOTCH;
    if (Math.sign(this.wheelAcc[axis]) !== Math.sign(delta)) this.wheelAcc[axis] = 0;
    const button = n < 0 ? negButton : posButton;
    for (let i = 0; i < Math.min(Math.abs(n), 20); i++) {
      Xtst().XTestFakeButtonEvent(this.conn.dpy, button, 1, 0);
      Xtst().XTestFakeButtonEvent(this.conn.dpy, button, 0, 0);
    }
  }

  /** Injects one key event; returns > 0 (ms) when it must wait for a spare keycode instead. */
  private key(code: string, key: string, isDown: boolean): number {
    const d = this.conn.dpy;
    if (!isDown) {
      const kc = this.down.get(code);
      if (kc === undefined) return 0;
      this.down.delete(code);
      Xtst().XTestFakeKeyEvent(d, kc, 0, 0);
      return 0;
    }
    const target = keysymFor(code, key);
    if (!target) return 0;
    if (this.stale) this.loadMapping();
    if (this.vtOrZap(target.keysym)) return 0;
    let place: Place | number | undefined = this.places.get(target.keysym);
    place ??= this.spare(target.keysym);
    if (typeof place !== 'object') return place ?? 0;
    const held = this.down.get(code);
    if (held !== undefined && held !== place.keycode) Xtst().XTestFakeKeyEvent(d, held, 0, 0);
    if (!target.isChar || MODIFIER_KEYSYMS.has(target.keysym)) {
      this.press(code, place.keycode);
      return 0;
    }
    // Fit Shift and AltGr to the level the character sits on, press, then put them back.
    const needShift = place.index % 2 === 1;
    const needL3 = place.index >= 4;
    const undo: [number, number][] = [];
    const fit = (syms: Set<number>, need: boolean, pressSym: number) => {
      const holding = [...this.down.values()].filter((kc) => syms.has(this.symsOf.get(kc) ?? 0));
      if (need && holding.length === 0) {
        const p = this.places.get(pressSym);
        if (!p) return false;
        Xtst().XTestFakeKeyEvent(d, p.keycode, 1, 0);
        undo.push([p.keycode, 0]);
      } else if (!need) {
        for (const kc of holding) {
          Xtst().XTestFakeKeyEvent(d, kc, 0, 0);
          undo.push([kc, 1]);
        }
      }
      return true;
    };
    let ok = fit(SHIFT_SYMS, needShift, XK_Shift_L);
    ok = ok && fit(LEVEL3_SYMS, needL3, XK_ISO_Level3_Shift);
    if (!ok) {
      for (const [kc, state] of undo.reverse()) Xtst().XTestFakeKeyEvent(d, kc, state, 0);
      undo.length = 0;
      const sp = this.spare(target.keysym);
      if (typeof sp !== 'object') return sp ?? 0;
      place = sp;
    }
    this.press(code, place.keycode);
    for (const [kc, state] of undo.reverse()) Xtst().XTestFakeKeyEvent(d, kc, state, 0);
    return 0;
  }

  /**
   * Ctrl+Alt+F1…F12 switches the X server off its virtual terminal (the picture freezes or goes black
   * and the session is lost to the console) and Ctrl+Alt+Backspace kills the server where enabled:
   * neither is passed on. Ctrl+Alt+Del is, and the desktop decides what it means.
   */
  private vtOrZap(keysym: number): boolean {
    const isF = keysym >= 0xffbe && keysym <= 0xffc9;
    if (!isF && keysym !== 0xff08) return false;
    const held = new Set([...this.down.values()].map((kc) => this.symsOf.get(kc) ?? 0));
    const ctrl = held.has(0xffe3) || held.has(0xffe4);
    const alt = held.has(0xffe9) || held.has(0xffea) || held.has(0xfe03);
    return ctrl && alt;
  }

  private press(code: string, keycode: number) {
    Xtst().XTestFakeKeyEvent(this.conn.dpy, keycode, 1, 0);
    this.down.set(code, keycode);
    if (this.spareUse.has(keycode)) this.spareUsedAt.set(keycode, Date.now());
  }

  private loadMapping() {
    this.stale = false;
    const d = this.conn.dpy;
    const mm = Buffer.alloc(8);
    X().XDisplayKeycodes(d, mm.subarray(0, 4), mm.subarray(4, 8));
    const min = mm.readInt32LE(0);
    const max = mm.readInt32LE(4);
    const count = max - min + 1;
    const perBuf = Buffer.alloc(4);
    const p = X().XGetKeyboardMapping(d, min, count, perBuf);
    if (isNull(p)) return;
    const per = perBuf.readInt32LE(0);
    const syms = decodeLongs(p, count * per);
    X().XFree(p);
    this.perKeycode = per;
    this.places = new Map();
    this.symsOf = new Map();
    const spares: number[] = [];
    for (let i = 0; i < count; i++) {
      const kc = min + i;
      const row = syms.slice(i * per, i * per + per);
      if (row.every((s) => s === 0) || this.spareUse.has(kc)) {
        spares.push(kc);
        continue;
      }
      this.symsOf.set(kc, row[0]!);
      // Group 1 only (indices 0, 1 and the level-3 pair 4, 5): other groups need a group switch.
      for (const index of [0, 1, 4, 5]) {
        const s = row[index];
        if (!s) continue;
        const prev = this.places.get(s);
        if (!prev || index < prev.index) this.places.set(s, { keycode: kc, index });
      }
      // A keycode listing one symbol means it for both levels (Xlib fills the case pair itself).
      if (row[0] && !row[1] && !this.places.has(row[0])) this.places.set(row[0], { keycode: kc, index: 0 });
    }
    // Spare keycodes we have mapped keep their keysym.
    for (const [kc, ks] of this.spareUse) this.places.set(ks, { keycode: kc, index: 0 });
    // Keycode 8 and the top of the range are sometimes ignored by toolkits: use the middle first.
    this.spares = spares.filter((kc) => kc > 8 && kc < 255);
  }

  /**
   * Maps `keysym` on a spare keycode: a free one, else the least recently used one once it has not
   * been pressed for SPARE_REUSE_MS (the number returned is how long to wait for that).
   */
  private spare(keysym: number): Place | number | undefined {
    for (const [kc, ks] of this.spareUse) {
      if (ks === keysym) {
        this.spareUse.delete(kc);
        this.spareUse.set(kc, ks);
        return { keycode: kc, index: 0 };
      }
    }
    let kc = this.spares.find((k) => !this.spareUse.has(k));
    if (kc === undefined) {
      const held = new Set(this.down.values());
      kc = [...this.spareUse.keys()].find((k) => !held.has(k));
      if (kc === undefined) return undefined;
      const idle = Date.now() - (this.spareUsedAt.get(kc) ?? 0);
      if (idle < SPARE_REUSE_MS) return SPARE_REUSE_MS - idle;
      this.places.delete(this.spareUse.get(kc)!);
      this.spareUse.delete(kc);
    }
    const per = Math.max(2, this.perKeycode);
    const row = Buffer.alloc(per * 8);
    // The same keysym on every level: Shift or AltGr held by the console do not change it.
    for (let i = 0; i < per; i++) row.writeBigUInt64LE(BigInt(keysym), i * 8);
    X().XChangeKeyboardMapping(this.conn.dpy, kc, per, row, 1);
    this.spareUse.set(kc, keysym);
    this.places.set(keysym, { keycode: kc, index: 0 });
    // Our own change raises MappingNotify too; the table is already right.
    this.conn.sync();
    this.conn.pump();
    this.stale = false;
    return { keycode: kc, index: 0 };
  }
}
