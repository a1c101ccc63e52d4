import type { OperatorView, Role } from '@rc-relay/protocol';
import { type Db, nowIso, stmt } from './db';
import { newId } from './ids';

export interface OperatorRecord {
  id: string;
  username: string;
  passwordHash: string;
  role: Role;
  totpSecret: string | null;
  totpEnabled: boolean;
  /** The 30 s step of the last TOTP code accepted (-1: none since the secret was set). */
  totpLastStep: number;
  disabled: boolean;
  createdAt: string;
  /** Group ids this operator may see (admins see every group regardless). */
  groupIds: string[];
}

interface Row {
  id: string;
  username: string;
  password_hash: string;
  role: Role;
  totp_secret: string | null;
  totp_enabled: number;
  totp_last_step: number;
  disabled: number;
  created_at: string;
}

export class OperatorRepo {
  constructor(private readonly db: Db) {}

  private hydrate(r: Row): OperatorRecord {
    const groups = stmt(this.db, 'SELECT group_id FROM operator_groups WHERE operator_id = ?').pluck().all(r.id);
    return {
      id: r.id,
      username: r.username,
      passwordHash: r.password_hash,
      role: r.role,
      totpSecret: r.totp_secret,
      totpEnabled: r.totp_enabled === 1,
      totpLastStep: r.totp_last_step,
      disabled: r.disabled === 1,
      createdAt: r.created_at,
      groupIds: groups as string[],
    };
  }

  count(): number {
    return (stmt(this.db, 'SELECT count(*) AS n FROM operators').get() as { n: number }).n;
  }

  get(id: string): OperatorRecord | undefined {
    const r = stmt(this.db, 'SELECT * FROM operators WHERE id = ?').get(id) as Row | undefined;
    return r && this.hydrate(r);
  }

  byUsername(username: string): OperatorRecord | undefined {
    const r = stmt(this.db, 'SELECT * FROM operators WHERE username = ?').get(username) as Row | undefined;
    return r && this.hydrate(r);
  }

  list(): OperatorRecord[] {
    return (stmt(this.db, 'SELECT * FROM operators ORDER BY username').all() as Row[]).map((r) => this.hydrate(r));
  }

  create(o: { username: string; passwordHash: string; role: Role; groupIds: string[] }): OperatorRecord {
    const id = newId('o');
    this.db.transaction(() => {
      stmt(this.db, 'INSERT INTO operators (id, username, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)').run(
        id,
        o.username,
        o.passwordHash,
        o.role,
        nowIso(),
      );
      this.setGroups(id, o.groupIds);
    })();
    return this.get(id)!;
  }

  update(
    id: string,
    p: { passwordHash?: string; role?: Role; groupIds?: string[]; disabled?: boolean; totpOff?: boolean },
  ): OperatorRecord | undefined {
    const cur = this.get(id);
    if (!cur) return undefined;
    this.db.transaction(() => {
      stmt(this.db, 'UPDATE operators SET password_hash = ?, role = ?, disabled = ? WHERE id = ?').run(
        p.passwordHash ?? cur.passwordHash,
        p.role ?? cur.role,
        (p.disabled ?? cur.disabled) ? 1 : 0,
        id,
      );
      if (p.groupIds) this.setGroups(id, p.groupIds);
      if (p.totpOff) this.setTotpSecret(id, null);
    })();
    return this.get(id);
  }

  /** A new secret (or none), not yet required, with no code used yet. */
  setTotpSecret(id: string, secret: string | null): void {
    stmt(this.db, 'UPDATE operators SET totp_secret = ?, totp_enabled = 0, totp_last_step = -1 WHERE id = ?').run(
      secret,
      id,
    );
  }

  /** From now on logging in needs a code (the secret was confirmed with one). */
  enableTotp(id: string): void {
    stmt(this.db, 'UPDATE operators SET totp_enabled = 1 WHERE id = ? AND totp_secret IS NOT NULL').run(id);
  }

  /** The step of a code just accepted; false when it or a later one was used already (a replay). */
  useTotpStep(id: string, step: number): boolean {
    return (
      stmt(this.db, 'UPDATE operators SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?').run(step, id, step)
        .changes > 0
    );
  }

  remove(id: string): boolean {
    return stmt(this.db, 'DELETE FROM operators WHERE id = ?').run(id).changes > 0;
  }

  private setGroups(id: string, groupIds: string[]): void {
    stmt(this.db, 'DELETE FROM operator_groups WHERE operator_id = ?').run(id);
    const ins = stmt(this.db, 'INSERT OR IGNORE INTO operator_groups (operator_id, group_id) VALUES (?, ?)');
    for (const g of groupIds) ins.run(id, g);
  }
}

export function operatorView(o: OperatorRecord, groupName: (id: string) => string | undefined): OperatorView {
  return {
    id: o.id,
    username: o.username,
    role: o.role,
    groups: o.groupIds.map((g) => groupName(g) ?? g),
    totpEnabled: o.totpEnabled,
    disabled: o.disabled,
    createdAt: o.createdAt,
  };
}
