// FINGERPRINT, RFC 8489 §14.7: CRC-32 of the message up to the attribute, XOR 0x5354554e, computed
// with the header length already counting the 8-byte attribute.
import { crc32 } from 'node:zlib';
import { Attr } from '../constants';

export const type = Attr.Fingerprint;
const XOR = 0x5354554e;

export function computeFingerprint(raw: Buffer, attrOffset: number): number {
  const length = Buffer.allocUnsafe(2);
  length.writeUInt16BE(attrOffset - 20 + 8, 0);
  let crc = crc32(raw.subarray(0, 2));
  crc = crc32(length, crc);
  crc = crc32(raw.subarray(4, attrOffset), crc);
  return (crc ^ XOR) >>> 0;
}

export function verifyFingerprint(raw: Buffer, attrOffset: number, value: Buffer): boolean {
  return value.length === 4 && value.readUInt32BE(0) === computeFingerprint(raw, attrOffset);
}
