// TURN as a client sees it, over real loopback sockets: authentication errors, relaying through
// Send/Data and channels, reserved ports, IPv6 relays and allocation lifetimes.
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { ChannelNumber } from '../../turn/src/stun/attributes/channel-number';
import { DataAttr } from '../../turn/src/stun/attributes/data';
import { EvenPort } from '../../turn/src/stun/attributes/even-port';
import { Lifetime } from '../../turn/src/stun/attributes/lifetime';
import { Nonce } from '../../turn/src/stun/attributes/nonce';
import { Realm } from '../../turn/src/stun/attributes/realm';
import { RequestedAddressFamily } from '../../turn/src/stun/attributes/requested-address-family';
import { RequestedTransport } from '../../turn/src/stun/attributes/requested-transport';
import { ReservationToken } from '../../turn/src/stun/attributes/reservation-token';
import { Username } from '../../turn/src/stun/attributes/username';
import { XorMappedAddress, XorPeerAddress, XorRelayedAddress } from '../../turn/src/stun/attributes/xor-address';
import { MessageBuilder } from '../../turn/src/stun/builder';
import { encodeChannelData } from '../../turn/src/stun/channel-data';
import { MessageClass, Method } from '../../turn/src/stun/constants';
import { readAttribute } from '../../turn/src/stun/message';
import { startTurn } from './harness';
import { turnSuite, udp17 } from './suite';
import { errorCode, isSuccess, sleep, TurnTestClient, udpPeer } from './turn-client';

describe('TURN protocol over loopback', () => {
  const suite = turnSuite({ maxAllocationsPerUser: 2, permissionLifetimeSec: 300 });

  it('Binding needs no credentials and reports the reflexive address', async () => {
    const c = await suite.client('binding');
    const res = await c.request(Method.Binding, () => {}, { auth: false });
    expect(isSuccess(res)).toBe(true);
    const mapped = readAttribute(res, XorMappedAddress);
    expect(mapped.present && mapped.value?.address).toBe('127.0.0.1');
  });

  it('Allocate without credentials is challenged (401 with REALM and NONCE), never served', async () => {
    const c = await suite.client('anon');
    const res = await c.request(Method.Allocate, udp17, { auth: false });
    expect(errorCode(res)).toBe(401);
    c.learn(res);
    expect(c.realm).toBe('rc-relay.test');
    expect(c.nonce.length).toBeGreaterThan(8);
    expect(readAttribute(res, XorRelayedAddress).present).toBe(false);
  });

  it('expired REST credentials → 401 even with the right HMAC password', async () => {
    const c = await suite.client('expired', -10);
    const before = suite.h.server.stats().authFailures;
    const res = await c.authed(Method.Allocate, udp17);
    expect(errorCode(res)).toBe(401);
    expect(suite.h.server.stats().authFailures).toBe(before + 1);
  });

  it('wrong password → 401; a nonce issued to another client → 438 with a fresh nonce', async () => {
    const a = await suite.client('alice');
    const b = await suite.client('alice');
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
    suite.clients.push(c);
    await c.request(Method.Allocate, udp17, { auth: false }).then((r) => c.learn(r));
    await sleep(2100);
    const res = await c.request(Method.Allocate, udp17);
    expect(errorCode(res)).toBe(438);
    await short.close();
  });

  it('relays Send → peer and peer → Data indication; nothing after Refresh LIFETIME 0', async () => {
    const c = await suite.client('relay');
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
    const c = await suite.client('channels');
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

  it('EVEN-PORT R=1 reserves the next port; RESERVATION-TOKEN claims it', async () => {
    const a = await suite.client('even');
    const b = await suite.client('even2');
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
    suite.clients.push(c);
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
    suite.clients.push(c);
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
});
