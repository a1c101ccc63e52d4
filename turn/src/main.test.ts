import { describe, expect, it } from 'vitest';
import { configFromEnv } from './main';
import { autoWorkerCount } from './shard/worker-count';

describe('standalone configuration from the environment', () => {
  it('requires RC_TURN_SECRET and lists every problem at once', () => {
    expect(() => configFromEnv({ RC_PORT: 'x', RC_RELAY_PORTS: '5-' })).toThrow(
      /RC_PORT is not a port[\s\S]*RC_TURN_SECRET is required[\s\S]*RC_RELAY_PORTS/,
    );
  });

  it('maps the variables onto TurnOptions', () => {
    const c = configFromEnv({
      RC_TURN_SECRET: 's',
      RC_PORT: '8443',
      RC_HOST: '127.0.0.1',
      RC_RELAY_PORTS: '50000-50100',
      RC_TURN_DENY_PEERS: '10.0.0.0/8, 192.168.0.0/16',
      RC_TURN_ALLOW_PEERS: '10.1.0.0/16',
      RC_PUBLIC_HOST: '203.0.113.7',
      RC_TURN_WORKERS: '2',
    });
    expect(c.port).toBe(8443);
    expect(c.host).toBe('127.0.0.1');
    expect(c.turn).toMatchObject({
      secret: 's',
      relayPortRange: [50000, 50100],
      denyPeers: ['10.0.0.0/8', '192.168.0.0/16'],
      allowPeers: ['10.1.0.0/16'],
      workers: 2,
    });
    // Resolved to externalIPv4/externalIPv6 at start (external-address.test.ts).
    expect(c.publicHost).toBe('203.0.113.7');
  });

  it('defaults to port 3478 and the full dynamic relay range; a host name is kept for resolving at start', () => {
    const c = configFromEnv({ RC_TURN_SECRET: 's', RC_PUBLIC_HOST: 'relay.example.org' });
    expect(c.port).toBe(3478);
    expect(c.turn.relayPortRange).toEqual([49152, 65535]);
    expect(c.publicHost).toBe('relay.example.org');
    expect(c.turn.workers).toBe(autoWorkerCount([49152, 65535]));
    expect(() => configFromEnv({ RC_TURN_SECRET: 's', RC_TURN_WORKERS: 'many' })).toThrow(/RC_TURN_WORKERS/);
  });

  it('RC_TURN_SENDMMSG: on by default, off turns batching off, anything else is an error', () => {
    expect(configFromEnv({ RC_TURN_SECRET: 's' }).turn.udpSendBatching).toBe(true);
    expect(configFromEnv({ RC_TURN_SECRET: 's', RC_TURN_SENDMMSG: 'off' }).turn.udpSendBatching).toBe(false);
    expect(() => configFromEnv({ RC_TURN_SECRET: 's', RC_TURN_SENDMMSG: 'fast' })).toThrow(/RC_TURN_SENDMMSG/);
  });

  it('auto workers: one per core on Linux ≥ 6.13, never more than relay ports or 16, none elsewhere', () => {
    expect(autoWorkerCount([50000, 65535], 'linux', '6.18.44-fc-v769', 4)).toBe(4);
    expect(autoWorkerCount([50000, 65535], 'linux', '6.13.0', 64)).toBe(16);
    expect(autoWorkerCount([50000, 50001], 'linux', '7.0.1', 8)).toBe(2);
    expect(autoWorkerCount([50000, 65535], 'linux', '6.12.9', 8)).toBe(1);
    expect(autoWorkerCount([50000, 65535], 'linux', '5.15.0-91-generic', 8)).toBe(1);
    expect(autoWorkerCount([50000, 65535], 'darwin', '24.1.0', 8)).toBe(1);
  });
});
