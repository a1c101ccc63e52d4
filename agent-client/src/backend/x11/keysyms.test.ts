import { describe, expect, it } from 'vitest';
import { charKeysym, keysymFor } from './keysyms';

describe('browser key → X keysym', () => {
  it.each([
    ['KeyA', 'a', 0x61, true],
    ['KeyA', 'A', 0x41, true],
    ['Digit2', '@', 0x40, true],
    ['KeyE', '€', 0x010020ac, true],
    ['KeyC', 'ç', 0xe7, true],
    ['Unidentified', '🙂', 0x0101f642, true],
    ['Space', ' ', 0x20, false],
    ['Enter', 'Enter', 0xff0d, false],
    ['NumpadEnter', 'Enter', 0xff8d, false],
    ['F1', 'F1', 0xffbe, false],
    ['F12', 'F12', 0xffc9, false],
    ['ShiftLeft', 'Shift', 0xffe1, false],
    ['AltRight', 'AltGraph', 0xfe03, false],
    ['MetaLeft', 'Meta', 0xffeb, false],
    ['Numpad7', '7', 0xffb7, false],
    ['Numpad7', 'Home', 0xff95, false],
    ['ArrowLeft', 'ArrowLeft', 0xff51, false],
    ['', 'Escape', 0xff1b, false],
  ])('%s / %s → %s', (code, key, keysym, isChar) => {
    expect(keysymFor(code, key)).toEqual({ keysym, isChar });
  });

  it('ignores keys with nothing to type', () => {
    expect(keysymFor('', 'Unidentified')).toBeUndefined();
    expect(keysymFor('Fn', 'Fn')).toBeUndefined();
    expect(keysymFor('', '\u0007')).toBeUndefined();
  });

  it('maps Latin-1 to itself and the rest to 0x01000000 + code point', () => {
    expect(charKeysym('ÿ')).toBe(0xff);
    expect(charKeysym('Ω')).toBe(0x010003a9);
  });
});
