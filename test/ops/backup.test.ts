// scripts/backup.mjs against a running relay: the snapshot holds what the relay just wrote (still
// in the WAL), passes SQLite's integrity check, keeps the key material, and a relay restored from it
// is the same relay (same admin, same certificate, same devices).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Api } from '../support/http';
import { enrolledAgent } from '../support/peers';
import { ADMIN_PASSWORD, startRelay, type TestRelay } from '../support/relay';

const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'backup.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'rc-ops-backup-'));
const relays: TestRelay[] = [];

afterAll(async () => {
  for (const r of relays) await r.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('scripts/backup.mjs', () => {
  it('snapshots a live relay, and the snapshot restores it', async () => {
    const r = await startRelay({ RC_TURN: 'off' });
    relays.push(r);
    const admin = await new Api(r.base, r.cert).login('admin', ADMIN_PASSWORD);
    const agent = await enrolledAgent(admin, { hostname: 'backed-up-pc' });
    const token = await admin.post('/api/v1/enrollment-tokens', { maxUses: 3 });
    expect(token.status).toBe(201);

    const run = spawnSync(process.execPath, [SCRIPT, join(scratch, 'out')], {
      env: { PATH: process.env.PATH ?? '', RC_DATA_DIR: r.dataDir },
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const dest = run.stdout.trim();
    expect(dest).toMatch(/rc-relay-\d{4}-\d\d-\d\dT/);
    expect(readdirSync(dest).sort()).toEqual(['relay.sqlite', 'secrets.json', 'ticket-key.pem', 'tls']);
    expect(statSync(dest).mode & 0o777).toBe(0o700);
    for (const f of ['relay.sqlite', 'secrets.json', 'ticket-key.pem', 'tls/key.pem']) {
      expect(statSync(join(dest, f)).mode & 0o777, f).toBe(0o600);
    }
    for (const f of ['secrets.json', 'ticket-key.pem', 'tls/cert.pem', 'tls/key.pem']) {
      expect(readFileSync(join(dest, f), 'utf8'), f).toBe(readFileSync(join(r.dataDir, f), 'utf8'));
    }
    const db = new Database(join(dest, 'relay.sqlite'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.prepare('SELECT count(*) AS n FROM enrollment_tokens WHERE max_uses = 3').get()).toEqual({ n: 1 });
    db.close();

    // Restore: a relay on a copy of the backup is the same relay.
    const restored = await startRelay({ RC_TURN: 'off', RC_ADMIN_PASSWORD: 'not used: the admin exists' }, dest);
    relays.push(restored);
    expect(restored.relay.tls!.fingerprint).toBe(r.relay.tls!.fingerprint);
    const again = await new Api(restored.base, restored.cert).login('admin', ADMIN_PASSWORD);
    const device = (await again.get(`/api/v1/devices/${agent.deviceId}`)).body;
    expect(device).toMatchObject({ hostname: 'backed-up-pc' });
  });

  it('says what is wrong without a destination or a database', () => {
    const none = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8' });
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('usage:');
    const empty = spawnSync(process.execPath, [SCRIPT, scratch], {
      env: { PATH: process.env.PATH ?? '', RC_DATA_DIR: join(scratch, 'nothing-here') },
      encoding: 'utf8',
    });
    expect(empty.status).toBe(1);
    expect(empty.stderr).toContain('is RC_DATA_DIR right?');
  });
});
