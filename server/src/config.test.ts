import { describe, expect, it } from 'vitest';
import { CONFIG_SCHEMA, ConfigError, loadConfig } from './config';

describe('config', () => {
  it('has defaults that parse', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8443);
    expect(c.relayPorts).toEqual([49152, 65535]);
    expect(c.turn).toBe(true);
    expect(c.heartbeatSeconds).toBe(25);
    expect(c.consentTimeoutSeconds).toBe(30);
  });

  it('lists every problem at once', () => {
    try {
      loadConfig({ RC_PORT: 'abc', RC_RELAY_PORTS: '80-90', RC_TURN: 'maybe', RC_TURN_DENY_PEERS: '10.0.0.0' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const p = (err as ConfigError).problems.join('\n');
      expect(p).toContain('RC_PORT');
      expect(p).toContain('RC_RELAY_PORTS');
      expect(p).toContain('RC_TURN=');
      expect(p).toContain('RC_TURN_DENY_PEERS');
      expect((err as ConfigError).problems).toHaveLength(4);
    }
  });

  it('TURN workers: auto by default, a count, or an error', () => {
    expect(loadConfig({}).turnWorkers).toBe('auto');
    expect(loadConfig({ RC_TURN_WORKERS: '3' }).turnWorkers).toBe(3);
    expect(() => loadConfig({ RC_TURN_WORKERS: '0' })).toThrow(/RC_TURN_WORKERS/);
  });

  it('TURN sendmmsg batching: on by default, off, or an error', () => {
    expect(loadConfig({}).turnSendmmsg).toBe(true);
    expect(loadConfig({ RC_TURN_SENDMMSG: 'off' }).turnSendmmsg).toBe(false);
    expect(() => loadConfig({ RC_TURN_SENDMMSG: 'sometimes' })).toThrow(/RC_TURN_SENDMMSG/);
  });

  it('requires cert and key together', () => {
    expect(() => loadConfig({ RC_TLS_CERT: '/x.pem' })).toThrow(/together/);
  });

  it('documents every variable', () => {
    for (const [name, e] of Object.entries(CONFIG_SCHEMA)) {
      expect(name).toMatch(/^RC_[A-Z_]+$/);
      expect(e.doc.length).toBeGreaterThan(10);
    }
  });
});
