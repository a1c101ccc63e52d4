import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_CLIPBOARD_BYTES } from '@rc-relay/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from './config';

const minimal = {
  server: 'https://relay.example:8443',
  deviceId: 'd_1',
  deviceToken: 't',
  ticketPublicKey: 'pem',
  hostname: 'pc',
  cert: { certPem: 'c', keyPem: 'k', fingerprint: 'f' },
};
const dir = mkdtempSync(join(tmpdir(), 'rc-agent-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('config', () => {
  it('fills defaults: LAN on 42187–42189 on every interface, the X11 desktop, 10 s facts', () => {
    const c = parseConfig(minimal);
    expect(c.lan).toEqual({
      enabled: true,
      bindAddress: '0.0.0.0',
      ports: { connect: 42189, screen: 42187, sessions: 42188 },
    });
    // The PC's real desktop unless a config says otherwise; its display found at start.
    expect(c.backend).toEqual({ kind: 'x11', clipboard: { maxBytes: MAX_CLIPBOARD_BYTES, direction: 'both' } });
    const synthetic = parseConfig({ ...minimal, backend: { kind: 'synthetic' } }).backend;
    expect(synthetic).toMatchObject({ kind: 'synthetic', width: 1280, height: 720, consentAnswer: 'accept' });
    expect(c.factsIntervalSeconds).toBe(10);
    expect(c.consent).toBeUndefined();
  });

  it('iceTransportPolicy: all by default, relay accepted, anything else refused', () => {
    expect(parseConfig(minimal).iceTransportPolicy).toBe('all');
    expect(parseConfig({ ...minimal, iceTransportPolicy: 'relay' }).iceTransportPolicy).toBe('relay');
    expect(() => parseConfig({ ...minimal, iceTransportPolicy: 'host' })).toThrow(/\/iceTransportPolicy/);
  });

  it('x11 backend.displays: local display names only, absent by default', () => {
    const x11 = (extra: object) => parseConfig({ ...minimal, backend: { kind: 'x11', ...extra } }).backend;
    expect(x11({})).not.toHaveProperty('displays');
    expect(x11({ displays: [':0', ':12'] })).toMatchObject({ displays: [':0', ':12'] });
    expect(() => x11({ displays: ['remote:0'] })).toThrow(/\/backend/);
    expect(() => x11({ displays: [] })).toThrow(/\/backend/);
  });

  it('lists every problem at once', () => {
    try {
      parseConfig({ ...minimal, server: 'http://plain', consent: 'sometimes' });
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/\/server/);
      expect((err as Error).message).toMatch(/\/consent/);
    }
  });

  it('refuses a config file other users can read, and a missing one with what to do', () => {
    const path = join(dir, 'agent.json');
    writeFileSync(path, JSON.stringify(minimal));
    chmodSync(path, 0o644);
    expect(() => loadConfig(path)).toThrow(/readable by other users/);
    chmodSync(path, 0o600);
    expect(loadConfig(path).deviceId).toBe('d_1');
    expect(() => loadConfig(join(dir, 'none.json'))).toThrow(/rc-agent enroll/);
  });
});
