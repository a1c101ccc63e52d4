// MESSAGE-INTEGRITY, RFC 8489 §14.5: HMAC-SHA1 over the message up to the attribute, with the header
// length field already counting the attribute itself (and not what follows it).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Attr } from '../constants';

export const MESSAGE_INTEGRITY_LENGTH = 20;
export const type = Attr.MessageIntegrity;

/**
 * HMAC of raw[0..attrOffset) as if the header length ended right after an integrity attribute of
 * `valueLength` bytes placed at attrOffset. Shared with MESSAGE-INTEGRITY-SHA256 (§14.6), which
 * uses the same construction with another hash.
 */
export function integrityHmac(
  algorithm: 'sha1' | 'sha256',
  key: Buffer,
  raw: Buffer,
  attrOffset: number,
  valueLength: number,
): Buffer {
  const length = Buffer.allocUnsafe(2);
  length.writeUInt16BE(attrOffset - 20 + 4 + valueLength, 0);
  return createHmac(algorithm, key)
    .update(raw.subarray(0, 2))
    .update(length)
    .update(raw.subarray(4, attrOffset))
    .digest();
}

export function computeMessageIntegrity(key: Buffer, raw: Buffer, attrOffset: number): Buffer {
  return integrityHmac('sha1', key, raw, attrOffset, MESSAGE_INTEGRITY_LENGTH);
}

/** Constant-time check (timingSafeEqual) so a forger learns nothing from response timing. */
export function verifyMessageIntegrity(key: Buffer, raw: Buffer, attrOffset: number, value: Buffer): boolean {
  if (value.length !== MESSAGE_INTEGRITY_LENGTH) return false;
  return timingSafeEqual(computeMessageIntegrity(key, raw, attrOffset), value);
}
