// Browser key events → X keysyms. Keys that type a character are sent by the character the console
// user's own layout produced (`key`), so "é" arrives as é whatever the device's layout is; the other
// keys (modifiers, editing, function keys, keypad) go by their physical `code`.

/** KeyboardEvent.code → keysym for keys that do not type a character (or whose meaning is the key). */
const BY_CODE: Record<string, number> = {
  Escape: 0xff1b,
  Tab: 0xff09,
  Backspace: 0xff08,
  Enter: 0xff0d,
  NumpadEnter: 0xff8d,
  Insert: 0xff63,
  Delete: 0xffff,
  Home: 0xff50,
  End: 0xff57,
  PageUp: 0xff55,
  PageDown: 0xff56,
  ArrowLeft: 0xff51,
  ArrowUp: 0xff52,
  ArrowRight: 0xff53,
  ArrowDown: 0xff54,
  ShiftLeft: 0xffe1,
  ShiftRight: 0xffe2,
  ControlLeft: 0xffe3,
  ControlRight: 0xffe4,
  AltLeft: 0xffe9,
  // AltGr arrives as AltRight (key "AltGraph"): ISO_Level3_Shift picks the third level like on a PC.
  AltRight: 0xfe03,
  MetaLeft: 0xffeb,
  MetaRight: 0xffec,
  OSLeft: 0xffeb,
  OSRight: 0xffec,
  ContextMenu: 0xff67,
  CapsLock: 0xffe5,
  NumLock: 0xff7f,
  ScrollLock: 0xff14,
  Pause: 0xff13,
  PrintScreen: 0xff61,
  Space: 0x20,
};
for (let i = 1; i <= 24; i++) BY_CODE[`F${i}`] = 0xffbe + i - 1;

/** Keypad keys by code when NumLock is off (the key then is e.g. "Home", not "7"). */
const KEYPAD_NAV: Record<string, number> = {
  Numpad0: 0xff9e,
  Numpad1: 0xff9c,
  Numpad2: 0xff99,
  Numpad3: 0xff9b,
  Numpad4: 0xff96,
  Numpad5: 0xff9d,
  Numpad6: 0xff98,
  Numpad7: 0xff95,
  Numpad8: 0xff97,
  Numpad9: 0xff9a,
  NumpadDecimal: 0xff9f,
};
const KEYPAD_CHAR: Record<string, number> = {
  '0': 0xffb0,
  '1': 0xffb1,
  '2': 0xffb2,
  '3': 0xffb3,
  '4': 0xffb4,
  '5': 0xffb5,
  '6': 0xffb6,
  '7': 0xffb7,
  '8': 0xffb8,
  '9': 0xffb9,
  '.': 0xffae,
  ',': 0xffac,
  '+': 0xffab,
  '-': 0xffad,
  '*': 0xffaa,
  '/': 0xffaf,
};

/** Named `key` values (when `code` is unknown, e.g. a virtual keyboard) → keysym. */
const BY_KEY: Record<string, number> = {
  Escape: 0xff1b,
  Tab: 0xff09,
  Backspace: 0xff08,
  Enter: 0xff0d,
  Insert: 0xff63,
  Delete: 0xffff,
  Home: 0xff50,
  End: 0xff57,
  PageUp: 0xff55,
  PageDown: 0xff56,
  ArrowLeft: 0xff51,
  ArrowUp: 0xff52,
  ArrowRight: 0xff53,
  ArrowDown: 0xff54,
  Shift: 0xffe1,
  Control: 0xffe3,
  Alt: 0xffe9,
  AltGraph: 0xfe03,
  Meta: 0xffeb,
  Super: 0xffeb,
  CapsLock: 0xffe5,
  Dead: 0,
};

/** Unicode scalar → keysym: Latin-1 maps to itself, everything else to 0x01000000 + code point. */
export function charKeysym(ch: string): number {
  const cp = ch.codePointAt(0) ?? 0;
  if ((cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff)) return cp;
  return 0x01000000 + cp;
}

export interface KeyTarget {
  keysym: number;
  /** True when the keysym came from the typed character, so Shift/AltGr state must be fitted to it. */
  isChar: boolean;
}

/** The keysym to press for a browser key event, or undefined for keys that carry nothing to type. */
export function keysymFor(code: string, key: string): KeyTarget | undefined {
  if (code.startsWith('Numpad') && code !== 'NumpadEnter') {
    const k = KEYPAD_CHAR[key];
    if (k !== undefined) return { keysym: k, isChar: false };
    const nav = KEYPAD_NAV[code];
    if (nav !== undefined) return { keysym: nav, isChar: false };
  }
  // A single character (one code point; emoji are one code point too) is typed as that character.
  if (key.length > 0 && [...key].length === 1 && code !== 'Space') {
    const cp = key.codePointAt(0) ?? 0;
    if (cp >= 0x20 && cp !== 0x7f) return { keysym: charKeysym(key), isChar: true };
  }
  const byCode = BY_CODE[code];
  if (byCode !== undefined) return { keysym: byCode, isChar: false };
  const byKey = BY_KEY[key];
  if (byKey) return { keysym: byKey, isChar: false };
  return undefined;
}

/** Modifier keysyms: pressed and released as they come, never fitted. */
export const MODIFIER_KEYSYMS = new Set([
  0xffe1, 0xffe2, 0xffe3, 0xffe4, 0xffe9, 0xffea, 0xfe03, 0xffeb, 0xffec, 0xff7e,
]);
export const XK_Shift_L = 0xffe1;
export const XK_ISO_Level3_Shift = 0xfe03;
export const XK_Mode_switch = 0xff7e;
