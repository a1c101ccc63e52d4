import { isIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import { IpBytesCache, ipBytes } from './ip-bytes';

const hex = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('hex') : undefined);

describe('ipBytes', () => {
  it.each([
    ['127.0.0.1', 'IPv4', '7f000001'],
    ['10.255.0.9', 'IPv4', '0aff0009'],
    ['::1', 'IPv6', '00000000000000000000000000000001'],
    ['::', 'IPv6', '00000000000000000000000000000000'],
    ['2001:db8::1:2', 'IPv6', '20010db8000000000000000000010002'],
    ['1::', 'IPv6', '00010000000000000000000000000000'],
    ['1:2:3:4:5:6:7:8', 'IPv6', '00010002000300040005000600070008'],
    ['FE80::ABCD', 'IPv6', 'fe80000000000000000000000000abcd'],
    ['::ffff:127.0.0.1', 'IPv6', '00000000000000000000ffff7f000001'],
    ['1:2:3:4:5:6:1.2.3.4', 'IPv6', '00010002000300040005000601020304'],
    ['64:ff9b::10.0.0.1', 'IPv6', '0064ff9b00000000000000000a000001'],
  ] as const)('%s (%s)', (address, family, expected) => {
    expect(hex(ipBytes(address, family))).toBe(expected);
  });

  it.each([
    ['::1', 'IPv4'],
    ['127.0.0.1', 'IPv6'],
    ['fe80::1%lo', 'IPv6'],
    ['localhost', 'IPv4'],
    ['1.2.3', 'IPv4'],
    ['1:2:3:4:5:6:7:8:9', 'IPv6'],
    ['', 'IPv6'],
  ] as const)('refuses %s for %s', (address, family) => {
    expect(ipBytes(address, family)).toBeUndefined();
  });

  it('round-trips random IPv6 addresses in every textual form Node prints', () => {
    for (let n = 0; n < 2000; n++) {
      const bytes = new Uint8Array(16).map(() => (Math.random() < 0.4 ? 0 : (Math.random() * 256) | 0));
      const groups = [...Array(8).keys()].map((i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16));
      // The full form, and the compressed one (longest zero run as ::) as Node and the kernel print it.
      const full = groups.join(':');
      const compressed = full.replace(/(^|:)0(:0)+(:|$)/, '::');
      for (const text of [full, compressed]) {
        if (!isIPv6(text)) continue;
        expect(hex(ipBytes(text, 'IPv6')), text).toBe(hex(bytes));
      }
    }
  });

  it('IpBytesCache memoises, misses included, and stays bounded', () => {
    const cache = new IpBytesCache('IPv4', 2);
    expect(hex(cache.get('1.2.3.4'))).toBe('01020304');
    expect(cache.get('1.2.3.4')).toBe(cache.get('1.2.3.4'));
    expect(cache.get('nope')).toBeUndefined();
    expect(hex(cache.get('5.6.7.8'))).toBe('05060708');
  });
});
