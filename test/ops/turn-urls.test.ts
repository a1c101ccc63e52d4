// A scale-out TURN server (coturn with `use-auth-secret`) beside the embedded one: the relay hands
// both out in a session's ICE servers, and the one credential it signs opens an allocation on each.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@rc-relay/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestedTransport } from '../../turn/src/stun/attributes/requested-transport';
import { XorRelayedAddress } from '../../turn/src/stun/attributes/xor-address';
import type { MessageBuilder } from '../../turn/src/stun/builder';
import { Method } from '../../turn/src/stun/constants';
import { readAttribute } from '../../turn/src/stun/message';
import { Api } from '../support/http';
import { enrolledAgent, TestConsole } from '../support/peers';
import { ADMIN_PASSWORD, startRelay, type TestRelay } from '../support/relay';
import { missingTool } from '../support/system';
import { freeUdpPort, start } from '../turn/processes';
import { errorCode, isSuccess, TurnTestClient } from '../turn/turn-client';

const SECRET = 'shared-between-relay-and-coturn';
const PIDFILE = join(tmpdir(), `rc-ops-coturn-${process.pid}.pid`);
const udp17 = (b: MessageBuilder) => b.add(RequestedTransport, 17);
const noCoturn = missingTool('/usr/bin/turnserver', 'coturn');

describe('RC_TURN_URLS configuration', () => {
  it('takes STUN/TURN URLs and needs the shared secret', () => {
    const urls = 'turn:turn2.example.com:3478?transport=udp, turns:[2001:db8::1]:5349?transport=tcp,stun:turn2';
    expect(loadConfig({ RC_TURN_URLS: urls, RC_TURN_SECRET: 's' }).turnUrls).toEqual([
      'turn:turn2.example.com:3478?transport=udp',
      'turns:[2001:db8::1]:5349?transport=tcp',
      'stun:turn2',
    ]);
    expect(loadConfig({}).turnUrls).toEqual([]);
    expect(() => loadConfig({ RC_TURN_URLS: 'turn:turn2:3478' })).toThrow(/RC_TURN_URLS needs RC_TURN_SECRET/);
    expect(() => loadConfig({ RC_TURN_URLS: 'https://turn2', RC_TURN_SECRET: 's' })).toThrow(/not a URL like turn:/);
    const nine = Array.from({ length: 9 }, (_, i) => `turn:t${i}`).join(',');
    expect(() => loadConfig({ RC_TURN_URLS: nine, RC_TURN_SECRET: 's' })).toThrow(/at most 8/);
  });
});

describe.skipIf(noCoturn)('a coturn beside the embedded TURN', () => {
  let coturn: ReturnType<typeof start>;
  let coturnPort: number;
  let r: TestRelay;
  let admin: Api;

  beforeAll(async () => {
    coturnPort = await freeUdpPort();
    coturn = start('turnserver', [
      '-n',
      '--listening-ip=127.0.0.1',
      `--listening-port=${coturnPort}`,
      '--relay-ip=127.0.0.1',
      '--use-auth-secret',
      `--static-auth-secret=${SECRET}`,
      '--realm=scale-out',
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      '--min-port=41000',
      '--max-port=41100',
      `--pidfile=${PIDFILE}`,
      '--log-file=stdout',
      '--simple-log',
    ]);
    r = await startRelay({
      RC_TURN_SECRET: SECRET,
      RC_TURN_URLS: `turn:127.0.0.1:${coturnPort}?transport=udp,turn:127.0.0.1:${coturnPort}?transport=tcp`,
    });
    admin = await new Api(r.base, r.cert).login('admin', ADMIN_PASSWORD);
    // coturn prints its listener set-up once it serves.
    const end = Date.now() + 10_000;
    while (!/IO method|relay threads|Total General servers/i.test(coturn.output())) {
      if (Date.now() > end) throw new Error(`coturn did not start:\n${coturn.output()}`);
      await new Promise((res) => setTimeout(res, 50));
    }
  });
  afterAll(async () => {
    await r?.stop();
    await coturn?.stop();
    rmSync(PIDFILE, { force: true });
  });

  it('a session gets both servers, and its credential allocates on each', async () => {
    const agent = await (await enrolledAgent(admin)).connect();
    const con = await new TestConsole(admin).connect();
    const { reply, sessionId } = await con.openSession(agent.deviceId);
    const request = await agent.inbox.wait('session.request', (m) => m.sessionId === sessionId);

    const servers = reply.iceServers as { urls: string[]; username?: string; credential?: string }[];
    expect(servers.map((s) => s.urls)).toEqual([
      [`stun:127.0.0.1:${r.port}`],
      [
        `turn:127.0.0.1:${r.port}?transport=udp`,
        `turn:127.0.0.1:${r.port}?transport=tcp`,
        `turns:127.0.0.1:${r.port}?transport=tcp`,
      ],
      [`turn:127.0.0.1:${coturnPort}?transport=udp`, `turn:127.0.0.1:${coturnPort}?transport=tcp`],
    ]);
    // The agent is handed the same list.
    expect(request.iceServers).toEqual(servers);
    const { username, credential } = servers[2]!;
    expect(username).toMatch(new RegExp(`^\\d+:${sessionId}$`));
    expect(servers[1]!.username).toBe(username);

    const creds = { username: username!, password: credential! };
    for (const port of [coturnPort, r.port]) {
      const c = await TurnTestClient.udp(port, creds);
      const res = await c.authed(Method.Allocate, udp17);
      expect(isSuccess(res), `Allocate on port ${port}: error ${errorCode(res)}`).toBe(true);
      expect(readAttribute(res, XorRelayedAddress).present).toBe(true);
      c.close();
    }
    // coturn checks the HMAC for real: a tampered password is refused.
    const forged = await TurnTestClient.udp(coturnPort, { username: username!, password: `x${credential}` });
    expect(errorCode(await forged.authed(Method.Allocate, udp17))).toBe(401);
    forged.close();

    await con.close();
    await agent.close();
  });
});
