import { type Db, nowIso, stmt } from './db';
import { hashSecret, newId, newSecret } from './ids';

export interface EnrollmentTokenRecord {
  id: string;
  groupId: string;
  expiresAt: string;
  maxUses: number;
  uses: number;
  revoked: boolean;
  createdBy: string;
}

interface Row {
  id: string;
  group_id: string;
  expires_at: string;
  max_uses: number;
  uses: number;
  revoked: number;
  created_by: string;
}
const toRecord = (r: Row): EnrollmentTokenRecord => ({
  id: r.id,
  groupId: r.group_id,
  expiresAt: r.expires_at,
  maxUses: r.max_uses,
  uses: r.uses,
  revoked: r.revoked === 1,
  createdBy: r.created_by,
});

export class EnrollmentRepo {
  constructor(private readonly db: Db) {}

  create(t: { groupId: string; expiresInSeconds: number; maxUses: number; createdBy: string }) {
    const id = newId('e');
    const token = `et_${newSecret(24)}`;
    const expiresAt = new Date(Date.now() + t.expiresInSeconds * 1000).toISOString();
    stmt(
      this.db,
      'INSERT INTO enrollment_tokens (id, token_hash, group_id, expires_at, max_uses, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(id, hashSecret(token), t.groupId, expiresAt, t.maxUses, t.createdBy, nowIso());
    return { id, token, expiresAt };
  }

  list(): EnrollmentTokenRecord[] {
    return (stmt(this.db, 'SELECT * FROM enrollment_tokens ORDER BY created_at DESC').all() as Row[]).map(toRecord);
  }

  revoke(id: string): boolean {
    return stmt(this.db, 'UPDATE enrollment_tokens SET revoked = 1 WHERE id = ?').run(id).changes > 0;
  }

  /**
   * Uses one enrollment of the token, atomically: the UPDATE only matches a live token with uses left,
   * so two agents racing for the last use cannot both win. Returns the token's group, or undefined.
   */
  consume(token: string): EnrollmentTokenRecord | undefined {
    const hash = hashSecret(token);
    const changed = stmt(
      this.db,
      `UPDATE enrollment_tokens SET uses = uses + 1
         WHERE token_hash = ? AND revoked = 0 AND uses < max_uses AND expires_at > ?`,
    ).run(hash, nowIso()).changes;
    if (changed === 0) return undefined;
    const r = stmt(this.db, 'SELECT * FROM enrollment_tokens WHERE token_hash = ?').get(hash) as Row;
    return toRecord(r);
  }
}
