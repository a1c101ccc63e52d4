// rc-console as a helpdesk user runs it (each call starts tsx: ~2–3 s): login against a real relay
// with a self-signed certificate, devices, user sessions, the clipboard round trip and a screenshot
// over LAN from a real agent, and the errors a user must be able to tell apart.
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyntheticBackend } from '../../agent-client/src/backend/synthetic';
import { createLogger } from '../../agent-client/src/log';
import { LanServer } from '../../agent-client/src/transports/lan/server';
import { createWebRtcTransport } from '../../agent-client/src/transports/webrtc/factory';
import { enrollConfig, startAgent, until } from '../agent/support';
import { ADMIN_PASSWORD } from '../support/relay';
import { cli, configHome, loggedIn, removeHomes, startWorld, syntheticBackground, type World } from './support';

let w: World;
let home: string;

beforeAll(async () => {
  w = await startWorld();
  home = await loggedIn(w);
}, 90_000);
afterAll(async () => {
  await w?.a.stop();
  await w?.r.stop();
  removeHomes();
});

const configFile = (h: string) => join(h, 'rc-console', 'config.json');

describe('rc-console login', { timeout: 90_000 }, () => {
  it('pins the self-signed relay, keeps the token in a 0600 file, refuses a wrong password', async () => {
    const h = configHome();
    const bad = await cli(h, ['login', '--server', w.r.base, '--username', 'admin', '--password', 'wrong']).done;
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('wrong username or password');

    // `--password -` reads it from stdin, out of the process list.
    const ok = await cli(
      h,
      ['login', '--server', w.r.base, '--username', 'admin', '--password', '-'],
      `${ADMIN_PASSWORD}\n`,
    ).done;
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('logged in');
    expect(ok.stderr).toContain('pinned the relay');
    const cfg = JSON.parse(readFileSync(configFile(h), 'utf8'));
    expect(statSync(configFile(h)).mode & 0o777).toBe(0o600);
    expect(cfg.serverFingerprint).toBe(new X509Certificate(w.r.cert).fingerprint256.replace(/:/g, '').toLowerCase());
    expect(ok.stdout + ok.stderr).not.toContain(cfg.token);
  });

  it('says the login expired, and refuses a relay whose certificate changed', async () => {
    const h = await loggedIn(w);
    const cfg = JSON.parse(readFileSync(configFile(h), 'utf8'));
    writeFileSync(configFile(h), JSON.stringify({ ...cfg, expiresAt: new Date(Date.now() - 1000).toISOString() }));
    const expired = await cli(h, ['devices']).done;
    expect(expired.code).toBe(3);
    expect(expired.stderr).toMatch(/expired .*run `rc-console login` again/);

    // A token the relay no longer takes (as after its expiry on the relay's clock).
    writeFileSync(configFile(h), JSON.stringify({ ...cfg, token: `${cfg.token.slice(0, -4)}AAAA` }));
    const refused = await cli(h, ['devices']).done;
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('not valid; run `rc-console login` again');

    writeFileSync(configFile(h), JSON.stringify({ ...cfg, serverFingerprint: 'ab'.repeat(32) }));
    const pin = await cli(h, ['devices']).done;
    expect(pin.code).toBe(9);
    expect(pin.stderr).toContain('different certificate');
  });
});

describe('rc-console with a login', { timeout: 90_000 }, () => {
  it('lists devices as a table and as JSON; unknown devices exit 4', async () => {
    const table = await cli(home, ['devices']).done;
    expect(table.code).toBe(0);
    const row = table.stdout.split('\n').find((l) => l.includes(w.hostname));
    expect(row).toContain(w.a.cfg.deviceId);
    expect(row).toContain('online');
    const json = await cli(home, ['devices', '--json']).done;
    expect(JSON.parse(json.stdout).map((d: { id: string }) => d.id)).toEqual([w.a.cfg.deviceId]);
    const missing = await cli(home, ['sessions', 'no-such-pc']).done;
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('no device no-such-pc');
  });

  it('lists user sessions by host name, from the relay and live over LAN', async () => {
    const fromRelay = await cli(home, ['sessions', w.hostname.toUpperCase(), '--json']).done;
    expect(fromRelay.code).toBe(0);
    expect(JSON.parse(fromRelay.stdout).map((s: { id: string }) => s.id)).toEqual([':0', ':1']);
    const live = await cli(home, ['sessions', w.a.cfg.deviceId, '--live']).done;
    expect(live.code).toBe(0);
    expect(live.stdout).toMatch(/^:1\s+second\s+x11\s+no\s+yes$/m);
  });

  it('sets the device clipboard from stdin and reads it back', async () => {
    const text = 'ticket #4711: ünïcode ✓';
    const set = await cli(home, ['clipboard', 'set', w.hostname], text).done;
    expect(set.code).toBe(0);
    expect((await w.a.backend.readClipboard(':0'))?.data.toString()).toBe(text);
    w.a.backend.userCopies(':0', { mime: 'text/plain', data: Buffer.from('copied by the user') });
    const get = await cli(home, ['clipboard', 'get', w.hostname]).done;
    expect(get.code).toBe(0);
    expect(get.stdout).toBe('copied by the user');
  });

  it('takes a screenshot whose pixels are the synthetic desktop, of the user session asked for', async () => {
    for (const [session, index] of [
      [':0', 0],
      [':1', 1],
    ] as const) {
      const out = join(home, `shot${index}.png`);
      const res = await cli(home, ['screenshot', w.hostname, '-o', out, '--session', session]).done;
      expect(res.code, res.stderr).toBe(0);
      const { data, info } = await sharp(readFileSync(out)).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height, info.format]).toEqual([320, 240, 'raw']);
      // The still background must match almost everywhere (the moving box and the clock stamp are
      // the exceptions); the red texture is what tells the two user sessions apart.
      let close = 0;
      for (let y = 0; y < info.height; y++)
        for (let x = 0; x < info.width; x++) {
          const o = (y * info.width + x) * info.channels;
          const want = syntheticBackground(x, y, info.width, info.height, index);
          const err = Math.max(
            Math.abs(data[o]! - want.r),
            Math.abs(data[o + 1]! - want.g),
            Math.abs(data[o + 2]! - want.b),
          );
          if (err <= 40) close++;
        }
      expect(close / (info.width * info.height)).toBeGreaterThan(0.9);
    }
  });

  it('--internet: clipboard round trip and a screenshot over WebRTC through the relay', async () => {
    const set = await cli(home, ['clipboard', 'set', w.hostname, '--internet', '--text', 'over webrtc']).done;
    expect(set.code, set.stderr).toBe(0);
    expect((await w.a.backend.readClipboard(':0'))?.data.toString()).toBe('over webrtc');
    const get = await cli(home, ['clipboard', 'get', w.hostname, '--internet']).done;
    expect(get.stdout).toBe('over webrtc');
    const out = join(home, 'internet.png');
    const shot = await cli(home, ['screenshot', w.hostname, '--internet', '-o', out]).done;
    expect(shot.code, shot.stderr).toBe(0);
    const { data, info } = await sharp(readFileSync(out)).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([320, 240]);
    // Through VP8 the fine red texture blurs; the blue (x) and green (y) gradients must hold.
    let close = 0;
    for (let y = 0; y < info.height; y += 4)
      for (let x = 0; x < info.width; x += 4) {
        const o = (y * info.width + x) * info.channels;
        const want = syntheticBackground(x, y, info.width, info.height, 0);
        if (Math.abs(data[o + 1]! - want.g) <= 32 && Math.abs(data[o + 2]! - want.b) <= 32) close++;
      }
    expect(close / ((info.width / 4) * (info.height / 4))).toBeGreaterThan(0.8);
    // The sessions ended on the agent.
    await until(() => w.a.agent.sessions.size === 0, 10_000, 'sessions ended');
  });

  it('a device user who refuses: exit 6 over LAN and over the internet, with the reason', async () => {
    const backend = new SyntheticBackend({ width: 64, height: 48, consentAnswer: 'deny', consentDelayMs: 0 });
    const cfg = await enrollConfig(
      w.admin,
      {
        consent: 'ask',
        lan: {
          enabled: true,
          bindAddress: '127.0.0.1',
          advertise: ['127.0.0.1'],
          ports: { connect: 0, screen: 0, sessions: 0 },
        },
      },
      { hostname: 'refusing-pc' },
    );
    const refusing = await startAgent(cfg, {
      backend,
      lan: new LanServer(cfg, createLogger('silent')),
      webrtc: createWebRtcTransport,
    });
    try {
      const lan = await cli(home, ['clipboard', 'get', 'refusing-pc']).done;
      expect(lan.code).toBe(6);
      expect(lan.stderr).toContain('refused on the device');
      const internet = await cli(home, ['screenshot', 'refusing-pc', '--internet', '-o', join(home, 'no.png')]).done;
      expect(internet.code).toBe(6);
      expect(internet.stderr).toContain('the device refused the session');
      expect(backend.consentLog.length).toBe(2);
    } finally {
      await refusing.stop();
    }
  });

  it('connect without --lan prints the device page of the relay console; an offline device exits 5', async () => {
    const res = await cli(home, ['connect', w.hostname, '--view', '--no-open']).done;
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toBe(`${w.r.base}/#/session/${w.a.cfg.deviceId}/view`);
    // Enrolled, never started: offline, and without LAN addresses.
    await enrollConfig(w.admin, {}, { hostname: 'sleeping-pc' });
    const offline = await cli(home, ['connect', 'sleeping-pc', '--no-open']).done;
    expect(offline.code).toBe(5);
    expect(offline.stderr).toContain('sleeping-pc is offline');
    const lan = await cli(home, ['connect', 'sleeping-pc', '--lan', '--no-open']).done;
    expect(lan.code).toBe(8);
    expect(lan.stderr).toContain('no LAN addresses');
  });
});
