// STUN message parsing (RFC 8489 §5, §6.3, §14). Parsing is total: any byte string yields either a
// message or a reason, never an exception.
import type { AttributeCodec } from './attribute';
import { padded } from './attribute';
import {
  Attr,
  decodeMessageType,
  HEADER_LENGTH,
  MAGIC_COOKIE,
  type MessageClass,
  TRANSACTION_ID_LENGTH,
} from './constants';

export interface RawAttribute {
  readonly type: number;
  /** Offset of the attribute header inside the message. */
  readonly offset: number;
  readonly value: Buffer;
}

export interface StunMessage {
  readonly method: number;
  readonly cls: MessageClass;
  readonly transactionId: Buffer;
  /** Exactly the bytes of this message (header + attributes). */
  readonly raw: Buffer;
  /** Attributes that count: those after MESSAGE-INTEGRITY are dropped except MI-SHA256/FINGERPRINT. */
  readonly attributes: readonly RawAttribute[];
}

export type DecodeResult = { ok: true; message: StunMessage } | { ok: false; reason: string };

/**
 * Length of the STUN message that starts at buf[0], from its header alone, or -1 when the first
 * bytes cannot start a STUN message. Used by stream framing (RFC 8656 §12.5) before the whole
 * message has arrived.
 */
export function stunMessageLength(buf: Buffer): number {
  if (buf.length < 4) return -1;
  if ((buf[0]! & 0xc0) !== 0) return -1;
  const length = buf.readUInt16BE(2);
  if (length % 4 !== 0) return -1;
  return HEADER_LENGTH + length;
}

export function decodeMessage(buf: Buffer): DecodeResult {
  // RFC 8489 §6.3: the checks that tell a STUN message from other traffic on the same port.
  if (buf.length < HEADER_LENGTH) return { ok: false, reason: 'shorter than a STUN header' };
  if ((buf[0]! & 0xc0) !== 0) return { ok: false, reason: 'top two bits not zero' };
  if (buf.readUInt32BE(4) !== MAGIC_COOKIE) return { ok: false, reason: 'no magic cookie' };
  const length = buf.readUInt16BE(2);
  if (length % 4 !== 0) return { ok: false, reason: 'length not a multiple of 4' };
  if (HEADER_LENGTH + length !== buf.length) return { ok: false, reason: 'length does not match datagram' };
  const { method, cls } = decodeMessageType(buf.readUInt16BE(0));
  const attributes: RawAttribute[] = [];
  let offset = HEADER_LENGTH;
  let sawIntegrity = false;
  let sawFingerprint = false;
  while (offset < buf.length) {
    if (offset + 4 > buf.length) return { ok: false, reason: 'truncated attribute header' };
    const type = buf.readUInt16BE(offset);
    const valueLength = buf.readUInt16BE(offset + 2);
    const end = offset + 4 + valueLength;
    if (end > buf.length) return { ok: false, reason: 'attribute overruns message' };
    // RFC 8489 §14.5/§14.7: after MESSAGE-INTEGRITY only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT
    // count, and nothing counts after FINGERPRINT.
    const counts =
      !sawFingerprint && (!sawIntegrity || type === Attr.MessageIntegritySha256 || type === Attr.Fingerprint);
    if (counts) attributes.push({ type, offset, value: buf.subarray(offset + 4, end) });
    if (type === Attr.MessageIntegrity || type === Attr.MessageIntegritySha256) sawIntegrity = true;
    if (type === Attr.Fingerprint) sawFingerprint = true;
    offset += 4 + padded(valueLength);
  }
  if (offset !== buf.length) return { ok: false, reason: 'padding overruns message' };
  return {
    ok: true,
    message: {
      method,
      cls,
      transactionId: buf.subarray(8, 8 + TRANSACTION_ID_LENGTH),
      raw: buf,
      attributes,
    },
  };
}

export function findAttribute(message: StunMessage, type: number): RawAttribute | undefined {
  for (const a of message.attributes) if (a.type === type) return a;
  return undefined;
}

/** RFC 8489 §14: only the first occurrence of an attribute is processed unless the method says otherwise. */
export function hasAttribute(message: StunMessage, type: number): boolean {
  return findAttribute(message, type) !== undefined;
}

export type AttributeRead<T> = { present: false } | { present: true; value: T | undefined };

/** Decodes the first occurrence; value undefined means present but malformed (a 400 for requests). */
export function readAttribute<T>(message: StunMessage, codec: AttributeCodec<T>): AttributeRead<T> {
  const raw = findAttribute(message, codec.type);
  if (!raw) return { present: false };
  return { present: true, value: codec.decode(raw.value, message.transactionId) };
}

/** Every occurrence, for attributes a method allows more than once (XOR-PEER-ADDRESS, RFC 8656 §9.1). */
export function readAllAttributes<T>(message: StunMessage, codec: AttributeCodec<T>): (T | undefined)[] {
  return message.attributes
    .filter((a) => a.type === codec.type)
    .map((a) => codec.decode(a.value, message.transactionId));
}
