// Both UDP send paths (sendmmsg batches, and dgram with RC_TURN_SENDMMSG=off) relay bursts intact in
// both directions — ChannelData, Data indications, Send indications — over IPv4 and over IPv6, and the
// server says at start which path it uses.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { issueRestCredentials } from '../../turn/src/auth/credentials';
import type { Logger } from '../../turn/src/log';
import { noopLogger } from '../../turn/src/log';
import { TurnServer } from '../../turn/src/server';
import { ChannelNumber } from '../../turn/src/stun/attributes/channel-number';
import { DataAttr } from '../../turn/src/stun/attributes/data';
import { RequestedAddressFamily } from '../../turn/src/stun/attributes/requested-address-family';
import { RequestedTransport } from '../../turn/src/stun/attributes/requested-transport';
import { XorPeerAddress, XorRelayedAddress } from '../../turn/src/stun/attributes/xor-address';
import { MessageBuilder } from '../../turn/src/stun/builder';
import { encodeChannelData } from '../../turn/src/stun/channel-data';
import { MessageClass, Method } from '../../turn/src/stun/constants';
import { readAttribute } from '../../turn/src/stun/message';
import { isSuccess, TurnTestClient, udpPeer } from './turn-client';

const SECRET = 'send-path-secret';
const BURST = 40;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Resolves when check() holds, or after timeoutMs (the assertions that follow then fail). */
async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

async function start(batching: boolean, listen: string | undefined) {
  const lines: { obj: object; msg: string }[] = [];
  const logger: Logger = { ...noopLogger, info: (obj, msg) => lines.push({ obj, msg }), child: () => logger };
  const server = new TurnServer({
    realm: 'send-path',
    secret: SECRET,
    relayPortRange: [45000, 45999],
    allowPeers: ['127.0.0.0/8', '::1/128'],
    udpSendBatching: batching,
    logger,
  });
  const { port } = await server.listenUdp(0, listen);
  cleanups.push(() => server.close());
  return { server, port, lines };
}

describe.each([
  { batching: true, path: 'sendmmsg' },
  { batching: false, path: 'dgram' },
])('UDP send path $path', ({ batching, path }) => {
  it.each([
    { host: '127.0.0.1', listen: '127.0.0.1' },
    { host: '::1', listen: '::1' },
    // The default dual-stack listener answers IPv4 clients at their v4-mapped address.
    { host: '127.0.0.1', listen: undefined },
  ])('relays bursts both ways intact, client and peers on $host, listening on $listen', async ({ host, listen }) => {
    const { port, lines } = await start(batching, listen);
    expect(lines.find((l) => l.msg === 'UDP send path')?.obj).toMatchObject({ udpSend: path });
    const family = host.includes(':') ? 'IPv6' : 'IPv4';
    const client = await TurnTestClient.udp(port, issueRestCredentials(SECRET, 'burst', 600), host);
    cleanups.push(() => client.close());
    const peer = await udpPeer(host);
    const other = await udpPeer(host);
    cleanups.push(
      () => peer.socket.close(),
      () => other.socket.close(),
    );

    const alloc = await client.authed(Method.Allocate, (b) =>
      b.add(RequestedTransport, 17).add(RequestedAddressFamily, family),
    );
    expect(isSuccess(alloc)).toBe(true);
    const relayedAttr = readAttribute(alloc, XorRelayedAddress);
    if (!relayedAttr.present || !relayedAttr.value) throw new Error('no XOR-RELAYED-ADDRESS');
    const relayed = relayedAttr.value;
    expect(relayed.family).toBe(family);
    const bind = await client.authed(Method.ChannelBind, (b) =>
      b.add(ChannelNumber, 0x4001).add(XorPeerAddress, peer.address),
    );
    expect(isSuccess(bind)).toBe(true);
    expect(isSuccess(await client.authed(Method.CreatePermission, (b) => b.add(XorPeerAddress, other.address)))).toBe(
      true,
    );

    const toClient: { kind: string; data: Buffer }[] = [];
    client.onIncoming((i) => {
      if (i.kind === 'channel') toClient.push({ kind: `channel ${i.channel}`, data: i.data });
      else if (i.msg.method === Method.Data) {
        const data = readAttribute(i.msg, DataAttr);
        if (data.present && data.value) toClient.push({ kind: 'data', data: data.value });
      }
    });
    const payload = (tag: number, i: number) => Buffer.concat([Buffer.from([tag, i]), randomBytes(998)]);
    const sentUp = Array.from({ length: BURST }, (_, i) => payload(1, i));
    const sentDown = Array.from({ length: BURST }, (_, i) => payload(2, i));
    const sentIndications = Array.from({ length: 10 }, (_, i) => payload(3, i));
    const sentViaSend = Array.from({ length: 10 }, (_, i) => payload(4, i));
    // Each burst is written in one synchronous loop, so the server reads it in as few wakeups as it can.
    for (const d of sentUp) client.send(encodeChannelData(0x4001, d, false));
    for (const d of sentViaSend)
      client.send(
        new MessageBuilder(Method.Send, MessageClass.Indication, randomBytes(12))
          .add(XorPeerAddress, other.address)
          .add(DataAttr, d)
          .build(),
      );
    for (const d of sentDown) peer.socket.send(d, relayed.port, host);
    for (const d of sentIndications) other.socket.send(d, relayed.port, host);

    await until(() => peer.received.length >= BURST && other.received.length >= 10 && toClient.length >= BURST + 10);
    // Loopback does not reorder: everything arrives, intact, and in the order it was sent.
    expect(peer.received.map((r) => r.data)).toEqual(sentUp);
    expect(peer.received.every((r) => r.from.port === relayed.port)).toBe(true);
    expect(other.received.map((r) => r.data)).toEqual(sentViaSend);
    expect(toClient.filter((t) => t.kind === 'channel 16385').map((t) => t.data)).toEqual(sentDown);
    expect(toClient.filter((t) => t.kind === 'data').map((t) => t.data)).toEqual(sentIndications);
  });
  it('a Send indication to peer port 0 is dropped and the server keeps relaying', async () => {
    const { port } = await start(batching, '127.0.0.1');
    const client = await TurnTestClient.udp(port, issueRestCredentials(SECRET, 'port0', 600));
    cleanups.push(() => client.close());
    const peer = await udpPeer();
    cleanups.push(() => peer.socket.close());
    expect(isSuccess(await client.authed(Method.Allocate, (b) => b.add(RequestedTransport, 17)))).toBe(true);
    expect(isSuccess(await client.authed(Method.CreatePermission, (b) => b.add(XorPeerAddress, peer.address)))).toBe(
      true,
    );
    const sendTo = (to: typeof peer.address, text: string) =>
      client.send(
        new MessageBuilder(Method.Send, MessageClass.Indication, randomBytes(12))
          .add(XorPeerAddress, to)
          .add(DataAttr, Buffer.from(text))
          .build(),
      );
    // dgram throws ERR_SOCKET_BAD_PORT for port 0 (the kernel refuses it too): that must not escape.
    sendTo({ ...peer.address, port: 0 }, 'nowhere');
    sendTo(peer.address, 'still relaying');
    expect((await peer.next(2000)).data.toString()).toBe('still relaying');
    expect(isSuccess(await client.authed(Method.Refresh))).toBe(true);
  });
});
