import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, hotp, totp, totpStep } from './totp';

// RFC 6238 Appendix B, SHA-1 column (8 digits), with the RFC's 20-byte ASCII key.
const key = Buffer.from('12345678901234567890');
const vectors: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP', () => {
  it.each(vectors)('RFC 6238 vector at T=%i', (t, code) => {
    expect(totp(key, t * 1000, 30, 8)).toBe(code);
  });

  it('RFC 4226 HOTP vectors', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314'];
    for (const [i, c] of expected.entries()) expect(hotp(key, i)).toBe(c);
  });

  it('base32 round-trips', () => {
    const buf = Buffer.from('hello, TOTP world!');
    expect(base32Decode(base32Encode(buf))).toEqual(buf);
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
  });

  it('accepts ±1 step and refuses further drift and junk', () => {
    const secret = base32Encode(key);
    const now = 1_700_000_000_000;
    const step = Math.floor(now / 30_000);
    expect(totpStep(secret, totp(key, now), -1, now)).toBe(step);
    expect(totpStep(secret, totp(key, now - 30_000), -1, now)).toBe(step - 1);
    expect(totpStep(secret, totp(key, now + 30_000), -1, now)).toBe(step + 1);
    expect(totpStep(secret, totp(key, now - 90_000), -1, now)).toBeUndefined();
    expect(totpStep(secret, 'abcdef', -1, now)).toBeUndefined();
    expect(totpStep(secret, '', -1, now)).toBeUndefined();
  });

  it('refuses a code of a step already used, or of an earlier one (RFC 6238 §5.2)', () => {
    const secret = base32Encode(key);
    const now = 1_700_000_000_000;
    const step = Math.floor(now / 30_000);
    expect(totpStep(secret, totp(key, now), step, now)).toBeUndefined();
    expect(totpStep(secret, totp(key, now - 30_000), step, now)).toBeUndefined();
    expect(totpStep(secret, totp(key, now + 30_000), step, now)).toBe(step + 1);
  });
});
