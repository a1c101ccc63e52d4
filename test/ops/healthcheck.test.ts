// The container's HEALTHCHECK script against real relays: healthy over verified TLS, unhealthy when
// the certificate is not the relay's, when nothing listens, and over plain HTTP when TLS is off.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type TestRelay } from '../support/relay';

const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'healthcheck.mjs');

function healthcheck(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    // Only the relay's variables: nothing from the test runner's environment leaks in.
    const child = spawn(process.execPath, [SCRIPT], { env: { PATH: process.env.PATH ?? '', ...env } });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('exit', (code) => resolve({ code, out }));
  });
}

let r: TestRelay;
let other: string;

beforeAll(async () => {
  r = await startRelay({ RC_TURN: 'off' });
  // A second data dir with a certificate of its own (what a wrong volume would give).
  other = mkdtempSync(join(tmpdir(), 'rc-ops-other-'));
  const o = await startRelay({ RC_TURN: 'off' }, other);
  await o.relay.close();
});
afterAll(async () => {
  await r.stop();
  rmSync(other, { recursive: true, force: true });
});

describe('scripts/healthcheck.mjs', () => {
  it('is healthy against the relay, verifying its self-signed certificate', async () => {
    const res = await healthcheck({ RC_PORT: String(r.port), RC_DATA_DIR: r.dataDir, RC_HOST: '0.0.0.0' });
    expect(res).toEqual({ code: 0, out: '' });
  });

  it('is unhealthy when the certificate is not the one in the data dir', async () => {
    const res = await healthcheck({ RC_PORT: String(r.port), RC_DATA_DIR: other });
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/unhealthy: .*(self.signed|certificate)/i);
  });

  it('is unhealthy when the data dir has no certificate yet or nothing listens', async () => {
    const empty = await healthcheck({ RC_PORT: String(r.port), RC_DATA_DIR: join(other, 'nope') });
    expect(empty.code).toBe(1);
    expect(empty.out).toContain('has the relay started once?');
    const stopped = await startRelay({ RC_TURN: 'off' });
    const port = stopped.port;
    const dir = stopped.dataDir;
    await stopped.relay.close();
    const down = await healthcheck({ RC_PORT: String(port), RC_DATA_DIR: dir });
    rmSync(dir, { recursive: true, force: true });
    expect(down.code).toBe(1);
    expect(down.out).toContain('ECONNREFUSED');
  });

  it('speaks plain HTTP when the relay runs with RC_TLS=off', async () => {
    const plain = await startRelay({ RC_TURN: 'off', RC_TLS: 'off' });
    try {
      const res = await healthcheck({ RC_PORT: String(plain.port), RC_TLS: 'off', RC_HOST: '127.0.0.1' });
      expect(res).toEqual({ code: 0, out: '' });
    } finally {
      await plain.stop();
    }
  });
});
