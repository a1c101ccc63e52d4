import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { iceServersFor, turnCredential } from './turn-credentials';

describe('TURN REST credentials', () => {
  it('username is expiry:label and password the HMAC-SHA1 of it', () => {
    const c = turnCredential('s3cret', 'sess1', 600, 1_700_000_000_000);
    expect(c.username).toBe('1700000600:sess1');
    expect(c.credential).toBe(createHmac('sha1', 's3cret').update('1700000600:sess1').digest('base64'));
  });

  it('ICE servers carry UDP, TCP and TLS on the one port, IPv6 bracketed', () => {
    const s = iceServersFor({
      host: '::1',
      port: 8443,
      tls: true,
      turn: true,
      secret: 'x',
      label: 's',
      ttlSeconds: 60,
    });
    expect(s[0]!.urls).toEqual(['stun:[::1]:8443']);
    expect(s[1]!.urls).toEqual([
      'turn:[::1]:8443?transport=udp',
      'turn:[::1]:8443?transport=tcp',
      'turns:[::1]:8443?transport=tcp',
    ]);
    expect(
      iceServersFor({ host: 'h', port: 1, tls: true, turn: false, secret: 'x', label: 's', ttlSeconds: 60 }),
    ).toEqual([]);
  });
});
