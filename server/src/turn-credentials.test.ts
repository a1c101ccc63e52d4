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

  it('extra servers share the credential, and are handed out even with the embedded TURN off', () => {
    const base = { host: 'relay', port: 443, tls: false, secret: 'x', label: 's', ttlSeconds: 60 };
    const extraUrls = ['turn:turn2:3478?transport=udp'];
    const on = iceServersFor({ ...base, turn: true, extraUrls });
    expect(on).toHaveLength(3);
    expect(on[2]).toEqual({ urls: extraUrls, username: on[1]!.username, credential: on[1]!.credential });
    const off = iceServersFor({ ...base, turn: false, extraUrls });
    expect(off).toEqual([
      { urls: extraUrls, username: expect.stringMatching(/^\d+:s$/), credential: expect.any(String) },
    ]);
  });
});
