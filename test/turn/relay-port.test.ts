// The embedded TURN server on the relay's one port: the ICE servers a session hands out work over
// UDP and TCP, coturn's client runs TURN over TLS through the same port that serves HTTPS, and
// the counters show up in /metrics.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataAttr } from '../../turn/src/stun/attributes/data';
import { RequestedTransport } from '../../turn/src/stun/attributes/requested-transport';
import { XorPeerAddress, XorRelayedAddress } from '../../turn/src/stun/attributes/xor-address';
import { MessageBuilder } from '../../turn/src/stun/builder';
import { MessageClass, Method } from '../../turn/src/stun/constants';
import { readAttribute } from '../../turn/src/stun/message';
import { Api } from '../support/http';
import { enrolledAgent, TestConsole } from '../support/peers';
import { ADMIN_PASSWORD, startRelay, type TestRelay } from '../support/relay';
import { missingTool } from '../support/system';
import { freeUdpPort, parseUclient, run, start } from './processes';
import { errorCode, isSuccess, TurnTestClient, udpPeer } from './turn-client';

let r: TestRelay;
let admin: Api;

beforeAll(async () => {
  r = await startRelay({ RC_TURN_ALLOW_PEERS: '127.0.0.0/8', RC_RELAY_PORTS: '41000-41999' });
  admin = await new Api(r.base, r.cert).login('admin', ADMIN_PASSWORD);
});
afterAll(() => r.stop());

async function sessionCredentials() {
  const agent = await (await enrolledAgent(admin)).connect();
  const con = await new TestConsole(admin).connect();
  const { reply } = await con.openSession(agent.deviceId);
  const req = await agent.inbox.wait('session.request');
  await agent.close();
  await con.close();
  return { reply, agentIce: req.iceServers };
}

describe('TURN on the relay port', () => {
  it('hands sessions STUN and TURN over UDP, TCP and TLS on its own port', async () => {
    const { reply, agentIce } = await sessionCredentials();
    const p = r.port;
    expect(reply.iceServers[0].urls).toEqual([`stun:127.0.0.1:${p}`]);
    expect(reply.iceServers[1].urls).toEqual([
      `turn:127.0.0.1:${p}?transport=udp`,
      `turn:127.0.0.1:${p}?transport=tcp`,
      `turns:127.0.0.1:${p}?transport=tcp`,
    ]);
    expect(reply.iceServers[1].username).toMatch(new RegExp(`^\\d+:${reply.sessionId}$`));
    expect(agentIce).toEqual(reply.iceServers);
  });

  it.each(['udp', 'tcp'] as const)('session credentials allocate and relay over %s', async (transport) => {
    const { reply } = await sessionCredentials();
    const creds = { username: reply.iceServers[1].username, password: reply.iceServers[1].credential };
    const c = transport === 'udp' ? await TurnTestClient.udp(r.port, creds) : await TurnTestClient.tcp(r.port, creds);
    const peer = await udpPeer();
    try {
      const alloc = await c.authed(Method.Allocate, (b) => b.add(RequestedTransport, 17));
      expect(isSuccess(alloc)).toBe(true);
      const relayed = readAttribute(alloc, XorRelayedAddress);
      expect(relayed.present && relayed.value?.port).toBeGreaterThanOrEqual(41000);
      expect(isSuccess(await c.authed(Method.CreatePermission, (b) => b.add(XorPeerAddress, peer.address)))).toBe(true);
      c.send(
        new MessageBuilder(Method.Send, MessageClass.Indication, randomBytes(12))
          .add(XorPeerAddress, peer.address)
          .add(DataAttr, Buffer.from(`via ${transport}`))
          .build(),
      );
      expect((await peer.next(2000)).data.toString()).toBe(`via ${transport}`);
    } finally {
      c.close();
      peer.socket.close();
    }
  });

  it('refuses credentials that were not issued by this relay', async () => {
    const c = await TurnTestClient.udp(r.port, {
      username: `${Math.floor(Date.now() / 1000) + 600}:x`,
      password: 'guess',
    });
    try {
      expect(errorCode(await c.authed(Method.Allocate, (b) => b.add(RequestedTransport, 17)))).toBe(401);
    } finally {
      c.close();
    }
  });

  it.skipIf(missingTool('/usr/bin/turnutils_uclient', 'coturn'))(
    "coturn's client relays every message over TLS through the HTTPS port",
    async () => {
      const secret = JSON.parse(readFileSync(join(r.dataDir, 'secrets.json'), 'utf8')).turnSecret;
      const peerPort = await freeUdpPort();
      const peer = start('turnutils_peer', ['-p', String(peerPort), '-L', '127.0.0.1']);
      try {
        await new Promise((res) => setTimeout(res, 300));
        const args = ['-t', '-S', '-W', secret, '-u', 'tls-interop', '-p', String(r.port), '-e', '127.0.0.1'];
        args.push('-r', String(peerPort), '-n', '20', '-m', '1', '-l', '1000', '127.0.0.1');
        const result = await run('turnutils_uclient', args, 60_000);
        const parsed = parseUclient(result.stdout + result.stderr);
        const tail = (result.stdout + result.stderr).slice(-1200);
        // One client relays an RTP/RTCP pair of allocations: 20 messages on each.
        expect(parsed.sent, tail).toBe(40);
        expect(parsed.received, tail).toBe(40);
        expect(parsed.lost, tail).toBe(0);
        // HTTPS on the same port still answers.
        expect((await admin.get('/healthz')).status).toBe(200);
      } finally {
        await peer.stop();
      }
    },
  );

  it('exports TURN counters through /metrics', async () => {
    const m = (await admin.get('/metrics')).body as string;
    const total = Number(/rc_turn_allocations_total (\d+)/.exec(m)?.[1]);
    expect(total).toBeGreaterThanOrEqual(2);
    expect(Number(/rc_turn_client_to_peer_packets_total (\d+)/.exec(m)?.[1])).toBeGreaterThanOrEqual(2);
    expect(m).toContain('# TYPE rc_turn_auth_failures_total counter');
  });
});
