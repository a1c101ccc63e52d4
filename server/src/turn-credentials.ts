// Time-limited TURN credentials (the "TURN REST API" scheme coturn's --use-auth-secret implements):
// username = "<unix expiry>:<label>", password = base64(HMAC-SHA1(secret, username)).
import { createHmac } from 'node:crypto';
import type { IceServer } from '@rc-relay/protocol';

export function turnCredential(secret: string, label: string, ttlSeconds: number, nowMs = Date.now()) {
  const username = `${Math.floor(nowMs / 1000) + ttlSeconds}:${label}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

/** ICE servers for one session: STUN and TURN over UDP, TCP and TLS, all on the relay's one port. */
export function iceServersFor(opts: {
  host: string;
  port: number;
  tls: boolean;
  turn: boolean;
  secret: string;
  label: string;
  ttlSeconds: number;
}): IceServer[] {
  if (!opts.turn) return [];
  const host = opts.host.includes(':') && !opts.host.startsWith('[') ? `[${opts.host}]` : opts.host;
  const hp = `${host}:${opts.port}`;
  const { username, credential } = turnCredential(opts.secret, opts.label, opts.ttlSeconds);
  const urls = [`turn:${hp}?transport=udp`, `turn:${hp}?transport=tcp`];
  if (opts.tls) urls.push(`turns:${hp}?transport=tcp`);
  return [{ urls: [`stun:${hp}`] }, { urls, username, credential }];
}
