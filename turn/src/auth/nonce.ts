// Stateless nonces (RFC 8489 §9.2, §9.2.4): "<expiry hex>.<HMAC>" where the HMAC binds the expiry to
// the client's transport address under a per-process random key. Nothing is stored per client, so
// unauthenticated traffic cannot grow a table (the node-turn failure in FINDINGS.md).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type NonceCheck = 'valid' | 'stale' | 'invalid';

export class NonceIssuer {
  constructor(
    private readonly lifetimeSec: number,
    /** Shared with relay worker threads so a nonce issued by one thread is valid in all. */
    readonly key: Buffer = randomBytes(32),
  ) {}

  issue(client: string, nowMs = Date.now()): string {
    const expiry = Math.floor(nowMs / 1000) + this.lifetimeSec;
    const stamp = expiry.toString(16).padStart(8, '0');
    return `${stamp}.${this.mac(stamp, client).toString('base64url')}`;
  }

  check(nonce: string, client: string, nowMs = Date.now()): NonceCheck {
    const dot = nonce.indexOf('.');
    if (dot !== 8) return 'invalid';
    const stamp = nonce.slice(0, 8);
    if (!/^[0-9a-f]{8}$/.test(stamp)) return 'invalid';
    const given = Buffer.from(nonce.slice(9), 'base64url');
    const expected = this.mac(stamp, client);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
    return Number.parseInt(stamp, 16) * 1000 < nowMs ? 'stale' : 'valid';
  }

  private mac(stamp: string, client: string): Buffer {
    return createHmac('sha256', this.key).update(stamp).update('|').update(client).digest().subarray(0, 16);
  }
}
