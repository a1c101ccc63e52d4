import { describe, expect, it } from 'vitest';
import { parseCidr } from './cidr';
import { PeerPolicy } from './peer-policy';

describe('PeerPolicy defaults', () => {
  const policy = new PeerPolicy();
  it.each([
    '0.0.0.0',
    '0.1.2.3',
    '127.0.0.1',
    '127.255.255.254',
    '169.254.169.254',
    '169.254.0.1',
    '224.0.0.1',
    '239.255.255.250',
    '255.255.255.255',
    '::',
    '::1',
    'fe80::1',
    'febf::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:169.254.169.254',
    '::ffff:0.0.0.0',
    '::ffff:224.0.0.5',
    'not-an-ip',
  ])('denies %s', (addr) => expect(policy.isAllowed(addr)).toBe(false));
  it.each(['8.8.8.8', '10.0.0.1', '192.168.1.10', '2001:db8::1', 'fec0::1', '::ffff:8.8.8.8', '128.0.0.1'])(
    'allows %s',
    (addr) => expect(policy.isAllowed(addr)).toBe(true),
  );
});

describe('PeerPolicy configuration', () => {
  it('denyPeers adds ranges, including their IPv4-mapped forms', () => {
    const p = new PeerPolicy({ denyPeers: ['10.0.0.0/8', 'fd00::/8'] });
    expect(p.isAllowed('10.1.2.3')).toBe(false);
    expect(p.isAllowed('::ffff:10.1.2.3')).toBe(false);
    expect(p.isAllowed('fd12::1')).toBe(false);
    expect(p.isAllowed('11.0.0.1')).toBe(true);
  });
  it('allowPeers overrides the default deny only inside the allowed block', () => {
    const p = new PeerPolicy({ allowPeers: ['127.0.0.0/8'] });
    expect(p.isAllowed('127.0.0.1')).toBe(true);
    expect(p.isAllowed('::ffff:127.0.0.1')).toBe(true);
    expect(p.isAllowed('::1')).toBe(false);
    expect(p.isAllowed('169.254.169.254')).toBe(false);
  });
  it('rejects malformed CIDR lists with every bad entry named', () => {
    expect(() => new PeerPolicy({ denyPeers: ['10.0.0.0/33', 'x/8', '10.0.0.0/8'] })).toThrow(/10.0.0.0\/33, x\/8/);
  });
  it('parses host addresses as full-length prefixes', () => {
    expect(parseCidr('::1')?.prefix).toBe(128);
    expect(parseCidr('1.2.3.4')?.prefix).toBe(32);
    expect(parseCidr('1.2.3.4/')).toBeUndefined();
  });
});
