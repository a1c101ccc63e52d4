// Protocol behaviour a client would notice, over real loopback sockets: authentication errors,
// policy, quotas, lifetimes, channel rules and garbage resistance.
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChannelNumber } from '../../turn/src/stun/attributes/channel-number';
import { DataAttr } from '../../turn/src/stun/attributes/data';
import { DontFragment } from '../../turn/src/stun/attributes/dont-fragment';
import { EvenPort } from '../../turn/src/stun/attributes/even-port';
import { Lifetime } from '../../turn/src/stun/attributes/lifetime';
import { Nonce } from '../../turn/src/stun/attributes/nonce';
import { Realm } from '../../turn/src/stun/attributes/realm';
import { RequestedAddressFamily } from '../../turn/src/stun/attributes/requested-address-family';
import { RequestedTransport } from '../../turn/src/stun/attributes/requested-transport';
import { ReservationToken } from '../../turn/src/stun/attributes/reservation-token';
import { UnknownAttributes } from '../../turn/src/stun/attributes/unknown-attributes';
import { Username } from '../../turn/src/stun/attributes/username';
import { XorMappedAddress, XorPeerAddress, XorRelayedAddress } from '../../turn/src/stun/attributes/xor-address';
import { MessageBuilder } from '../../turn/src/stun/builder';
import { encodeChannelData } from '../../turn/src/stun/channel-data';
import { Attr, MessageClass, Method } from '../../turn/src/stun/constants';
import { readAttribute } from '../../turn/src/stun/message';
import { type Harness, startTurn } from './harness';
import { errorCode, isSuccess, sleep, TurnTestClient, udpPeer } from './turn-client';

const udp17 = (b: MessageBuilder) => b.add(RequestedTransport, 17);

describe('TURN protocol over loopback', () => {
  let h: Harness;
  const clients: TurnTestClient[] = [];
  const client = async (label: string, ttl?: number) => {
    const c = await TurnTestClient.udp(h.udpPort, h.creds(label, ttl));
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    h = await startTurn({ maxAllocationsPerUser: 2, permissionLifetimeSec: 300 });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(() => h.close());

  it('Binding needs no credentials and reports the reflexive address', async () => {
    const c = await client('binding');
    const res = await c.request(Method.Binding, () => {}, { auth: false });
    expect(isSuccess(res)).toBe(true);
    const mapped = readAttribute(res, XorMappedAddress);
    expect(mapped.present && mapped.value?.address).toBe('127.0.0.1');
  });

  it('Allocate without credentials is challenged (401 with REALM and NONCE), never served', async () => {
    const c = await client('anon');
    const res = await c.request(Method.Allocate, udp17, { auth: false });
    expect(errorCode(res)).toBe(401);
    c.learn(res);
    expect(c.realm).toBe('rc-relay.test');
    expect(c.nonce.length).toBeGreaterThan(8);
    expect(readAttribute(res, XorRelayedAddress).present).toBe(false);
  });

  it('expired REST credentials → 401 even with the right HMAC password', async () => {
    const c = await client('expired', -10);
    const before = h.server.stats().authFailures;
    const res = await c.authed(Method.Allocate, udp17);
    expect(errorCode(res)).toBe(401);
    expect(h.server.stats().authFailures).toBe(before + 1);
  });

  it('wrong password → 401; a nonce issued to another client → 438 with a fresh nonce', async () => {
    const a = await client('alice');
    const b = await client('alice');
    await a.request(Method.Allocate, udp17, { auth: false }).then((r) => a.learn(r));
    const wrong = await a.request(Method.Allocate, udp17, { key: Buffer.alloc(16) });
    expect(errorCode(wrong)).toBe(401);
    b.realm = a.realm;
    b.nonce = a.nonce; // bound to a's transport address
    const stale = await b.request(Method.Allocate, udp17);
    expect(errorCode(stale)).toBe(438);
    b.learn(stale);
    expect(b.nonce).not.toBe(a.nonce);
    const ok = await b.request(Method.Allocate, udp17);
    expect(isSuccess(ok)).toBe(true);
    await b.authed(Method.Refresh, (x) => x.add(Lifetime, 0));
  });

  it('a nonce past its lifetime → 438 Stale Nonce', async () => {
    const short = await startTurn({ nonceLifetimeSec: 1 });
    const c = await TurnTestClient.udp(short.udpPort, short.creds('slow'));
    clients.push(c);
    await c.request(Method.Allocate, udp17, { auth: false }).then((r) => c.learn(r));
    await sleep(2100);
    const res = await c.request(Method.Allocate, udp17);
    expect(errorCode(res)).toBe(438);
    await short.close();
  });

  it('relays Send → peer and peer → Data indication; nothing after Refresh LIFETIME 0', async () => {
    const c = await client('relay');
    const peer = await udpPeer();
    const alloc = await c.authed(Method.Allocate, udp17);
    expect(isSuccess(alloc)).toBe(true);
    const relayed = readAttribute(alloc, XorRelayedAddress);
    if (!relayed.present || !relayed.value) throw new Error('no relayed address');
    expect(relayed.value.port).toBeGreaterThanOrEqual(40000);
    // Without a permission the Send indication is dropped.
    const send = (data: string) =>
      c.send(
        new MessageBuilder(Method.Send, MessageClass.Indication, randomBytes(12))
          .add(XorPeerAddress, peer.address)
          .add(DataAttr, Buffer.from(data))
          .build(),
      );
    send('before permission');
    await sleep(100);
    expect(peer.received).toHaveLength(0);
    expect(isSuccess(await c.authed(Method.CreatePermission, (b) => b.add(XorPeerAddress, peer.address)))).toBe(true);
    send('hello peer');
    const got = await peer.next();
    expect(got.data.toString()).toBe('hello peer');
    expect(got.from.port).toBe(relayed.value.port);
    const indication = new Promise<Buffer>((resolve) => {
      const off = c.onIncoming((i) => {
        if (i.kind === 'stun' && i.msg.method === Method.Data) {
          off();
          const d = readAttribute(i.msg, DataAttr);
          resolve(d.present && d.value ? d.value : Buffer.alloc(0));
        }
      });
    });
    peer.socket.send('hello client', relayed.value.port, '127.0.0.1');
    expect((await indication).toString()).toBe('hello client');
    const del = await c.authed(Method.Refresh, (b) => b.add(Lifetime, 0));
    expect(isSuccess(del)).toBe(true);
    send('after delete');
    await sleep(150);
    expect(peer.received).toHaveLength(0);
    // The relay port is closed: another Refresh finds no allocation.
    expect(errorCode(await c.authed(Method.Refresh))).toBe(437);
    peer.socket.close();
  });

  it('ChannelBind: ChannelData both ways, rebinding rules (400), retransmitted Allocate, 437 on a second Allocate', async () => {
    const c = await client('channels');
    const peer = await udpPeer();
    const other = await udpPeer();
    await c.request(Method.Allocate, udp17, { auth: false }).then((r) => c.learn(r));
    const tx = randomBytes(12);
    const raw = new MessageBuilder(Method.Allocate, MessageClass.Request, tx)
      .add(RequestedTransport, 17)
      .add(Username, c.credentials.username)
      .add(Realm, c.realm)
      .add(Nonce, c.nonce)
      .build({ integrityKey: c.key() });
    const alloc = await c.exchange(tx, raw);
    expect(isSuccess(alloc)).toBe(true);
    // RFC 8656 §7.2: a retransmission (same transaction) gets the same success, not 437.
    const again = await c.exchange(tx, raw);
    expect(again.raw).toEqual(alloc.raw);
    expect(errorCode(await c.request(Method.Allocate, udp17))).toBe(437);
    const bind = (n: number, p: typeof peer.address) =>
      c.authed(Method.ChannelBind, (b) => b.add(ChannelNumber, n).add(XorPeerAddress, p));
    expect(isSuccess(await bind(0x4001, peer.address))).toBe(true);
    expect(isSuccess(await bind(0x4001, peer.address))).toBe(true); // refresh
    expect(errorCode(await bind(0x4001, other.address))).toBe(400); // number taken
    expect(errorCode(await bind(0x4002, peer.address))).toBe(400); // peer taken
    expect(errorCode(await bind(0x3fff, other.address))).toBe(400); // out of range
    c.send(encodeChannelData(0x4001, Buffer.from('via channel'), false));
    expect((await peer.next()).data.toString()).toBe('via channel');
    const relayed = readAttribute(alloc, XorRelayedAddress);
    const back = new Promise<{ channel: number; data: string }>((resolve) => {
      c.onIncoming((i) => {
        if (i.kind === 'channel') resolve({ channel: i.channel, data: i.data.toString() });
      });
    });
    peer.socket.send('channel back', relayed.present && relayed.value ? relayed.value.port : 0, '127.0.0.1');
    expect(await back).toEqual({ channel: 0x4001, data: 'channel back' });
    // An unbound channel number is dropped.
    c.send(encodeChannelData(0x4555, Buffer.from('nowhere'), false));
    await sleep(100);
    expect(other.received).toHaveLength(0);
    await c.authed(Method.Refresh, (b) => b.add(Lifetime, 0));
    peer.socket.close();
    other.socket.close();
  });

  it('denied peers → 403 (loopback outside the allowed block, metadata address, v4-mapped), Send dropped', async () => {
    const strict = await startTurn({ allowPeers: [] });
    const c = await TurnTestClient.udp(strict.udpPort, strict.creds('strict'));
    clients.push(c);
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
    const a = await client('quota');
    const b = await client('quota');
    const c = await client('quota');
    expect(isSuccess(await a.authed(Method.Allocate, udp17))).toBe(true);
    expect(isSuccess(await b.authed(Method.Allocate, udp17))).toBe(true);
    expect(errorCode(await c.authed(Method.Allocate, udp17))).toBe(486);
    for (const x of [a, b]) await x.authed(Method.Refresh, (m) => m.add(Lifetime, 0));
    expect(isSuccess(await c.authed(Method.Allocate, udp17))).toBe(true);
    await c.authed(Method.Refresh, (m) => m.add(Lifetime, 0));

    const tiny = await startTurn({ relayPortRange: [45001, 45001] });
    const x = await TurnTestClient.udp(tiny.udpPort, tiny.creds('one'));
    const y = await TurnTestClient.udp(tiny.udpPort, tiny.creds('two'));
    clients.push(x, y);
    expect(isSuccess(await x.authed(Method.Allocate, udp17))).toBe(true);
    expect(errorCode(await y.authed(Method.Allocate, udp17))).toBe(508);
    expect(tiny.server.stats().capacityRefusals).toBe(1);
    await tiny.close();
  });

  it('unsupported options answer with the RFC error: 442, 440, 420 (DONT-FRAGMENT), 400 (token + even port)', async () => {
    const c = await client('errors');
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
    const c = await client('many-peers');
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

  it('EVEN-PORT R=1 reserves the next port; RESERVATION-TOKEN claims it', async () => {
    const a = await client('even');
    const b = await client('even2');
    const res = await a.authed(Method.Allocate, (m) => udp17(m).add(EvenPort, { reserveNext: true }));
    expect(isSuccess(res)).toBe(true);
    const relayed = readAttribute(res, XorRelayedAddress);
    const token = readAttribute(res, ReservationToken);
    if (!relayed.present || !relayed.value || !token.present || !token.value) throw new Error('missing attributes');
    expect(relayed.value.port % 2).toBe(0);
    const second = await b.authed(Method.Allocate, (m) => udp17(m).add(ReservationToken, token.value!));
    const relayed2 = readAttribute(second, XorRelayedAddress);
    expect(relayed2.present && relayed2.value?.port).toBe(relayed.value.port + 1);
    for (const x of [a, b]) await x.authed(Method.Refresh, (m) => m.add(Lifetime, 0));
  });

  it('IPv6 relay (REQUESTED-ADDRESS-FAMILY) to an IPv6 peer; 443 on a family mismatch', async () => {
    const v6 = await startTurn({ relayBindAddress: undefined, allowPeers: ['::1/128', '127.0.0.0/8'] });
    const c = await TurnTestClient.udp(v6.udpPort, v6.creds('six'));
    clients.push(c);
    const res = await c.authed(Method.Allocate, (b) => udp17(b).add(RequestedAddressFamily, 'IPv6'));
    expect(isSuccess(res)).toBe(true);
    const relayed = readAttribute(res, XorRelayedAddress);
    expect(relayed.present && relayed.value?.family).toBe('IPv6');
    const v4peer = { address: '127.0.0.1', port: 9, family: 'IPv4' as const };
    expect(errorCode(await c.authed(Method.CreatePermission, (b) => b.add(XorPeerAddress, v4peer)))).toBe(443);
    const peer = await udpPeer('::1');
    expect(isSuccess(await c.authed(Method.CreatePermission, (b) => b.add(XorPeerAddress, peer.address)))).toBe(true);
    c.send(
      new MessageBuilder(Method.Send, MessageClass.Indication, randomBytes(12))
        .add(XorPeerAddress, peer.address)
        .add(DataAttr, Buffer.from('over v6'))
        .build(),
    );
    expect((await peer.next()).data.toString()).toBe('over v6');
    peer.socket.close();
    await v6.close();
  });

  it('allocations expire on their lifetime: socket closed, nothing relayed', async () => {
    const quick = await startTurn({ defaultLifetimeSec: 1, maxLifetimeSec: 2 });
    const c = await TurnTestClient.udp(quick.udpPort, quick.creds('quick'));
    clients.push(c);
    const res = await c.authed(Method.Allocate, udp17);
    const relayed = readAttribute(res, XorRelayedAddress);
    expect(readAttribute(res, Lifetime)).toEqual({ present: true, value: 1 });
    expect(quick.server.stats().allocationsActive).toBe(1);
    await sleep(2200);
    expect(quick.server.stats().allocationsActive).toBe(0);
    // The port is free again: binding it here succeeds only if the server closed its socket.
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.bind(relayed.present && relayed.value ? relayed.value.port : 0, '127.0.0.1', resolve);
    });
    probe.close();
    await quick.close();
  });

  it('bandwidth cap drops traffic beyond bytes per second', async () => {
    const capped = await startTurn({ bandwidthBytesPerSecond: 2000 });
    const c = await TurnTestClient.udp(capped.udpPort, capped.creds('capped'));
    clients.push(c);
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
    for (const p of payloads) junk.send(p, h.udpPort, '127.0.0.1');
    const prober = dgram.createSocket('udp4');
    const reply = new Promise<Buffer>((r) => prober.once('message', (m) => r(m)));
    prober.send(broken, h.udpPort, '127.0.0.1');
    const answer = await reply;
    expect(answer.readUInt16BE(0)).toBe(0x0113); // Allocate error response
    expect(answer.subarray(8, 20)).toEqual(broken.subarray(8, 20));
    junk.close();
    prober.close();
    for (const chunk of [randomBytes(3), Buffer.from('GET / HTTP/1.1\r\n\r\n'), randomBytes(200)]) {
      const s = net.connect(h.tcpPort, '127.0.0.1');
      s.on('error', () => {});
      s.end(chunk);
    }
    // A stream that starts as STUN then turns into garbage is closed by the server.
    const t = await TurnTestClient.tcp(h.tcpPort, h.creds('tcp'));
    clients.push(t);
    const bind = await t.request(Method.Binding, () => {}, { auth: false });
    expect(isSuccess(bind)).toBe(true);
    t.send(Buffer.from([0xff, 0xff, 0xff, 0xff]));
    await sleep(100);
    await expect(t.request(Method.Binding, () => {}, { auth: false, timeoutMs: 300 })).rejects.toThrow();
    const good = await client('after-garbage');
    expect(isSuccess(await good.authed(Method.Allocate, udp17))).toBe(true);
    const tcp = await TurnTestClient.tcp(h.tcpPort, h.creds('tcp2'));
    clients.push(tcp);
    expect(isSuccess(await tcp.authed(Method.Allocate, udp17))).toBe(true);
    expect(h.server.stats().malformed).toBeGreaterThan(100);
    await good.authed(Method.Refresh, (m) => m.add(Lifetime, 0));
  });

  it('short and empty datagrams from a permitted peer are relayed, not fatal (node-turn crashed on ≤3 bytes)', async () => {
    const c = await client('tiny-peer');
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
