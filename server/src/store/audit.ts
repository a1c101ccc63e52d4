import type { AuditEntry, SessionMode, SessionTransport } from '@rc-relay/protocol';
import { type Db, nowIso, stmt } from './db';

/** Outcomes a session can reach; `issued` is a LAN ticket the agent has not reported on yet. */
export type SessionOutcome = 'pending' | 'issued' | 'accepted' | 'denied' | 'timeout' | 'cancelled' | 'failed';

interface Row {
  session_id: string;
  operator_id: string;
  operator_name: string;
  device_id: string;
  hostname: string;
  mode: SessionMode;
  transport: SessionTransport;
  outcome: string;
  reason: string | null;
  requested_at: string;
  answered_at: string | null;
  ended_at: string | null;
  end_reason: string | null;
}

const toEntry = (r: Row): AuditEntry => ({
  sessionId: r.session_id,
  operatorId: r.operator_id,
  operator: r.operator_name,
  deviceId: r.device_id,
  hostname: r.hostname,
  mode: r.mode,
  transport: r.transport,
  outcome: r.outcome,
  reason: r.reason,
  requestedAt: r.requested_at,
  answeredAt: r.answered_at,
  endedAt: r.ended_at,
  endReason: r.end_reason,
});

export class AuditRepo {
  constructor(private readonly db: Db) {}

  request(e: {
    sessionId: string;
    operatorId: string;
    operatorName: string;
    deviceId: string;
    hostname: string;
    mode: SessionMode;
    transport: SessionTransport;
    outcome: SessionOutcome;
  }): void {
    stmt(
      this.db,
      `INSERT INTO session_audit (session_id, operator_id, operator_name, device_id, hostname, mode, transport, outcome, requested_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(e.sessionId, e.operatorId, e.operatorName, e.deviceId, e.hostname, e.mode, e.transport, e.outcome, nowIso());
  }

  /** How the request was settled: the agent's answer, a timeout, the console withdrawing it, or a failure. */
  answer(sessionId: string, outcome: Exclude<SessionOutcome, 'pending' | 'issued'>, reason?: string): void {
    stmt(this.db, 'UPDATE session_audit SET outcome = ?, reason = ?, answered_at = ? WHERE session_id = ?').run(
      outcome,
      reason ?? null,
      nowIso(),
      sessionId,
    );
  }

  end(sessionId: string, reason: string): void {
    stmt(
      this.db,
      'UPDATE session_audit SET ended_at = ?, end_reason = ? WHERE session_id = ? AND ended_at IS NULL',
    ).run(nowIso(), reason, sessionId);
  }

  get(sessionId: string): AuditEntry | undefined {
    const r = stmt(this.db, 'SELECT * FROM session_audit WHERE session_id = ?').get(sessionId) as Row | undefined;
    return r && toEntry(r);
  }

  /** Internet sessions that were accepted and never ended: what a relay restart must take back. */
  unfinished(): AuditEntry[] {
    const sql = `SELECT * FROM session_audit WHERE outcome = 'accepted' AND ended_at IS NULL AND transport = 'internet'`;
    return (stmt(this.db, sql).all() as Row[]).map(toEntry);
  }

  list(q: { deviceId?: string; operator?: string; groupIds?: readonly string[]; limit: number }): AuditEntry[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.deviceId) {
      where.push('device_id = ?');
      args.push(q.deviceId);
    }
    if (q.operator) {
      where.push('(operator_name = ? OR operator_id = ?)');
      args.push(q.operator, q.operator);
    }
    if (q.groupIds) {
      if (q.groupIds.length === 0) return [];
      where.push(`device_id IN (SELECT id FROM devices WHERE group_id IN (${q.groupIds.map(() => '?').join(',')}))`);
      args.push(...q.groupIds);
    }
    const sql = `SELECT * FROM session_audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY requested_at DESC LIMIT ?`;
    return (stmt(this.db, sql).all(...args, q.limit) as Row[]).map(toEntry);
  }
}
