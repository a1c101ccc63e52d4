import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from './db';
import { MIGRATIONS } from './migrations';
import { Store } from './store';

describe('migrations', () => {
  it('bring a database of the first release up to date and keep its operators', () => {
    const db = new Database(':memory:');
    db.exec(MIGRATIONS[0]!);
    db.pragma('user_version = 1');
    db.prepare(
      "INSERT INTO operators (id, username, password_hash, role, totp_secret, totp_enabled, created_at) VALUES ('o1', 'alice', 'h', 'operator', 'JBSWY3DPEHPK3PXP', 1, '2026-01-01T00:00:00Z')",
    ).run();

    expect(migrate(db)).toBe(MIGRATIONS.length);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    const op = new Store(db).operators.get('o1');
    expect(op).toMatchObject({ username: 'alice', totpEnabled: true, totpLastStep: -1 });
    // Again: nothing to do, nothing changed.
    expect(migrate(db)).toBe(MIGRATIONS.length);
    expect(new Store(db).operators.get('o1')?.username).toBe('alice');
  });

  it('a used TOTP step is recorded once; a new secret forgets it', () => {
    const db = new Database(':memory:');
    migrate(db);
    const store = new Store(db);
    const op = store.operators.create({ username: 'bob', passwordHash: 'h', role: 'operator', groupIds: [] });
    store.operators.setTotpSecret(op.id, 'JBSWY3DPEHPK3PXP');
    expect(store.operators.useTotpStep(op.id, 100)).toBe(true);
    expect(store.operators.useTotpStep(op.id, 100)).toBe(false);
    expect(store.operators.useTotpStep(op.id, 99)).toBe(false);
    expect(store.operators.useTotpStep(op.id, 101)).toBe(true);
    store.operators.setTotpSecret(op.id, 'KRSXG5CTMVRXEZLU');
    expect(store.operators.get(op.id)?.totpLastStep).toBe(-1);
  });
});
