import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { TicketVerifier } from './tickets';

const pair = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    priv: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    pub: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
};
const relay = pair();
const forger = pair();
const claims = { name: 'ann', sid: 's_1', mode: 'control', transport: 'lan' };
const sign = (o: { key?: string; aud?: string; exp?: number; iss?: string; c?: object; alg?: jwt.Algorithm } = {}) =>
  jwt.sign({ ...claims, ...o.c }, o.key ?? relay.priv, {
    algorithm: o.alg ?? 'ES256',
    issuer: o.iss ?? 'rc-relay',
    audience: o.aud ?? 'd_1',
    subject: 'u_1',
    expiresIn: o.exp ?? 60,
  });

describe('TicketVerifier', () => {
  const v = new TicketVerifier(relay.pub, 'd_1', 0);

  it('accepts a good ticket and returns its claims', () => {
    const r = v.verify(sign(), { transport: 'lan' });
    expect(r).toMatchObject({ ok: true, claims: { sid: 's_1', mode: 'control', name: 'ann', aud: 'd_1' } });
  });

  it.each([
    ['forged signature', sign({ key: forger.priv }), { transport: 'lan' as const }, /signature/],
    ['another device', sign({ aud: 'd_2' }), { transport: 'lan' as const }, /audience/],
    ['expired', sign({ exp: -10 }), { transport: 'lan' as const }, /expired/],
    ['other issuer', sign({ iss: 'evil' }), { transport: 'lan' as const }, /issuer/],
    ['another session', sign(), { transport: 'lan' as const, sessionId: 's_2' }, /another session/],
    ['other transport', sign(), { transport: 'internet' as const }, /not for internet/],
    ['bad claims', sign({ c: { mode: 'root' } }), { transport: 'lan' as const }, /schema/],
    [
      'HS256 with the public key as secret',
      jwt.sign(claims, relay.pub, { algorithm: 'HS256' }),
      { transport: 'lan' as const },
      /invalid algorithm/,
    ],
    ['garbage', 'not.a.jwt', { transport: 'lan' as const }, /./],
  ])('refuses %s', (_name, ticket, expect_, reason) => {
    const r = v.verify(ticket, expect_);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});
