import { describe, expect, it } from 'vitest';
import { ExternalAddressError, resolveExternalAddresses } from './external-address';

describe('resolveExternalAddresses', () => {
  it.each([
    [null, {}],
    ['', {}],
    ['203.0.113.7', { externalIPv4: '203.0.113.7' }],
    ['2001:db8::7', { externalIPv6: '2001:db8::7' }],
  ])('%s → %o without DNS', async (host, want) => {
    const noDns = () => Promise.reject(new Error('must not resolve'));
    expect(await resolveExternalAddresses(host, noDns)).toEqual(want);
  });

  it('takes the first address of each family a name resolves to', async () => {
    const dns = async () => [
      { address: '2001:db8::1', family: 6 },
      { address: '198.51.100.1', family: 4 },
      { address: '198.51.100.2', family: 4 },
    ];
    expect(await resolveExternalAddresses('relay.example.com', dns)).toEqual({
      externalIPv4: '198.51.100.1',
      externalIPv6: '2001:db8::1',
    });
  });

  it('resolves a real name through the system resolver', async () => {
    const r = await resolveExternalAddresses('localhost');
    expect(r.externalIPv4 ?? r.externalIPv6).toMatch(/^(127\.|::1$)/);
  });

  it('says what to do when the name does not resolve', async () => {
    const nx = () => Promise.reject(Object.assign(new Error('nx'), { code: 'ENOTFOUND' }));
    await expect(resolveExternalAddresses('nowhere.invalid', nx)).rejects.toThrow(ExternalAddressError);
    await expect(resolveExternalAddresses('nowhere.invalid', nx)).rejects.toThrow(/ENOTFOUND.*public IP/);
  });
});
