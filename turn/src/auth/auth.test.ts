import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Nonce } from '../stun/attributes/nonce';
import { PasswordAlgorithm } from '../stun/attributes/password-algorithms';
import { Realm } from '../stun/attributes/realm';
import { Username } from '../stun/attributes/username';
import { MessageBuilder } from '../stun/builder';
import { MessageClass, Method } from '../stun/constants';
import { ErrorCode } from '../stun/error-codes';
import { decodeMessage, type StunMessage } from '../stun/message';
import { type AuthContext, authenticate } from './authenticate';
import { issueRestCredentials, longTermKey, parseRestUsername } from './credentials';
import { NonceIssuer } from './nonce';

const secret = 'test-secret';
const realm = 'rc-relay';
const nowMs = 1_800_000_000_000;
const client = 'udp|192.0.2.1|5000';

function request(opts: {
  username?: string;
  password?: string;
  nonce?: string;
  realm?: string;
  integrity?: 'sha1' | 'sha256' | 'sha256-key' | 'none';
}): StunMessage {
  const b = new MessageBuilder(Method.Allocate, MessageClass.Request, randomBytes(12));
  if (opts.username !== undefined) b.add(Username, opts.username);
  if (opts.realm !== undefined) b.add(Realm, opts.realm);
  if (opts.nonce !== undefined) b.add(Nonce, opts.nonce);
  const mode = opts.integrity ?? 'sha1';
  if (mode === 'sha256-key') b.add(PasswordAlgorithm, { algorithm: 2, parameters: Buffer.alloc(0) });
  const key =
    mode === 'none'
      ? undefined
      : longTermKey(opts.username ?? '', realm, opts.password ?? '', mode === 'sha256-key' ? 'sha256' : 'md5');
  const r = decodeMessage(b.build({ integrityKey: key, sha256: mode !== 'sha1' }));
  if (!r.ok) throw new Error(r.reason);
  return r.message;
}

describe('authenticate (RFC 8489 §9.2.4)', () => {
  const nonces = new NonceIssuer(600);
  const ctx: AuthContext = { realm, secret, nonces, client, nowMs };
  const creds = issueRestCredentials(secret, 'alice', 3600, nowMs / 1000);
  const nonce = nonces.issue(client, nowMs);

  it('accepts valid REST credentials with MESSAGE-INTEGRITY, -SHA256 and the SHA-256 key', () => {
    for (const integrity of ['sha1', 'sha256', 'sha256-key'] as const) {
      const r = authenticate(request({ ...creds, realm, nonce, integrity }), ctx);
      expect(r).toMatchObject({ ok: true, username: creds.username, sha256: integrity !== 'sha1' });
    }
  });

  it.each([
    [
      'no integrity → 401 challenge',
      { ...creds, realm, nonce, integrity: 'none' as const },
      ErrorCode.Unauthenticated,
      true,
    ],
    ['missing nonce → 400', { ...creds, realm }, ErrorCode.BadRequest, false],
    [
      'foreign nonce → 438',
      { ...creds, realm, nonce: nonces.issue('udp|192.0.2.2|5000', nowMs) },
      ErrorCode.StaleNonce,
      true,
    ],
    ['garbage nonce → 438', { ...creds, realm, nonce: 'abc' }, ErrorCode.StaleNonce, true],
    ['wrong password → 401', { ...creds, password: 'x', realm, nonce }, ErrorCode.Unauthenticated, true],
    ['wrong realm → 401', { ...creds, realm: 'other', nonce }, ErrorCode.Unauthenticated, true],
    ['non-REST username → 401', { username: 'alice', password: 'x', realm, nonce }, ErrorCode.Unauthenticated, true],
  ])('%s', (_name, opts, error, challenge) => {
    const r = authenticate(request(opts), ctx);
    expect(r).toMatchObject({ ok: false, error, challenge });
  });

  it('refuses an expired credential even with the right password', () => {
    const old = issueRestCredentials(secret, 'alice', -1, nowMs / 1000);
    const r = authenticate(request({ ...old, realm, nonce }), ctx);
    expect(r).toMatchObject({ ok: false, error: ErrorCode.Unauthenticated, why: 'credential expired' });
  });

  it('a nonce past its lifetime is stale (438)', () => {
    const later = { ...ctx, nowMs: nowMs + 601_000 };
    const r = authenticate(request({ ...creds, realm, nonce }), later);
    expect(r).toMatchObject({ ok: false, error: ErrorCode.StaleNonce });
  });
});

describe('REST usernames', () => {
  it('parses <expiry>:<label> and rejects other shapes', () => {
    expect(parseRestUsername('1700000000:alice:x')).toEqual({ expiresAt: 1700000000, label: 'alice:x' });
    expect(parseRestUsername('1700000000')).toEqual({ expiresAt: 1700000000, label: '' });
    expect(parseRestUsername('alice:1700000000')).toBeUndefined();
    expect(parseRestUsername('')).toBeUndefined();
  });
});
