// The badge's path from getStats candidates, and the ICE configuration for each route choice.
import { describe, expect, it } from 'vitest';
import { describePath } from './path-stats';
import { iceConfig } from './rtc';

const cand = (candidateType: string, relayProtocol?: string) => ({
  id: 'c',
  type: 'local-candidate',
  candidateType,
  ...(relayProtocol ? { relayProtocol } : {}),
});

describe('describePath', () => {
  it.each([
    [cand('host'), cand('host'), 'direct'],
    [cand('srflx'), cand('prflx'), 'direct'],
    [cand('relay', 'udp'), cand('host'), 'TURN UDP'],
    [cand('relay', 'tcp'), cand('relay'), 'TURN TCP'],
    [cand('relay', 'tls'), cand('host'), 'TURN TLS'],
    [cand('prflx', 'tcp'), cand('host'), 'TURN TCP'],
    [cand('host'), cand('relay'), 'TURN (device side)'],
    [undefined, undefined, 'connecting'],
  ])('%o / %o → %s', (local, remote, want) => {
    expect(describePath(local, remote)).toBe(want);
  });
});

describe('iceConfig', () => {
  const servers = [
    { urls: ['stun:relay:8443'] },
    {
      urls: ['turn:relay:8443?transport=udp', 'turn:relay:8443?transport=tcp', 'turns:relay:8443?transport=tcp'],
      username: 'u',
      credential: 'p',
    },
  ];
  it('auto: every server, any candidate', () => {
    expect(iceConfig(servers, 'auto')).toEqual({ iceServers: servers });
  });
  it('relay: TURN servers only, relay candidates only', () => {
    const c = iceConfig(servers, 'relay');
    expect(c.iceTransportPolicy).toBe('relay');
    expect(c.iceServers).toEqual([{ ...servers[1], urls: servers[1]!.urls }]);
  });
  it('relay-tcp: only TURN over TCP and TLS', () => {
    const c = iceConfig(servers, 'relay-tcp');
    expect(c.iceServers?.[0]?.urls).toEqual(['turn:relay:8443?transport=tcp', 'turns:relay:8443?transport=tcp']);
  });
});
