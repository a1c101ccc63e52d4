import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyFingerprint } from './attributes/fingerprint';
import { verifyMessageIntegrity } from './attributes/message-integrity';
import { Nonce } from './attributes/nonce';
import { Realm } from './attributes/realm';
import { Software } from './attributes/software';
import { Username } from './attributes/username';
import { XorMappedAddress } from './attributes/xor-address';
import { MessageBuilder } from './builder';
import { Attr, MessageClass, Method } from './constants';
import { decodeMessage, findAttribute, readAttribute, type StunMessage } from './message';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 5769 §2.1-§2.4 test vectors, byte for byte.
const sampleRequest = hex(`
  00010058 2112a442 b7e7a701 bc34d686 fa87dfae
  80220010 5354554e 20746573 7420636c 69656e74
  00240004 6e0001ff
  80290008 932ff9b1 51263b36
  00060009 6576746a 3a683676 59202020
  00080014 9aeaa70c bfd8cb56 781ef2b5 b2d3f249 c1b571a2
  80280004 e57a3bcf`);
const sampleIPv4Response = hex(`
  0101003c 2112a442 b7e7a701 bc34d686 fa87dfae
  8022000b 74657374 20766563 746f7220
  00200008 0001a147 e112a643
  00080014 2b91f599 fd9e90c3 8c7489f9 2af9ba53 f06be7d7
  80280004 c07d4c96`);
const sampleIPv6Response = hex(`
  01010048 2112a442 b7e7a701 bc34d686 fa87dfae
  8022000b 74657374 20766563 746f7220
  00200014 0002a147 0113a9fa a5d3f179 bc25f4b5 bed2b9d9
  00080014 a382954e 4be67bf1 1784c97c 8292c275 bfe3ed41
  80280004 c8fb0b4c`);
const sampleLongTermRequest = hex(`
  00010060 2112a442 78ad3433 c6ad72c0 29da412e
  00060012 e3839ee3 8388e383 aae38383 e382afe3 82b90000
  0015001c 662f2f34 39396b39 35346436 4f4c3334 6f4c3946 53547679 36347341
  0014000b 6578616d 706c652e 6f726700
  00080014 f6702465 6dd64a3e 02b8e071 2e85c9a2 8ca89666`);

function decoded(buf: Buffer): StunMessage {
  const r = decodeMessage(buf);
  if (!r.ok) throw new Error(r.reason);
  return r.message;
}

function integrityOk(msg: StunMessage, key: Buffer): boolean {
  const mi = findAttribute(msg, Attr.MessageIntegrity)!;
  return verifyMessageIntegrity(key, msg.raw, mi.offset, mi.value);
}

function fingerprintOk(msg: StunMessage): boolean {
  const fp = findAttribute(msg, Attr.Fingerprint)!;
  return verifyFingerprint(msg.raw, fp.offset, fp.value);
}

describe('RFC 5769 test vectors', () => {
  const shortTermKey = Buffer.from('VOkJxbRl1RmTxUk/WvJxBt');

  it('§2.1 sample request: attributes, short-term MESSAGE-INTEGRITY, FINGERPRINT', () => {
    const msg = decoded(sampleRequest);
    expect(msg.method).toBe(Method.Binding);
    expect(msg.cls).toBe(MessageClass.Request);
    expect(readAttribute(msg, Software)).toEqual({ present: true, value: 'STUN test client' });
    expect(readAttribute(msg, Username)).toEqual({ present: true, value: 'evtj:h6vY' });
    expect(integrityOk(msg, shortTermKey)).toBe(true);
    expect(integrityOk(msg, Buffer.from('wrong'))).toBe(false);
    expect(fingerprintOk(msg)).toBe(true);
  });

  it.each([
    ['§2.2 IPv4', sampleIPv4Response, { address: '192.0.2.1', port: 32853, family: 'IPv4' }],
    ['§2.3 IPv6', sampleIPv6Response, { address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853, family: 'IPv6' }],
  ])('%s response: XOR-MAPPED-ADDRESS, integrity, fingerprint', (_name, buf, mapped) => {
    const msg = decoded(buf);
    expect(msg.cls).toBe(MessageClass.SuccessResponse);
    expect(readAttribute(msg, XorMappedAddress)).toEqual({ present: true, value: mapped });
    expect(readAttribute(msg, Software)).toEqual({ present: true, value: 'test vector' });
    expect(integrityOk(msg, shortTermKey)).toBe(true);
    expect(fingerprintOk(msg)).toBe(true);
  });

  it('§2.3 re-encodes byte for byte with the builder', () => {
    const msg = decoded(sampleIPv6Response);
    const rebuilt = new MessageBuilder(Method.Binding, MessageClass.SuccessResponse, msg.transactionId)
      .add(Software, 'test vector')
      .add(XorMappedAddress, { address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853, family: 'IPv6' })
      .build({ integrityKey: shortTermKey, fingerprint: true });
    // The vector pads SOFTWARE with a space; RFC 8489 §14 lets padding be any value, we write zero.
    const expected = Buffer.from(sampleIPv6Response);
    expected[20 + 4 + 11] = 0;
    const withZeroPad = decoded(expected);
    expect(rebuilt.subarray(0, 40)).toEqual(withZeroPad.raw.subarray(0, 40));
    const rebuiltMsg = decoded(rebuilt);
    expect(integrityOk(rebuiltMsg, shortTermKey)).toBe(true);
    expect(fingerprintOk(rebuiltMsg)).toBe(true);
  });

  it('§2.4 long-term credentials: key = MD5(username:realm:password)', () => {
    const msg = decoded(sampleLongTermRequest);
    const username = readAttribute(msg, Username);
    expect(username).toEqual({ present: true, value: '\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9' });
    expect(readAttribute(msg, Realm)).toEqual({ present: true, value: 'example.org' });
    expect(readAttribute(msg, Nonce)).toEqual({ present: true, value: 'f//499k954d6OL34oL9FSTvy64sA' });
    // Password after SASLprep / OpaqueString is "TheMatrIX" (RFC 5769 §2.4).
    const key = createHash('md5').update(`\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9:example.org:TheMatrIX`).digest();
    expect(integrityOk(msg, key)).toBe(true);
  });
});

describe('decodeMessage rejects malformed input with a reason', () => {
  const good = sampleRequest;
  const cases: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['short header', good.subarray(0, 19)],
    ['top bits set', Buffer.concat([Buffer.from([0xc0]), good.subarray(1)])],
    ['no cookie', Buffer.concat([good.subarray(0, 4), Buffer.alloc(4), good.subarray(8)])],
    ['truncated body', good.subarray(0, good.length - 4)],
    ['odd length field', Buffer.concat([good.subarray(0, 2), Buffer.from([0, 0x57]), good.subarray(4)])],
    ['attribute overrun', hex('00010008 2112a442 000000000000000000000000 0006 0010 41414141')],
    ['truncated attribute header', hex('00010004 2112a442 000000000000000000000000 00060000').subarray(0, 22)],
  ];
  it.each(cases)('%s', (_name, buf) => {
    const r = decodeMessage(buf);
    expect(r.ok).toBe(false);
  });

  it('ignores attributes after MESSAGE-INTEGRITY except FINGERPRINT (RFC 8489 §14.5)', () => {
    const tx = randomBytes(12);
    const built = new MessageBuilder(Method.Binding, MessageClass.Request, tx).build({
      integrityKey: Buffer.from('k'),
    });
    // Append a SOFTWARE attribute after MESSAGE-INTEGRITY by hand.
    const extra = hex('80220004 41424344');
    const buf = Buffer.concat([built, extra]);
    buf.writeUInt16BE(buf.length - 20, 2);
    const msg = decoded(buf);
    expect(findAttribute(msg, Attr.Software)).toBeUndefined();
    expect(findAttribute(msg, Attr.MessageIntegrity)).toBeDefined();
  });
});

describe('fuzz: random and mutated buffers never throw', () => {
  it('10k random buffers and 10k single-byte mutations of valid messages', () => {
    const seeds = [sampleRequest, sampleIPv4Response, sampleIPv6Response, sampleLongTermRequest];
    let accepted = 0;
    for (let i = 0; i < 10_000; i++) {
      const buf = randomBytes(i % 120);
      if (i % 3 === 0 && buf.length >= 8) buf.writeUInt32BE(0x2112a442, 4);
      if (decodeMessage(buf).ok) accepted++;
      const seed = Buffer.from(seeds[i % seeds.length]!);
      seed[i % seed.length] = randomBytes(1)[0]!;
      const r = decodeMessage(seed.subarray(0, seed.length - (i % 7 === 0 ? i % 9 : 0)));
      if (r.ok) {
        // Every attribute codec must survive whatever the mutation produced.
        for (const codec of [Username, Realm, Nonce, Software]) readAttribute(r.message, codec);
        readAttribute(r.message, XorMappedAddress);
      }
    }
    // Random bytes essentially never form a valid message; mutations often still do.
    expect(accepted).toBeLessThan(100);
  });
});
