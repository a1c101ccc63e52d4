// The container's HEALTHCHECK script against real relays: healthy over verified TLS, unhealthy when
// the certificate is not the relay's, when nothing listens, and over plain HTTP when TLS is off.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type TestRelay } from '../support/relay';
import { missingTool } from '../support/system';

const noOpenssl = missingTool('/usr/bin/openssl', 'openssl');
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

  it.skipIf(noOpenssl)(
    'with RC_TLS_CERT: verifies the chain and the public name, not the loopback address',
    async () => {
      // A private CA and a certificate for relay.test signed by it (what an internal PKI gives).
      const pki = mkdtempSync(join(tmpdir(), 'rc-ops-pki-'));
      const ssl = (...args: string[]) => {
        const r = spawnSync('openssl', args, { cwd: pki, encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
      };
      ssl(
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=Test CA',
        '-keyout',
        'ca.key',
        '-out',
        'ca.pem',
      );
      ssl(
        'req',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-subj',
        '/CN=relay.test',
        '-keyout',
        'relay.key',
        '-out',
        'relay.csr',
      );
      writeFileSync(join(pki, 'ext.cnf'), 'subjectAltName=DNS:relay.test\n');
      ssl(
        'x509',
        '-req',
        '-in',
        'relay.csr',
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '2',
        '-extfile',
        'ext.cnf',
        '-out',
        'relay.pem',
      );
      // The chain file as a relay would be given it, here with the private root appended.
      writeFileSync(
        join(pki, 'chain.pem'),
        readFileSync(join(pki, 'relay.pem'), 'utf8') + readFileSync(join(pki, 'ca.pem'), 'utf8'),
      );
      const tlsEnv = { RC_TLS_CERT: join(pki, 'chain.pem'), RC_TLS_KEY: join(pki, 'relay.key') };
      const relay = await startRelay({ RC_TURN: 'off', ...tlsEnv });
      try {
        const env = { RC_PORT: String(relay.port), ...tlsEnv };
        expect(await healthcheck({ ...env, RC_PUBLIC_HOST: 'relay.test' })).toEqual({ code: 0, out: '' });
        // Without RC_PUBLIC_HOST the certificate's own DNS name is the one checked.
        expect(await healthcheck(env)).toEqual({ code: 0, out: '' });
        const wrongName = await healthcheck({ ...env, RC_PUBLIC_HOST: 'other.test' });
        expect(wrongName.code).toBe(1);
        expect(wrongName.out).toMatch(/unhealthy: .*other\.test/);
      } finally {
        await relay.stop();
        rmSync(pki, { recursive: true, force: true });
      }
    },
  );
});
