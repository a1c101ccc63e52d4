// Encoding of STUN messages (RFC 8489 §5, §14). Integrity attributes and FINGERPRINT are appended
// last, in the order §14.5-§14.7 require, with the length field fixed up before each is computed.
import type { AttributeCodec } from './attribute';
import { padded } from './attribute';
import { computeFingerprint } from './attributes/fingerprint';
import { computeMessageIntegrity, MESSAGE_INTEGRITY_LENGTH } from './attributes/message-integrity';
import { computeMessageIntegritySha256, MESSAGE_INTEGRITY_SHA256_LENGTH } from './attributes/message-integrity-sha256';
import { Attr, encodeMessageType, HEADER_LENGTH, MAGIC_COOKIE, type MessageClass } from './constants';

export interface FinishOptions {
  /** Long-term key (RFC 8489 §9.2.2); adds MESSAGE-INTEGRITY. */
  integrityKey?: Buffer;
  /** Add MESSAGE-INTEGRITY-SHA256 (§14.6) with integrityKey instead of MESSAGE-INTEGRITY. */
  sha256?: boolean;
  fingerprint?: boolean;
}

export class MessageBuilder {
  private readonly parts: { type: number; value: Buffer }[] = [];

  constructor(
    readonly method: number,
    readonly cls: MessageClass,
    readonly transactionId: Buffer,
  ) {}

  add<T>(codec: AttributeCodec<T>, value: T): this {
    this.parts.push({ type: codec.type, value: codec.encode(value, this.transactionId) });
    return this;
  }

  addRaw(type: number, value: Buffer): this {
    this.parts.push({ type, value });
    return this;
  }

  build(options: FinishOptions = {}): Buffer {
    let size = HEADER_LENGTH;
    for (const p of this.parts) size += 4 + padded(p.value.length);
    const integrityLength = options.integrityKey
      ? 4 + (options.sha256 ? MESSAGE_INTEGRITY_SHA256_LENGTH : MESSAGE_INTEGRITY_LENGTH)
      : 0;
    const total = size + integrityLength + (options.fingerprint ? 8 : 0);
    const out = Buffer.alloc(total);
    out.writeUInt16BE(encodeMessageType(this.method, this.cls), 0);
    out.writeUInt32BE(MAGIC_COOKIE, 4);
    this.transactionId.copy(out, 8, 0, 12);
    let offset = HEADER_LENGTH;
    for (const p of this.parts) {
      out.writeUInt16BE(p.type, offset);
      out.writeUInt16BE(p.value.length, offset + 2);
      p.value.copy(out, offset + 4);
      offset += 4 + padded(p.value.length);
    }
    if (options.integrityKey) {
      const mac = options.sha256
        ? computeMessageIntegritySha256(options.integrityKey, out, offset)
        : computeMessageIntegrity(options.integrityKey, out, offset);
      out.writeUInt16BE(options.sha256 ? Attr.MessageIntegritySha256 : Attr.MessageIntegrity, offset);
      out.writeUInt16BE(mac.length, offset + 2);
      mac.copy(out, offset + 4);
      offset += 4 + mac.length;
    }
    if (options.fingerprint) {
      const crc = computeFingerprint(out, offset);
      out.writeUInt16BE(Attr.Fingerprint, offset);
      out.writeUInt16BE(4, offset + 2);
      out.writeUInt32BE(crc, offset + 4);
      offset += 8;
    }
    out.writeUInt16BE(offset - HEADER_LENGTH, 2);
    return out;
  }
}
