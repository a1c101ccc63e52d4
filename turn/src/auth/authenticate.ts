// Long-term credential check for TURN requests, in the order of RFC 8489 §9.2.4. Binding requests
// never come here; every TURN request does (RFC 8656 §5: no unauthenticated allocation).
import { timingSafeEqual } from 'node:crypto';
import { verifyMessageIntegrity } from '../stun/attributes/message-integrity';
import { verifyMessageIntegritySha256 } from '../stun/attributes/message-integrity-sha256';
import { Nonce } from '../stun/attributes/nonce';
import { PasswordAlgorithm, PasswordAlgorithmId } from '../stun/attributes/password-algorithms';
import { Realm } from '../stun/attributes/realm';
import { Username } from '../stun/attributes/username';
import { Attr } from '../stun/constants';
import { ErrorCode, type StunError } from '../stun/error-codes';
import { findAttribute, readAttribute, type StunMessage } from '../stun/message';
import { longTermKey, parseRestUsername, restPassword } from './credentials';
import type { NonceIssuer } from './nonce';

export interface AuthContext {
  realm: string;
  secret: string;
  nonces: NonceIssuer;
  /** Transport address of the client, bound into its nonce. */
  client: string;
  nowMs: number;
}

export type AuthResult =
  | { ok: true; username: string; key: Buffer; sha256: boolean }
  /** challenge: the error response must carry REALM and a fresh NONCE (401 and 438). */
  | { ok: false; error: StunError; challenge: boolean; why: string };

export function authenticate(msg: StunMessage, ctx: AuthContext): AuthResult {
  const mi = findAttribute(msg, Attr.MessageIntegrity);
  const mi256 = findAttribute(msg, Attr.MessageIntegritySha256);
  if (!mi && !mi256) return fail(ErrorCode.Unauthenticated, true, 'no MESSAGE-INTEGRITY');
  const username = readAttribute(msg, Username);
  const realm = readAttribute(msg, Realm);
  const nonce = readAttribute(msg, Nonce);
  if (!username.present || !realm.present || !nonce.present)
    return fail(ErrorCode.BadRequest, false, 'USERNAME, REALM or NONCE missing');
  if (username.value === undefined || realm.value === undefined || nonce.value === undefined)
    return fail(ErrorCode.BadRequest, false, 'malformed USERNAME, REALM or NONCE');
  if (ctx.nonces.check(nonce.value, ctx.client, ctx.nowMs) !== 'valid')
    return fail(ErrorCode.StaleNonce, true, 'stale or foreign nonce');
  if (!sameText(realm.value, ctx.realm)) return fail(ErrorCode.Unauthenticated, true, 'wrong realm');
  const rest = parseRestUsername(username.value);
  if (!rest) return fail(ErrorCode.Unauthenticated, true, 'username is not <expiry>:<label>');
  if (rest.expiresAt * 1000 <= ctx.nowMs) return fail(ErrorCode.Unauthenticated, true, 'credential expired');
  const password = restPassword(ctx.secret, username.value);
  if (mi256) {
    // RFC 8489 §9.2.4: with both present, MESSAGE-INTEGRITY-SHA256 is the one checked. The key
    // follows PASSWORD-ALGORITHM when given (§14.12), MD5 otherwise.
    const algo = readAttribute(msg, PasswordAlgorithm);
    const sha = algo.present && algo.value?.algorithm === PasswordAlgorithmId.SHA256;
    if (algo.present && (!algo.value || (algo.value.algorithm !== PasswordAlgorithmId.MD5 && !sha)))
      return fail(ErrorCode.BadRequest, false, 'unsupported PASSWORD-ALGORITHM');
    const key = longTermKey(username.value, ctx.realm, password, sha ? 'sha256' : 'md5');
    if (!verifyMessageIntegritySha256(key, msg.raw, mi256.offset, mi256.value))
      return fail(ErrorCode.Unauthenticated, true, 'bad MESSAGE-INTEGRITY-SHA256');
    return { ok: true, username: username.value, key, sha256: true };
  }
  const key = longTermKey(username.value, ctx.realm, password);
  if (!verifyMessageIntegrity(key, msg.raw, mi!.offset, mi!.value))
    return fail(ErrorCode.Unauthenticated, true, 'bad MESSAGE-INTEGRITY');
  return { ok: true, username: username.value, key, sha256: false };
}

function fail(error: StunError, challenge: boolean, why: string): AuthResult {
  return { ok: false, error, challenge, why };
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
