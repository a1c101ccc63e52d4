// Time-limited "TURN REST API" credentials (draft-uberti-behave-turn-rest-00, as coturn's
// --use-auth-secret implements): username "<unix expiry>:<label>", password
// base64(HMAC-SHA1(secret, username)). The long-term key of RFC 8489 §9.2.2 follows from them.
import { createHash, createHmac } from 'node:crypto';

export interface RestUsername {
  /** Unix time in seconds after which the credential is refused. */
  expiresAt: number;
  label: string;
}

export function parseRestUsername(username: string): RestUsername | undefined {
  const colon = username.indexOf(':');
  const stamp = colon < 0 ? username : username.slice(0, colon);
  if (!/^\d{1,12}$/.test(stamp)) return undefined;
  return { expiresAt: Number(stamp), label: colon < 0 ? '' : username.slice(colon + 1) };
}

export function restPassword(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username).digest('base64');
}

/** Credentials a signalling server hands to a client for `ttlSec` seconds. */
export function issueRestCredentials(
  secret: string,
  label: string,
  ttlSec: number,
  nowSec = Math.floor(Date.now() / 1000),
): { username: string; password: string } {
  const username = `${nowSec + ttlSec}:${label}`;
  return { username, password: restPassword(secret, username) };
}

/**
 * RFC 8489 §9.2.2: key = MD5(username ":" OpaqueString(realm) ":" OpaqueString(password)), or SHA-256
 * of the same string when the SHA-256 password algorithm is in use (§18.5.1.2). REST usernames and
 * base64 passwords are ASCII, so OpaqueString leaves them unchanged.
 */
export function longTermKey(username: string, realm: string, password: string, algorithm: 'md5' | 'sha256' = 'md5') {
  return createHash(algorithm).update(`${username}:${realm}:${password}`).digest();
}

/** Quotas count per credential label, not per REST username, which changes with every expiry. */
export function quotaUser(username: string): string {
  return parseRestUsername(username)?.label ?? username;
}
