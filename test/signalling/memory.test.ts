// What an idle signalling socket costs the relay: nothing of its HTTP upgrade (request, response,
// headers, Fastify request/reply, their logger) may stay reachable once the socket is open. At 10k
// idle agents that was ~2.5 KB each (bench:signalling heap snapshots).
import type { IncomingMessage } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../support/http';
import { enrolledAgent, TestConsole } from '../support/peers';
import { ADMIN_PASSWORD, startRelay, type TestRelay } from '../support/relay';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let r: TestRelay;
let admin: Api;
const upgrades: WeakRef<IncomingMessage>[] = [];

beforeAll(async () => {
  r = await startRelay({ RC_TURN: 'off' });
  admin = await new Api(r.base, r.cert).login('admin', ADMIN_PASSWORD);
  r.relay.app.server.on('upgrade', (req: IncomingMessage) => upgrades.push(new WeakRef(req)));
});
afterAll(() => r.stop());

async function collected(refs: WeakRef<object>[]): Promise<boolean> {
  for (let i = 0; i < 20; i++) {
    gc();
    if (refs.every((w) => w.deref() === undefined)) return true;
    await new Promise((res) => setTimeout(res, 50));
  }
  return false;
}

describe('an open signalling socket', () => {
  it('keeps nothing of its upgrade request (agent and console), and still reports socket errors', async () => {
    const agent = await (await enrolledAgent(admin)).connect();
    const con = await new TestConsole(admin).connect();
    expect(upgrades).toHaveLength(2);
    expect(await collected(upgrades)).toBe(true);
    // Both sockets still work after letting go: the console sees the agent's report.
    agent.send({ type: 'report', hostname: 'still-served' });
    await con.inbox.wait('presence.update', (m) => m.device.hostname === 'still-served');
    // An oversize frame is still cut with 1009 (ws closes; the relay's own error listener logs it).
    agent.sendRaw('x'.repeat(70 * 1024));
    expect((await agent.closed).code).toBe(1009);
    expect(r.logs()).toContain('socket error');
    con.ws.close();
  });
});
