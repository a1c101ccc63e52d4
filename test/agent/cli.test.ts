// The rc-agent command line as an admin uses it (each call starts tsx: ~2.5 s): enroll, status, run until SIGTERM, and the
// systemd unit (written to a scratch path; systemctl is only called where it exists).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../support/http';
import { TestConsole } from '../support/peers';
import { ADMIN_PASSWORD, startRelay, type TestRelay } from '../support/relay';
import { RtcConsole } from './rtc-console';
import { until } from './support';

const BIN = join(import.meta.dirname, '..', '..', 'agent-client', 'bin', 'rc-agent.mjs');
let r: TestRelay;
let admin: Api;
let dir: string;

beforeAll(async () => {
  r = await startRelay({ RC_TURN: 'off' });
  admin = await new Api(r.base, r.cert).login('admin', ADMIN_PASSWORD);
  dir = mkdtempSync(join(tmpdir(), 'rc-agent-cli-'));
});
afterAll(async () => {
  await r.stop();
  rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: 'pipe' });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const done = new Promise<{ code: number | null; out: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, out })),
  );
  return { child, done, output: () => out };
}

describe('rc-agent', () => {
  it('enroll → status → run → status → SIGTERM', async () => {
    const config = join(dir, 'conf', 'agent.json');
    const token = (await admin.post('/api/v1/enrollment-tokens', {})).body.token;
    const bad = await cli(['enroll', '--server', r.base, '--token', 'nope', '--config', config]).done;
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('enrollment_token_invalid');

    const ok = await cli([
      'enroll',
      '--server',
      r.base,
      '--token',
      token,
      '--hostname',
      'cli-pc',
      '--consent',
      'auto-accept',
      '--config',
      config,
    ]).done;
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('pinned the relay');
    expect(statSync(config).mode & 0o777).toBe(0o600);
    expect(ok.out).not.toContain(JSON.parse(readFileSync(config, 'utf8')).deviceToken);
    const again = await cli(['enroll', '--server', r.base, '--token', token, '--config', config]).done;
    expect(again.code).toBe(2);

    // Enrolled for the PC's real desktop by default.
    const cfg = JSON.parse(readFileSync(config, 'utf8'));
    expect(cfg.backend.kind).toBe('x11');
    // Test-only: LAN on ephemeral loopback ports instead of 42187–42189 on every interface, and a
    // generated desktop (no X server here).
    cfg.lan = { enabled: true, bindAddress: '127.0.0.1', ports: { connect: 0, screen: 0, sessions: 0 } };
    cfg.backend = { kind: 'synthetic' };
    writeFileSync(config, JSON.stringify(cfg), { mode: 0o600 });

    expect((await cli(['status'], { RC_AGENT_CONFIG: config }).done).code).toBe(3);
    const run: { child: ChildProcess; done: Promise<{ code: number | null; out: string }> } = cli(['run'], {
      RC_AGENT_CONFIG: config,
    });
    await until(
      async () => (await admin.get(`/api/v1/devices/${cfg.deviceId}`)).body.online === true,
      15_000,
      'CLI agent online',
    );
    const st = await cli(['status', '--config', config]).done;
    expect(st.code).toBe(0);
    const status = JSON.parse(st.out);
    expect(status).toMatchObject({ online: true, deviceId: cfg.deviceId, policy: 'auto-accept', sessions: [] });
    expect(status.lanPorts.connect).toBeGreaterThan(0);

    // A WebRTC session with the agent process, then a stop: the exit is clean (wrtc's threads made
    // Node's exit teardown crash with SIGSEGV after a peer connection: exit code 139 / null).
    const con = await new TestConsole(admin).connect();
    const s = await con.openSession(cfg.deviceId, 'view');
    await con.inbox.wait('session.state', (m) => m.sessionId === s.sessionId && m.state === 'accepted');
    const peer = await new RtcConsole(con, s.sessionId, s.reply.iceServers).start();
    await until(() => peer.frames >= 3, 10_000, 'video from the agent process');
    peer.close();
    con.send({ type: 'session.end', sessionId: s.sessionId });
    con.ws.close();
    run.child.kill('SIGTERM');
    const stopped = await run.done;
    expect(stopped.code, stopped.out.slice(-2000)).toBe(0);
    expect((await cli(['status', '--config', config]).done).code).toBe(3);
  }, 90_000);

  it('install-service writes a systemd unit; unknown commands print usage', async () => {
    const unit = join(dir, 'rc-agent.service');
    const config = join(dir, 'x.json');
    const env = { RC_AGENT_UNIT_PATH: unit, RC_AGENT_CONFIG: config, PATH: '/nonexistent' };
    const res = await cli(['install-service'], env).done;
    expect(res.code).toBe(0);
    const text = readFileSync(unit, 'utf8');
    expect(text).toContain(`Environment=RC_AGENT_CONFIG=${config}`);
    expect(text).toMatch(/ExecStart=\S+node\S* \S+rc-agent\.mjs run/);
    expect(res.out).toContain('systemctl not found');
    expect((await cli(['uninstall-service'], env).done).code).toBe(0);
    expect(() => statSync(unit)).toThrow();
    const usage = await cli(['frobnicate']).done;
    expect(usage.code).toBe(2);
    expect(usage.out).toContain('usage:');
  }, 60_000);
});
