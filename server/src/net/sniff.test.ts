import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sniffStream } from './sniff';

const stunHeader = Buffer.from('000100002112a442' + '00'.repeat(12), 'hex');

describe('sniffStream', () => {
  it.each([
    ['TLS ClientHello', Buffer.from([0x16, 0x03, 0x01]), 'tls'],
    ['STUN Binding', stunHeader, 'stun'],
    ['HTTP GET', Buffer.from('GET / HTTP/1.1\r\n'), 'http'],
    ['HTTP/2 preface', Buffer.from('PRI * HTTP/2.0\r\n'), 'http'],
    ['zero bits without cookie', Buffer.from('0001000012345678', 'hex'), 'unknown'],
    ['binary junk', Buffer.from([0xff, 0x00]), 'unknown'],
  ])('%s → %s', (_n, buf, kind) => expect(sniffStream(buf)).toBe(kind));

  it('waits for the cookie before calling STUN', () => {
    expect(sniffStream(stunHeader.subarray(0, 5))).toBeUndefined();
    expect(sniffStream(Buffer.alloc(0))).toBeUndefined();
  });

  it('never throws on random input', () => {
    for (let i = 0; i < 5000; i++) expect(() => sniffStream(randomBytes(i % 40))).not.toThrow();
  });
});
