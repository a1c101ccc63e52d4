import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelNumber } from '../../turn/src/stun/attributes/channel-number';
import { Lifetime } from '../../turn/src/stun/attributes/lifetime';
import { RequestedTransport } from '../../turn/src/stun/attributes/requested-transport';
import { XorPeerAddress, XorRelayedAddress } from '../../turn/src/stun/attributes/xor-address';
import { encodeChannelData } from '../../turn/src/stun/channel-data';
import { Method } from '../../turn/src/stun/constants';
import { readAttribute } from '../../turn/src/stun/message';
import { missingTool } from '../support/system';
import { type Harness, SECRET, startTurn } from './harness';
import { freeUdpPort, parseUclient, run, start } from './processes';
import { errorCode, isSuccess, sleep, TurnTestClient, udpPeer } from './turn-client';

const udp17 = (b: import('../../turn/src/stun/builder').MessageBuilder) => b.add(RequestedTransport, 17);

describe('relay worker threads (workers: 2)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startTurn({ workers: 2, maxAllocationsPerUser: 1 });
  });
  afterAll(() => h?.close());

  it('ChannelData both ways through a worker, quota released when the worker deletes', async () => {
    const a = await TurnTestClient.udp(h.udpPort, h.creds('solo'));
    const b = await TurnTestClient.udp(h.udpPort, h.creds('solo'));
    const peer = await udpPeer();
    try {
      const alloc = await a.authed(Method.Allocate, udp17);
      expect(isSuccess(alloc)).toBe(true);
      expect(errorCode(await b.authed(Method.Allocate, udp17))).toBe(486);
      // From here on a's datagrams reach the worker's connected socket.
      expect(
        isSuccess(
          await a.authed(Method.ChannelBind, (m) => m.add(ChannelNumber, 0x4004).add(XorPeerAddress, peer.address)),
        ),
      ).toBe(true);
      a.send(encodeChannelData(0x4004, Buffer.from('to peer'), false));
      expect((await peer.next()).data.toString()).toBe('to peer');
      const relayed = readAttribute(alloc, XorRelayedAddress);
      const back = new Promise<string>((resolve) =>
        a.onIncoming((i) => i.kind === 'channel' && resolve(i.data.toString())),
      );
      peer.socket.send('to client', relayed.present && relayed.value ? relayed.value.port : 0, '127.0.0.1');
      expect(await back).toBe('to client');
      expect(errorCode(await a.authed(Method.Allocate, udp17))).toBe(437);
      expect(isSuccess(await a.authed(Method.Refresh, (m) => m.add(Lifetime, 0)))).toBe(true);
      await sleep(100);
      expect(isSuccess(await b.authed(Method.Allocate, udp17))).toBe(true);
      // Workers keep their counters in shared memory: exact and current, no waiting.
      const stats = h.server.stats();
      expect(stats.packetsClientToPeer).toBe(1);
      expect(stats.packetsPeerToClient).toBe(1);
      expect(stats.allocationsActive).toBe(1);
      await b.authed(Method.Refresh, (m) => m.add(Lifetime, 0));
    } finally {
      a.close();
      b.close();
      peer.socket.close();
    }
  });

  it.skipIf(missingTool('/usr/bin/turnutils_uclient', 'coturn'))(
    'turnutils_uclient: every message delivered, channels and indications',
    async () => {
      const many = await startTurn({ workers: 2 });
      const peerPort = await freeUdpPort();
      const peer = start('turnutils_peer', ['-p', String(peerPort), '-L', '127.0.0.1']);
      try {
        await sleep(300);
        for (const flags of [[], ['-s']]) {
          const args = [...flags, '-W', SECRET, '-u', 'workers', '-p', String(many.udpPort), '-e', '127.0.0.1'];
          const out = await run(
            'turnutils_uclient',
            [...args, '-r', String(peerPort), '-n', '40', '-m', '4', '-l', '1000', '127.0.0.1'],
            60_000,
          );
          const r = parseUclient(out.stdout + out.stderr);
          const tail = (out.stdout + out.stderr).slice(-1500);
          expect(r.errors, tail).toEqual([]);
          expect(r.sent, tail).toBe(160);
          expect(r.received, tail).toBe(160);
          expect(r.lost, tail).toBe(0);
        }
      } finally {
        await peer.stop();
        await many.close();
      }
    },
    60_000,
  );
});
