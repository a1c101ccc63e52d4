// Admin CRUD for operators, groups and devices, and what connected peers see of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../support/http';
import { enrolledAgent, TestConsole } from '../support/peers';
import { ADMIN_PASSWORD, startRelay, type TestRelay } from '../support/relay';

let r: TestRelay;
let admin: Api;

beforeAll(async () => {
  r = await startRelay({ RC_TURN: 'off' });
  admin = await new Api(r.base, r.cert).login('admin', ADMIN_PASSWORD);
});
afterAll(() => r.stop());

describe('groups', () => {
  it('are created, renamed, given a consent policy that reaches agents, and deleted only when empty', async () => {
    const g = await admin.post('/api/v1/groups', { name: 'kiosks' });
    expect(g.status).toBe(201);
    expect(g.body).toMatchObject({ name: 'kiosks', consent: 'ask', consentTimeoutSeconds: null, showIndicator: true });
    expect((await admin.post('/api/v1/groups', { name: 'kiosks' })).status).toBe(409);
    const agent = await (await enrolledAgent(admin, { group: 'kiosks' })).connect();
    const patched = await admin.patch(`/api/v1/groups/${g.body.id}`, {
      name: 'lobby-kiosks',
      consent: 'auto-accept',
      showIndicator: false,
    });
    expect(patched.body).toMatchObject({ name: 'lobby-kiosks', consent: 'auto-accept', showIndicator: false });
    const policy = await agent.inbox.wait('policy');
    expect(policy.policy).toEqual({ consent: 'auto-accept', consentTimeoutSeconds: 30, showIndicator: false });
    const del = await admin.delete(`/api/v1/groups/${g.body.id}`);
    expect(del.status).toBe(409);
    expect((await admin.delete('/api/v1/groups/default')).status).toBe(403);
    await agent.close();
  });
});

describe('operators', () => {
  it('are listed, changed and deleted; their consoles are dropped when their rights change', async () => {
    await admin.post('/api/v1/groups', { name: 'east' });
    await admin.post('/api/v1/groups', { name: 'west' });
    const created = await admin.post('/api/v1/operators', {
      username: 'helpdesk1',
      password: 'helpdesk-password-1',
      role: 'operator',
      groups: ['east'],
    });
    expect(created.body).toMatchObject({
      username: 'helpdesk1',
      role: 'operator',
      groups: ['east'],
      totpEnabled: false,
    });
    expect((await admin.post('/api/v1/operators', { username: 'x', password: 'short', role: 'admin' })).status).toBe(
      400,
    );
    expect(
      (
        await admin.post('/api/v1/operators', {
          username: 'y',
          password: 'long-enough-pw',
          role: 'admin',
          groups: ['nope'],
        })
      ).status,
    ).toBe(400);
    const op = await new Api(r.base, r.cert).login('helpdesk1', 'helpdesk-password-1');
    const con = await new TestConsole(op).connect();
    const moved = await admin.patch(`/api/v1/operators/${created.body.id}`, { groups: ['west'] });
    expect(moved.body.groups).toEqual(['west']);
    expect((await con.closed).code).toBe(4001);
    const list = (await admin.get('/api/v1/operators')).body.map((o: { username: string }) => o.username);
    expect(list).toEqual(expect.arrayContaining(['admin', 'helpdesk1']));
    const me = (await admin.get('/api/v1/me')).body.id;
    expect((await admin.delete(`/api/v1/operators/${me}`)).status).toBe(403);
    expect((await admin.patch(`/api/v1/operators/${me}`, { role: 'viewer' })).status).toBe(403);
    expect((await admin.delete(`/api/v1/operators/${created.body.id}`)).status).toBe(204);
    expect((await op.get('/api/v1/me')).status).toBe(401);
  });
});

describe('devices', () => {
  it('move between groups: consoles that lose scope get presence.remove, those that gain it an update', async () => {
    await admin.post('/api/v1/groups', { name: 'north' });
    await admin.post('/api/v1/groups', { name: 'south' });
    await admin.post('/api/v1/operators', {
      username: 'n-op',
      password: 'north-password-1',
      role: 'operator',
      groups: ['north'],
    });
    await admin.post('/api/v1/operators', {
      username: 's-op',
      password: 'south-password-1',
      role: 'operator',
      groups: ['south'],
    });
    const north = await new TestConsole(await new Api(r.base, r.cert).login('n-op', 'north-password-1')).connect();
    const south = await new TestConsole(await new Api(r.base, r.cert).login('s-op', 'south-password-1')).connect();
    const agent = await (await enrolledAgent(admin, { group: 'north', hostname: 'mover' })).connect();
    await north.inbox.wait('presence.update', (m) => m.device.hostname === 'mover' && m.device.online);
    const res = await admin.patch(`/api/v1/devices/${agent.deviceId}`, { group: 'south' });
    expect(res.body.group).toBe('south');
    await north.inbox.wait('presence.remove', (m) => m.deviceId === agent.deviceId);
    await south.inbox.wait('presence.update', (m) => m.device.id === agent.deviceId && m.device.group === 'south');
    for (const p of [north, south, agent]) await p.close();
  });
});

describe('presence snapshot', () => {
  it('comes in chunks that add up to the whole fleet, the last with more=false', async () => {
    const before = (await admin.get('/api/v1/devices')).body.length;
    for (let i = 0; i < 1100; i++) {
      r.relay.ctx.store.devices.create({
        groupId: 'g_default',
        hostname: `bulk-${i}`,
        os: 'linux',
        certFingerprint: 'a'.repeat(64),
      });
    }
    const con = await new TestConsole(admin).connect();
    const chunks = [];
    for (;;) {
      const c = await con.inbox.wait('presence.snapshot');
      chunks.push(c);
      if (!c.more) break;
    }
    expect(chunks.length).toBe(Math.ceil((before + 1100) / 500));
    const ids = new Set(chunks.flatMap((c) => c.devices.map((d) => d.id)));
    expect(ids.size).toBe(before + 1100);
    await con.close();
  });
});
