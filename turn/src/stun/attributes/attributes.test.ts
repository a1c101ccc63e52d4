import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AttributeCodec } from '../attribute';
import { addressBytes, bytesToAddress } from './address';
import { ChannelNumber } from './channel-number';
import { DataAttr } from './data';
import { DontFragment } from './dont-fragment';
import { ErrorCodeAttr } from './error-code';
import { EvenPort } from './even-port';
import { Lifetime } from './lifetime';
import { MappedAddress } from './mapped-address';
import { Nonce } from './nonce';
import { PasswordAlgorithm, PasswordAlgorithms } from './password-algorithms';
import { Realm } from './realm';
import { RequestedAddressFamily } from './requested-address-family';
import { RequestedTransport } from './requested-transport';
import { ReservationToken } from './reservation-token';
import { Software } from './software';
import { UnknownAttributes } from './unknown-attributes';
import { Username } from './username';
import { XorMappedAddress, XorPeerAddress, XorRelayedAddress } from './xor-address';

const tx = Buffer.from('000102030405060708090a0b', 'hex');

// [codec, valid value, malformed encodings]
const table: [AttributeCodec<never>, unknown, Buffer[]][] = [
  [
    MappedAddress as never,
    { address: '10.1.2.3', port: 5000, family: 'IPv4' },
    [Buffer.alloc(3), Buffer.from('0003000001020304', 'hex')],
  ],
  [
    XorMappedAddress as never,
    { address: '::ffff:1.2.3.4', port: 1, family: 'IPv6' },
    [Buffer.alloc(7), Buffer.alloc(9)],
  ],
  [XorPeerAddress as never, { address: '2001:db8::1', port: 65535, family: 'IPv6' }, [Buffer.alloc(19)]],
  [XorRelayedAddress as never, { address: '192.0.2.200', port: 49152, family: 'IPv4' }, [Buffer.alloc(0)]],
  [Username as never, '1700000000:alice', [Buffer.alloc(509), Buffer.from([0xff, 0xfe])]],
  [Realm as never, 'example.org', [Buffer.alloc(764)]],
  [Nonce as never, 'abc', [Buffer.from([0xc3])]],
  [Software as never, 'rc-relay', [Buffer.alloc(800)]],
  [ErrorCodeAttr as never, { code: 438, reason: 'Stale Nonce' }, [Buffer.alloc(3), Buffer.from('00000763', 'hex')]],
  [UnknownAttributes as never, [0x0018, 0x001a], [Buffer.alloc(3)]],
  [Lifetime as never, 600, [Buffer.alloc(2), Buffer.alloc(8)]],
  [ChannelNumber as never, 0x4000, [Buffer.alloc(2)]],
  [DataAttr as never, Buffer.from('payload'), []],
  [RequestedTransport as never, 17, [Buffer.alloc(1)]],
  [RequestedAddressFamily as never, 'IPv6', [Buffer.alloc(2)]],
  [DontFragment as never, true, [Buffer.alloc(1)]],
  [EvenPort as never, { reserveNext: true }, [Buffer.alloc(0), Buffer.alloc(4)]],
  [ReservationToken as never, randomBytes(8), [Buffer.alloc(4)]],
  [
    PasswordAlgorithms as never,
    [
      { algorithm: 1, parameters: Buffer.alloc(0) },
      { algorithm: 2, parameters: Buffer.alloc(0) },
    ],
    [Buffer.alloc(3), Buffer.from('00010008', 'hex')],
  ],
  [PasswordAlgorithm as never, { algorithm: 2, parameters: Buffer.alloc(0) }, [Buffer.alloc(8)]],
];

describe('attribute codecs round-trip and reject malformed values', () => {
  it.each(table.map(([codec, value, bad]) => [codec.name, codec, value, bad] as const))(
    '%s',
    (_name, codec, value, bad) => {
      const encoded = codec.encode(value as never, tx);
      expect(codec.decode(encoded, tx)).toEqual(value);
      for (const b of bad) expect(codec.decode(b, tx)).toBeUndefined();
    },
  );

  it('REQUESTED-ADDRESS-FAMILY keeps unknown families as numbers so the server can answer 440', () => {
    expect(RequestedAddressFamily.decode(Buffer.from([0x03, 0, 0, 0]), tx)).toBe(3);
  });

  it('XOR-PEER-ADDRESS is not the plain encoding (RFC 8489 §14.2)', () => {
    const v = { address: '127.0.0.1', port: 3478, family: 'IPv4' as const };
    expect(XorPeerAddress.encode(v, tx)).not.toEqual(MappedAddress.encode(v, tx));
  });
});

describe('IP text <-> bytes', () => {
  it.each([
    ['::', '::'],
    ['::1', '::1'],
    ['fe80::1:2', 'fe80::1:2'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::ffff:127.0.0.1', '::ffff:127.0.0.1'],
    ['::ffff:7f00:1', '::ffff:127.0.0.1'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
  ])('%s -> %s', (text, canonical) => {
    const bytes = addressBytes(text)!;
    expect(bytes).toHaveLength(16);
    expect(bytesToAddress(bytes)).toBe(canonical);
  });
  it('rejects non-addresses', () => {
    expect(addressBytes('example.org')).toBeUndefined();
    expect(addressBytes('1.2.3.256')).toBeUndefined();
  });
});
