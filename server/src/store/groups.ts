import type { ConsentPolicy, DevicePolicy, GroupView } from '@rc-relay/protocol';
import { type Db, nowIso, stmt } from './db';
import { newId } from './ids';

interface GroupRow {
  id: string;
  name: string;
  consent: ConsentPolicy;
  consent_timeout_s: number | null;
  show_indicator: number;
}

const toView = (r: GroupRow): GroupView => ({
  id: r.id,
  name: r.name,
  consent: r.consent,
  consentTimeoutSeconds: r.consent_timeout_s,
  showIndicator: r.show_indicator === 1,
});

export class GroupRepo {
  constructor(private readonly db: Db) {}

  list(): GroupView[] {
    return (stmt(this.db, 'SELECT * FROM device_groups ORDER BY name').all() as GroupRow[]).map(toView);
  }

  get(id: string): GroupView | undefined {
    const r = stmt(this.db, 'SELECT * FROM device_groups WHERE id = ?').get(id) as GroupRow | undefined;
    return r && toView(r);
  }

  byName(name: string): GroupView | undefined {
    const r = stmt(this.db, 'SELECT * FROM device_groups WHERE name = ?').get(name) as GroupRow | undefined;
    return r && toView(r);
  }

  /** A group named by name or id (the API accepts both). */
  resolve(nameOrId: string): GroupView | undefined {
    return this.get(nameOrId) ?? this.byName(nameOrId);
  }

  create(g: { name: string; consent?: ConsentPolicy; consentTimeoutSeconds?: number | null; showIndicator?: boolean }) {
    const id = newId('g');
    stmt(
      this.db,
      'INSERT INTO device_groups (id, name, consent, consent_timeout_s, show_indicator, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(id, g.name, g.consent ?? 'ask', g.consentTimeoutSeconds ?? null, g.showIndicator === false ? 0 : 1, nowIso());
    return this.get(id)!;
  }

  update(id: string, p: Partial<Omit<GroupView, 'id'>>): GroupView | undefined {
    const cur = this.get(id);
    if (!cur) return undefined;
    const next = { ...cur, ...Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) };
    stmt(
      this.db,
      'UPDATE device_groups SET name = ?, consent = ?, consent_timeout_s = ?, show_indicator = ? WHERE id = ?',
    ).run(next.name, next.consent, next.consentTimeoutSeconds, next.showIndicator ? 1 : 0, id);
    return this.get(id);
  }

  /** Deletes an empty group; returns false while devices still belong to it. */
  remove(id: string): 'deleted' | 'not_found' | 'not_empty' {
    if (!this.get(id)) return 'not_found';
    const n = stmt(this.db, 'SELECT count(*) AS n FROM devices WHERE group_id = ?').get(id) as { n: number };
    if (n.n > 0) return 'not_empty';
    stmt(this.db, 'DELETE FROM device_groups WHERE id = ?').run(id);
    return 'deleted';
  }

  /** The consent policy agents of this group follow; `defaultTimeout` fills an unset timeout. */
  policy(id: string, defaultTimeout: number): DevicePolicy {
    const g = this.get(id);
    return {
      consent: g?.consent ?? 'ask',
      consentTimeoutSeconds: g?.consentTimeoutSeconds ?? defaultTimeout,
      showIndicator: g?.showIndicator ?? true,
    };
  }
}
