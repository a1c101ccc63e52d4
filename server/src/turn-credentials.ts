// Time-limited TURN credentials (the "TURN REST API" scheme coturn's --use-auth-secret implements):
// username = "<unix expiry>:<label>", password = base64(HMAC-SHA1(secret, username)).
import { createHmac } from 'node:crypto';
import type { IceServer } from '@rc-relay/protocol';

export function turnCredential(secret: string, label: string, ttlSeconds: number, nowMs = Date.now()) {
  const username = `${Math.floor(nowMs / 1000) + ttlSeconds}:${label}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

/**
 * ICE servers for one session: STUN and TURN over UDP, TCP and TLS on the relay's one port (when the
 * embedded TURN runs), then any extra servers (RC_TURN_URLS, e.g. a scale-out coturn) with the same
 * time-limited credential, which they accept because they share the secret.
 */
export function iceServersFor(opts: {
  host: string;
  port: number;
  tls: boolean;
  turn: boolean;
  extraUrls?: readonly string[];
  secret: string;
  label: string;
  ttlSeconds: number;
}): IceServer[] {
  const extra = opts.extraUrls ?? [];
  if (!opts.turn && extra.length === 0) return [];
  const { username, credential } = turnCredential(opts.secret, opts.label, opts.ttlSeconds);
  const servers: IceServer[] = [];
  if (opts.turn) {
    const host = opts.host.includes(':') && !opts.host.startsWith('[') ? `[${opts.host}]` : opts.host;
    const hp = `${host}:${opts.port}`;
    const urls = [`turn:${hp}?transport=udp`, `turn:${hp}?transport=tcp`];
    if (opts.tls) urls.push(`turns:${hp}?transport=tcp`);
    servers.push({ urls: [`stun:${hp}`] }, { urls, username, credential });
  }
  if (extra.length > 0) servers.push({ urls: [...extra], username, credential });
  return servers;
}
