// TURN policy and robustness over real loopback sockets: denied peers, quotas and capacity,
// unsupported options, caps on permissions and bandwidth, garbage input, and a clean close.
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { ChannelNumber } from '../../turn/src/stun/attributes/channel-number';
import { DataAttr } from '../../turn/src/stun/attributes/data';
import { DontFragment } from '../../turn/src/stun/attributes/dont-fragment';
import { EvenPort } from '../../turn/src/stun/attributes/even-port';
import { Lifetime } from '../../turn/src/stun/attributes/lifetime';
import { RequestedAddressFamily } from '../../turn/src/stun/attributes/requested-address-family';
import { RequestedTransport } from '../../turn/src/stun/attributes/requested-transport';
import { ReservationToken } from '../../turn/src/stun/attributes/reservation-token';
import { UnknownAttributes } from '../../turn/src/stun/attributes/unknown-attributes';
import { XorPeerAddress, XorRelayedAddress } from '../../turn/src/stun/attributes/xor-address';
import { MessageBuilder } from '../../turn/src/stun/builder';
import { encodeChannelData } from '../../turn/src/stun/channel-data';
import { Attr, MessageClass, Method } from '../../turn/src/stun/constants';
import { readAttribute } from '../../turn/src/stun/message';
import { startTurn } from './harness';
import { turnSuite, udp17 } from './suite';
import { errorCode, isSuccess, sleep, TurnTestClient, udpPeer } from './turn-client';

describe('TURN policy and limits over loopback', () => {
  const suite = turnSuite({ maxAllocationsPerUser: 2, permissionLifetimeSec: 300 });

  it('denied peers → 403 (loopback outside the allowed block, metadata address, v4-mapped), Send dropped', async () => {
    const strict = await startTurn({ allowPeers: [] });
    const c = await TurnTestClient.udp(strict.udpPort, strict.creds('strict'));
    suite.clients.push(c);
    expect(isSuccess(await c.authed(Method.Allocate, udp17))).toBe(true);
    for (const address of ['127.0.0.1', '169.254.169.254', '0.0.0.0', '224.0.0.1']) {
      const res = await c.authed(Method.CreatePermission, (b) =>
        b.add(XorPeerAddress, { address, port: 9, family: 'IPv4' }),
      );
      expect(errorCode(res), address).toBe(403);
    }
    const cb = await c.authed(Method.ChannelBind, (b) =>
      b.add(ChannelNumber, 0x4000).add(XorPeerAddress, { address: '127.0.0.1', port: 9, family: 'IPv4' }),
    );
    expect(errorCode(cb)).toBe(403);
    const peer = await udpPeer();
    c.send(
      new MessageBuilder(Method.Send, MessageClass.Indication, randomBytes(12))
        .add(XorPeerAddress, peer.address)
        .add(DataAttr, Buffer.from('x'))
        .build(),
    );
    await sleep(100);
    expect(peer.received).toHaveLength(0);
    expect(strict.server.stats().deniedPeers).toBeGreaterThanOrEqual(6);
    peer.socket.close();
    await strict.close();
  });

  it('per-user quota → 486; capacity (no free relay port) → 508', async () => {
    const a = await suite.client('quota');
    const b = await suite.client('quota');
    const c = await suite.client('quota');
    expect(isSuccess(await a.authed(Method.Allocate, udp17))).toBe(true);
    expect(isSuccess(await b.authed(Method.Allocate, udp17))).toBe(true);
    expect(errorCode(await c.authed(Method.Allocate, udp17))).toBe(486);
    for (const x of [a, b]) await x.authed(Method.Refresh, (m) => m.add(Lifetime, 0));
    expect(isSuccess(await c.authed(Method.Allocate, udp17))).toBe(true);
    await c.authed(Method.Refresh, (m) => m.add(Lifetime, 0));

    const tiny = await startTurn({ relayPortRange: [45001, 45001] });
    const x = await TurnTestClient.udp(tiny.udpPort, tiny.creds('one'));
    const y = await TurnTestClient.udp(tiny.udpPort, tiny.creds('two'));
    suite.clients.push(x, y);
    expect(isSuccess(await x.authed(Method.Allocate, udp17))).toBe(true);
    expect(errorCode(await y.authed(Method.Allocate, udp17))).toBe(508);
    expect(tiny.server.stats().capacityRefusals).toBe(1);
    await tiny.close();
  });

  it('unsupported options answer with the RFC error: 442, 440, 420 (DONT-FRAGMENT), 400 (token + even port)', async () => {
    const c = await suite.client('errors');
    expect(errorCode(await c.authed(Method.Allocate, (b) => b.add(RequestedTransport, 6)))).toBe(442);
    expect(errorCode(await c.authed(Method.Allocate, (b) => udp17(b).add(RequestedAddressFamily, 0x07 as never)))).toBe(
      440,
    );
    const df = await c.authed(Method.Allocate, (b) => udp17(b).add(DontFragment, true));
    expect(errorCode(df)).toBe(420);
    const unknown = readAttribute(df, UnknownAttributes);
    expect(unknown.present && unknown.value).toEqual([Attr.DontFragment]);
    const both = await c.authed(Method.Allocate, (b) =>
      udp17(b).add(EvenPort, { reserveNext: false }).add(ReservationToken, randomBytes(8)),
    );
    expect(errorCode(both)).toBe(400);
    expect(errorCode(await c.authed(Method.Allocate, (b) => udp17(b).add(ReservationToken, randomBytes(8))))).toBe(508);
  });

  it('permissions per allocation are capped (508), so one client cannot grow server memory', async () => {
    const c = await suite.client('many-peers');
    expect(isSuccess(await c.authed(Method.Allocate, udp17))).toBe(true);
    const peers = (n: number, base: number) =>
      Array.from({ length: n }, (_, i) => ({
        address: `10.${base}.${(i >> 8) & 255}.${i & 255}`,
        port: 9,
        family: 'IPv4' as const,
      }));
    const add = (list: ReturnType<typeof peers>) => (b: MessageBuilder) => {
      for (const p of list) b.add(XorPeerAddress, p);
    };
    expect(errorCode(await c.authed(Method.CreatePermission, add(peers(1025, 1))))).toBe(508);
    expect(isSuccess(await c.authed(Method.CreatePermission, add(peers(1000, 2))))).toBe(true);
    expect(errorCode(await c.authed(Method.CreatePermission, add(peers(30, 3))))).toBe(508);
    await c.authed(Method.Refresh, (m) => m.add(Lifetime, 0));
  });

  it('bandwidth cap drops traffic beyond bytes per second', async () => {
    const capped = await startTurn({ bandwidthBytesPerSecond: 2000 });
    const c = await TurnTestClient.udp(capped.udpPort, capped.creds('capped'));
    suite.clients.push(c);
    const peer = await udpPeer();
    await c.authed(Method.Allocate, udp17);
    await c.authed(Method.ChannelBind, (b) => b.add(ChannelNumber, 0x4000).add(XorPeerAddress, peer.address));
    for (let i = 0; i < 10; i++) c.send(encodeChannelData(0x4000, Buffer.alloc(500, i), false));
    await sleep(200);
    expect(peer.received.length).toBe(4);
    expect(capped.server.stats().bandwidthDrops).toBe(6);
    peer.socket.close();
    await capped.close();
  });

  it('garbage datagrams and streams never stop the server; a good client is served afterwards', async () => {
    const junk = dgram.createSocket('udp4');
    const payloads: Buffer[] = [
      Buffer.alloc(0),
      Buffer.from([0]),
      Buffer.from([0x40, 0, 0]),
      Buffer.from([0x40, 1, 0xff, 0xff]),
    ];
    for (let i = 0; i < 2000; i++) {
      const b = randomBytes(i % 64);
      if (i % 4 === 0 && b.length >= 8) b.writeUInt32BE(0x2112a442, 4);
      if (i % 8 === 1 && b.length >= 1) b[0] = b[0]! & 0x3f;
      payloads.push(b);
    }
    // A sound header with a truncated attribute: answered with 400 rather than ignored.
    const broken = new MessageBuilder(Method.Allocate, MessageClass.Request, randomBytes(12))
      .add(DataAttr, Buffer.alloc(8))
      .build();
    broken.writeUInt16BE(broken.readUInt16BE(22) + 8, 22);
    for (const p of payloads) junk.send(p, suite.h.udpPort, '127.0.0.1');
    const prober = dgram.createSocket('udp4');
    const reply = new Promise<Buffer>((r) => prober.once('message', (m) => r(m)));
    prober.send(broken, suite.h.udpPort, '127.0.0.1');
    const answer = await reply;
    expect(answer.readUInt16BE(0)).toBe(0x0113); // Allocate error response
    expect(answer.subarray(8, 20)).toEqual(broken.subarray(8, 20));
    junk.close();
    prober.close();
    for (const chunk of [randomBytes(3), Buffer.from('GET / HTTP/1.1\r\n\r\n'), randomBytes(200)]) {
      const s = net.connect(suite.h.tcpPort, '127.0.0.1');
      s.on('error', () => {});
      s.end(chunk);
    }
    // A stream that starts as STUN then turns into garbage is closed by the server.
    const t = await TurnTestClient.tcp(suite.h.tcpPort, suite.h.creds('tcp'));
    suite.clients.push(t);
    const bind = await t.request(Method.Binding, () => {}, { auth: false });
    expect(isSuccess(bind)).toBe(true);
    t.send(Buffer.from([0xff, 0xff, 0xff, 0xff]));
    await sleep(100);
    await expect(t.request(Method.Binding, () => {}, { auth: false, timeoutMs: 300 })).rejects.toThrow();
    const good = await suite.client('after-garbage');
    expect(isSuccess(await good.authed(Method.Allocate, udp17))).toBe(true);
    const tcp = await TurnTestClient.tcp(suite.h.tcpPort, suite.h.creds('tcp2'));
    suite.clients.push(tcp);
    expect(isSuccess(await tcp.authed(Method.Allocate, udp17))).toBe(true);
    expect(suite.h.server.stats().malformed).toBeGreaterThan(100);
    await good.authed(Method.Refresh, (m) => m.add(Lifetime, 0));
  });

  it('short and empty datagrams from a permitted peer are relayed, not fatal (node-turn crashed on ≤3 bytes)', async () => {
    const c = await suite.client('tiny-peer');
    const peer = await udpPeer();
    const alloc = await c.authed(Method.Allocate, udp17);
    const relayed = readAttribute(alloc, XorRelayedAddress);
    const port = relayed.present && relayed.value ? relayed.value.port : 0;
    await c.authed(Method.ChannelBind, (b) => b.add(ChannelNumber, 0x4100).add(XorPeerAddress, peer.address));
    const got: number[] = [];
    c.onIncoming((i) => {
      if (i.kind === 'channel') got.push(i.data.length);
    });
    for (const size of [0, 1, 2, 3]) peer.socket.send(Buffer.alloc(size, 0xff), port, '127.0.0.1');
    await sleep(150);
    expect(got.sort()).toEqual([0, 1, 2, 3]);
    expect(isSuccess(await c.authed(Method.Refresh))).toBe(true);
    await c.authed(Method.Refresh, (m) => m.add(Lifetime, 0));
    peer.socket.close();
  });

  it('close() is idempotent and releases the listening port', async () => {
    const t = await startTurn();
    await Promise.all([t.close(), t.close()]);
    await t.close();
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.bind(t.udpPort, '127.0.0.1', resolve);
    });
    probe.close();
  });
});
