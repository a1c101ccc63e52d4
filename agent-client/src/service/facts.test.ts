import type { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { diffFacts, type Facts, lanAddresses } from './facts';

type Ifaces = ReturnType<typeof networkInterfaces>;
const a = (address: string, family: 'IPv4' | 'IPv6', internal = false) =>
  ({
    address,
    family,
    internal,
    netmask: '',
    mac: '',
    cidr: null,
    ...(family === 'IPv6' ? { scopeid: 0 } : {}),
  }) as never;

describe('lanAddresses', () => {
  it('keeps routable addresses, drops loopback and link-local', () => {
    const ifaces: Ifaces = {
      lo: [a('127.0.0.1', 'IPv4', true), a('::1', 'IPv6', true)],
      eth0: [a('192.168.1.20', 'IPv4'), a('fe80::1', 'IPv6'), a('2001:db8::5', 'IPv6')],
      wlan0: [a('169.254.3.4', 'IPv4'), a('10.0.0.7', 'IPv4')],
    };
    expect(lanAddresses(ifaces)).toEqual(['192.168.1.20', '2001:db8::5', '10.0.0.7']);
  });
});

describe('diffFacts', () => {
  const base: Facts = {
    version: '1',
    hostname: 'pc',
    os: 'linux',
    sessions: [],
    monitors: [],
    lanAddresses: ['10.0.0.1'],
    certFingerprint: 'a'.repeat(64),
  };
  it('reports only what changed', () => {
    expect(diffFacts(base, { ...base })).toBeUndefined();
    expect(diffFacts(base, { ...base, lanAddresses: ['10.0.0.2'] })).toEqual({ lanAddresses: ['10.0.0.2'] });
  });
});
