// MESSAGE-INTEGRITY-SHA256, RFC 8489 §14.6: HMAC-SHA256, possibly truncated by the sender to a
// multiple of 4 bytes no shorter than 16.
import { timingSafeEqual } from 'node:crypto';
import { Attr } from '../constants';
import { integrityHmac } from './message-integrity';

export const MESSAGE_INTEGRITY_SHA256_LENGTH = 32;
export const type = Attr.MessageIntegritySha256;

export function computeMessageIntegritySha256(key: Buffer, raw: Buffer, attrOffset: number): Buffer {
  return integrityHmac('sha256', key, raw, attrOffset, MESSAGE_INTEGRITY_SHA256_LENGTH);
}

export function verifyMessageIntegritySha256(key: Buffer, raw: Buffer, attrOffset: number, value: Buffer): boolean {
  if (value.length < 16 || value.length > 32 || value.length % 4 !== 0) return false;
  const full = integrityHmac('sha256', key, raw, attrOffset, value.length);
  return timingSafeEqual(full.subarray(0, value.length), value);
}
