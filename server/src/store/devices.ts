import type { LanPorts, Monitor, OsName, UserSession } from '@rc-relay/protocol';
import type { Static } from 'typebox';
import { type Db, nowIso, stmt } from './db';
import { hashSecret, newId, newSecret } from './ids';

/** What the agent last reported, kept so an offline device still shows its sessions and monitors. */
export interface DeviceFacts {
  sessions: UserSession[];
  monitors: Monitor[];
  lanAddresses: string[];
  lanPorts?: Static<typeof LanPorts> | undefined;
}

export interface DeviceRecord {
  id: string;
  groupId: string;
  hostname: string;
  os: OsName;
  certFingerprint: string;
  credentialHash: string;
  enrolledAt: string;
  lastSeen: string | null;
  revokedAt: string | null;
  agentVersion: string | null;
  facts: DeviceFacts;
}

interface Row {
  id: string;
  group_id: string;
  hostname: string;
  os: OsName;
  cert_fingerprint: string;
  credential_hash: string;
  enrolled_at: string;
  last_seen: string | null;
  revoked_at: string | null;
  agent_version: string | null;
  facts: string;
}

const emptyFacts = (): DeviceFacts => ({ sessions: [], monitors: [], lanAddresses: [] });

function toRecord(r: Row): DeviceRecord {
  let facts: DeviceFacts;
  try {
    facts = { ...emptyFacts(), ...(JSON.parse(r.facts) as Partial<DeviceFacts>) };
  } catch {
    // A corrupt facts column only loses the last report; the agent re-sends it on connect.
    facts = emptyFacts();
  }
  return {
    id: r.id,
    groupId: r.group_id,
    hostname: r.hostname,
    os: r.os,
    certFingerprint: r.cert_fingerprint,
    credentialHash: r.credential_hash,
    enrolledAt: r.enrolled_at,
    lastSeen: r.last_seen,
    revokedAt: r.revoked_at,
    agentVersion: r.agent_version,
    facts,
  };
}

export class DeviceRepo {
  constructor(private readonly db: Db) {}

  get(id: string): DeviceRecord | undefined {
    const r = stmt(this.db, 'SELECT * FROM devices WHERE id = ?').get(id) as Row | undefined;
    return r && toRecord(r);
  }

  /** Devices not revoked, optionally only those in the given groups. */
  list(groupIds?: readonly string[]): DeviceRecord[] {
    if (groupIds && groupIds.length === 0) return [];
    const rows = groupIds
      ? (stmt(
          this.db,
          `SELECT * FROM devices WHERE revoked_at IS NULL AND group_id IN (${groupIds.map(() => '?').join(',')}) ORDER BY hostname`,
        ).all(...groupIds) as Row[])
      : (stmt(this.db, 'SELECT * FROM devices WHERE revoked_at IS NULL ORDER BY hostname').all() as Row[]);
    return rows.map(toRecord);
  }

  /** Creates a device and returns its bearer token `deviceId.secret`; only the secret's hash is stored. */
  create(d: { groupId: string; hostname: string; os: OsName; certFingerprint: string }): {
    record: DeviceRecord;
    deviceToken: string;
  } {
    const id = newId('d');
    const secret = newSecret();
    stmt(
      this.db,
      'INSERT INTO devices (id, group_id, hostname, os, cert_fingerprint, credential_hash, enrolled_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(id, d.groupId, d.hostname, d.os, d.certFingerprint, hashSecret(secret), nowIso());
    return { record: this.get(id)!, deviceToken: `${id}.${secret}` };
  }

  /** Records what a connected agent reported. */
  updateFacts(
    id: string,
    p: { hostname?: string; agentVersion?: string; certFingerprint?: string; facts: DeviceFacts },
  ): void {
    stmt(
      this.db,
      `UPDATE devices SET hostname = coalesce(?, hostname), agent_version = coalesce(?, agent_version),
         cert_fingerprint = coalesce(?, cert_fingerprint), facts = ?, last_seen = ? WHERE id = ?`,
    ).run(p.hostname ?? null, p.agentVersion ?? null, p.certFingerprint ?? null, JSON.stringify(p.facts), nowIso(), id);
  }

  touch(id: string, at = nowIso()): void {
    stmt(this.db, 'UPDATE devices SET last_seen = ? WHERE id = ?').run(at, id);
  }

  setGroup(id: string, groupId: string): void {
    stmt(this.db, 'UPDATE devices SET group_id = ? WHERE id = ?').run(groupId, id);
  }

  revoke(id: string): boolean {
    return (
      stmt(this.db, 'UPDATE devices SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(nowIso(), id).changes >
      0
    );
  }
}
