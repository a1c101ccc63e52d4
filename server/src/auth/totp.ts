// TOTP (RFC 6238) over HOTP (RFC 4226): HMAC-SHA1, 30 s steps, 6 digits, as authenticator apps expect.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(buf: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(s: string): Buffer {
  const clean = s.toUpperCase().replace(/=+$/, '').replace(/\s/g, '');
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const idx = ALPHABET.indexOf(ch);
    if (idx < 0) throw new Error('invalid base32');
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export function hotp(key: Buffer, counter: number, digits = 6, algorithm = 'sha1'): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, key).update(msg).digest();
  const offset = mac[mac.length - 1]! & 0x0f; // RFC 4226 §5.3 dynamic truncation
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return code.toString().padStart(digits, '0');
}

export function totp(key: Buffer, atMs = Date.now(), step = 30, digits = 6, algorithm = 'sha1'): string {
  return hotp(key, Math.floor(atMs / 1000 / step), digits, algorithm);
}

/**
 * The 30 s step a code belongs to: the current step or one either side (RFC 6238 §5.2 allows for
 * clock drift), and only a step after `usedStep`, the last one accepted for this secret, so a code
 * that was seen once (over a shoulder, in a log) cannot log in again (§5.2: no second use).
 */
export function totpStep(secretBase32: string, code: string, usedStep = -1, atMs = Date.now()): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const key = base32Decode(secretBase32);
  const now = Math.floor(atMs / 30_000);
  let found: number | undefined;
  for (const step of [now - 1, now, now + 1]) {
    const match = timingSafeEqual(Buffer.from(hotp(key, step)), Buffer.from(code));
    if (match && step > usedStep && found === undefined) found = step;
  }
  return found;
}

export function newTotpSecret(): string {
  return base32Encode(randomBytes(20));
}

export function otpauthUrl(issuer: string, account: string, secret: string): string {
  const label = encodeURIComponent(`${issuer}:${account}`);
  return `otpauth://totp/${label}?secret=${secret}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=6&period=30`;
}
