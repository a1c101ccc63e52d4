// WebRTC sessions forced through the relay's embedded TURN server: the console peer and the agent
// both use relay-only ICE (the agent through its `iceTransportPolicy` config field), over TURN/UDP
// and TURN/TCP. A third case makes the path fail for a while (a UDP proxy in front of the console's
// TURN traffic drops everything) so ICE fails, and checks that the agent's one ICE restart brings
// the session back with media flowing.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyntheticBackend } from '../../agent-client/src/backend/synthetic';
import { WebRtcTransport } from '../../agent-client/src/transports/webrtc/transport';
import { type WrtcPeerConnection, wrtc } from '../../agent-client/src/transports/webrtc/wrtc';
import { Api } from '../support/http';
import { TestConsole } from '../support/peers';
import { ADMIN_PASSWORD, startRelay, type TestRelay } from '../support/relay';
import { RtcConsole } from './rtc-console';
import { type AgentUnderTest, enrollConfig, startAgent, until } from './support';

type IceServer = { urls: string[]; username?: string; credential?: string };

let r: TestRelay;
let admin: Api;
let a: AgentUnderTest;
/** Which TURN transport the agent may use in the current test. */
let agentTurn: 'udp' | 'tcp' = 'udp';
/**
 * Plays what libwebrtc did in CI: after the agent's ICE restart, its state reads 'disconnected'
 * whenever it is really up, while media and input flow.
 */
let misreportAfterRestart = false;
let restartGraceMs: number | undefined;

/** Only the `turn:` URL of one transport: no STUN, no other TURN transports. */
function turnOnly(servers: IceServer[], transport: 'udp' | 'tcp'): IceServer[] {
  return servers
    .map((s) => ({ ...s, urls: s.urls.filter((u) => u.startsWith('turn:') && u.endsWith(`?transport=${transport}`)) }))
    .filter((s) => s.urls.length > 0);
}

beforeAll(async () => {
  r = await startRelay({
    RC_TURN: 'on',
    RC_TURN_ALLOW_PEERS: '127.0.0.0/8',
    RC_RELAY_PORTS: '41000-41999',
    RC_SESSION_GRACE_SECONDS: '30',
  });
  admin = await new Api(r.base, r.cert).login('admin', ADMIN_PASSWORD);
  const cfg = await enrollConfig(admin, { consent: 'auto-accept', iceTransportPolicy: 'relay' });
  a = await startAgent(cfg, {
    webrtc: (s, ctx) => {
      let restarted = false;
      const misreport = misreportAfterRestart;
      return new WebRtcTransport(s, {
        ...ctx,
        iceServers: turnOnly(ctx.iceServers, agentTurn),
        ...(restartGraceMs ? { restartGraceMs } : {}),
        signal: (p) => {
          if (p.kind === 'offer') restarted = true;
          ctx.signal(p);
        },
        peerConnection: (config) => {
          const pc = new (wrtc().RTCPeerConnection)(config);
          return misreport ? misreportingUp(pc, () => restarted) : pc;
        },
      });
    },
    backend: new SyntheticBackend({ width: 320, height: 240, consentAnswer: 'accept', consentDelayMs: 0 }),
  });
});
afterAll(async () => {
  await a?.stop();
  await r?.stop();
});

async function open(iceServers: (s: IceServer[]) => IceServer[]) {
  const con = await new TestConsole(admin).connect();
  const s = await con.openSession(a.cfg.deviceId, 'control');
  await con.inbox.wait('session.state', (m) => m.sessionId === s.sessionId && m.state === 'accepted');
  const peer = new RtcConsole(con, s.sessionId, iceServers(s.reply.iceServers), 'relay');
  await peer.start();
  return { con, peer, sessionId: s.sessionId };
}

/** The console's selected candidate pair, from getStats. */
async function selectedPair(peer: RtcConsole) {
  const stats = [...(await peer.pc.getStats()).values()];
  const transport = stats.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
  const pair =
    stats.find((s) => s.id === transport?.selectedCandidatePairId) ??
    stats.find((s) => s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded');
  const local = stats.find((s) => s.id === pair?.localCandidateId);
  const remote = stats.find((s) => s.id === pair?.remoteCandidateId);
  return { local, remote };
}

async function mediaAndInput(peer: RtcConsole, x: number) {
  const seen = peer.frames;
  const stamped = peer.latencies.length;
  await until(() => peer.frames >= seen + 10, 10_000, 'video frames');
  expect([peer.width, peer.height]).toEqual([320, 240]);
  // Frames carry their capture stamp through the codec.
  expect(peer.latencies.length).toBeGreaterThan(stamped + 5);
  const inputs = a.backend.inputLog.length;
  peer.send('input', { type: 'pointer', x, y: 20, buttons: 0, wheelX: 0, wheelY: 0 });
  await until(() => a.backend.inputLog.length > inputs, 3000, 'input at the backend');
  expect(a.backend.inputLog.at(-1)?.event).toMatchObject({ type: 'pointer', x, y: 20 });
}

async function end(con: TestConsole, peer: RtcConsole, sessionId: string) {
  peer.close();
  con.send({ type: 'session.end', sessionId });
  await until(() => !a.agent.sessions.has(sessionId), 5000, 'session end');
  await con.close();
}

describe.sequential('WebRTC through the embedded TURN server', () => {
  for (const transport of ['udp', 'tcp'] as const) {
    it(`relay-only over TURN/${transport}: video and input flow, the relay counts the allocations`, async () => {
      agentTurn = transport;
      const allocations = await admin.metric('rc_turn_allocations_total');
      const relayed = await admin.metric('rc_turn_client_to_peer_packets_total');
      const { con, peer, sessionId } = await open((s) => turnOnly(s, transport));
      await mediaAndInput(peer, transport === 'udp' ? 11 : 12);

      const { local, remote } = await selectedPair(peer);
      expect(local?.candidateType).toBe('relay');
      expect(remote?.candidateType).toBe('relay');
      // The console reaches its TURN server over the transport asked for.
      expect(local?.relayProtocol).toBe(transport);
      // The agent's iceTransportPolicy: it offers relay candidates only, no host or srflx ones.
      expect(peer.remoteCandidates.length).toBeGreaterThan(0);
      for (const c of peer.remoteCandidates) expect(c).toContain(' typ relay');

      expect(await admin.metric('rc_turn_allocations_total')).toBeGreaterThanOrEqual(allocations + 2);
      expect(await admin.metric('rc_turn_client_to_peer_packets_total')).toBeGreaterThan(relayed + 10);
      expect(await admin.metric('rc_turn_peer_to_client_packets_total')).toBeGreaterThan(0);
      await end(con, peer, sessionId);
    }, 30_000);
  }

  it('ICE restart succeeds after the path was cut for a while, and media resumes', async () => {
    agentTurn = 'udp';
    const proxy = await UdpProxy.start(r.port);
    const { con, peer, sessionId } = await openThrough(proxy);
    try {
      await mediaAndInput(peer, 21);
      expect((await selectedPair(peer)).local?.candidateType).toBe('relay');
      const ufragBefore = ufrag(peer.pc.remoteDescription?.sdp);

      const ufragAfter = await cutUntilRestart(proxy, con, peer, sessionId);
      // Back through the restart (new credentials), not through the old, failed checks.
      expect(ufragAfter).toBeTruthy();
      expect(ufragAfter).not.toBe(ufragBefore);
      expect(ufrag(peer.pc.remoteDescription?.sdp)).toBe(ufragAfter);
      await mediaAndInput(peer, 22);
      expect(a.agent.sessions.has(sessionId)).toBe(true);
      expect((await selectedPair(peer)).local?.candidateType).toBe('relay');

      // A second drop later in the same session gets its own restart (long sessions, flaky links).
      const ufragSecond = await cutUntilRestart(proxy, con, peer, sessionId);
      expect(ufragSecond).not.toBe(ufragAfter);
      await mediaAndInput(peer, 23);
      expect(a.agent.sessions.has(sessionId)).toBe(true);
      await end(con, peer, sessionId);
    } finally {
      proxy.close();
    }
  }, 150_000);

  it("when the agent's ICE state misreports after a restart, the bytes received decide", async () => {
    agentTurn = 'udp';
    misreportAfterRestart = true;
    restartGraceMs = 6000;
    const proxy = await UdpProxy.start(r.port);
    const { con, peer, sessionId } = await openThrough(proxy);
    const logged = (line: string) => a.logs().split(line).length - 1;
    const upBefore = logged('ICE up again (bytes arriving)');
    try {
      await mediaAndInput(peer, 31);
      const first = await cutUntilRestart(proxy, con, peer, sessionId);
      await mediaAndInput(peer, 32);
      await until(() => logged('ICE up again (bytes arriving)') > upBefore, 5000, 'reconnection seen in the bytes');
      // The restart's deadline passes with the state still reading 'disconnected': the session stays.
      await new Promise((res) => setTimeout(res, restartGraceMs));
      expect(a.agent.sessions.has(sessionId)).toBe(true);
      await mediaAndInput(peer, 33);

      // The state events say nothing new when the path goes again; the silence does.
      const silentBefore = logged(SILENCE);
      const second = await cutUntilRestart(proxy, con, peer, sessionId);
      expect(second).not.toBe(first);
      expect(logged(SILENCE)).toBe(silentBefore + 1);
      await mediaAndInput(peer, 34);
      expect(a.agent.sessions.has(sessionId)).toBe(true);
      await end(con, peer, sessionId);
    } finally {
      misreportAfterRestart = false;
      restartGraceMs = undefined;
      proxy.close();
    }
  }, 150_000);
});

/** A session whose console reaches its TURN server only through `proxy`. */
function openThrough(proxy: UdpProxy) {
  return open((s) =>
    turnOnly(s, 'udp').map((x) => ({ ...x, urls: x.urls.map((u) => u.replace(`:${r.port}?`, `:${proxy.port}?`)) })),
  );
}

/**
 * Cuts the console off its TURN server until the agent, seeing ICE fail, sends its restart offer;
 * then restores the path and waits for the console's ICE to reconnect. Returns the offer's ufrag.
 */
async function cutUntilRestart(proxy: UdpProxy, con: TestConsole, peer: RtcConsole, sessionId: string) {
  proxy.blocked = true;
  const offer = await explained(
    con.inbox.wait(
      'signal',
      (m) => m.sessionId === sessionId && m.payload.kind === 'offer',
      // libwebrtc declares failure ~18 s after the cut on an idle machine; allow for a loaded one.
      45_000,
    ),
  );
  proxy.blocked = false;
  // The console (RtcConsole) answers the restart offer; ICE reconnects.
  await explained(until(() => up(peer.pc.iceConnectionState), 10_000, 'ICE reconnected'));
  return ufrag(offer.payload.kind === 'offer' ? offer.payload.sdp : undefined);
}

const SILENCE = 'nothing received from the console';
const up = (state: string) => state === 'connected' || state === 'completed';

/** `pc` whose iceConnectionState reads 'disconnected' when it is up, once `after()` holds. */
function misreportingUp(pc: WrtcPeerConnection, after: () => boolean): WrtcPeerConnection {
  return new Proxy(pc, {
    get(target, key) {
      if (key === 'iceConnectionState') {
        const state = target.iceConnectionState;
        return after() && up(state) ? 'disconnected' : state;
      }
      const v = Reflect.get(target, key, target) as unknown;
      return typeof v === 'function' ? v.bind(target) : v;
    },
    set: (target, key, value) => Reflect.set(target, key, value, target),
  });
}

/** A failed wait says what the agent's WebRTC transport logged meanwhile (ICE states, restarts). */
async function explained<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    const lines = a
      .logs()
      .split('\n')
      .filter((l) => /ICE|restart|WebRTC|signal|relay|online|offline/.test(l))
      .slice(-40)
      .map((l) => {
        const e = JSON.parse(l) as { time: string; msg: string; state?: string; reason?: string; summary?: string };
        return `${new Date(e.time).toISOString().slice(11, 23)} ${e.msg}${e.state ? ` ${e.state}` : ''}${e.reason ? ` (${e.reason})` : ''}${e.summary ? `: ${e.summary}` : ''}`;
      });
    throw new Error(`${(err as Error).message}; the agent logged:\n${lines.join('\n')}`);
  }
}

function ufrag(sdp: string | undefined): string | undefined {
  return sdp ? /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1] : undefined;
}

/** Forwards UDP between local clients and one upstream port; `blocked` drops everything both ways. */
class UdpProxy {
  blocked = false;
  private readonly upstreams = new Map<string, Socket>();
  private constructor(
    private readonly front: Socket,
    private readonly target: number,
  ) {
    front.on('message', (msg, from) => {
      if (!this.blocked) this.upstream(from).send(msg, this.target, '127.0.0.1');
    });
  }

  static async start(target: number) {
    const front = createSocket('udp4');
    await new Promise<void>((res) => front.bind(0, '127.0.0.1', res));
    return new UdpProxy(front, target);
  }

  get port() {
    return this.front.address().port;
  }

  close() {
    this.front.close();
    for (const s of this.upstreams.values()) s.close();
  }

  private upstream(from: RemoteInfo): Socket {
    const key = `${from.address}:${from.port}`;
    let s = this.upstreams.get(key);
    if (!s) {
      s = createSocket('udp4');
      s.bind(0, '127.0.0.1');
      s.on('message', (msg) => {
        if (!this.blocked) this.front.send(msg, from.port, from.address);
      });
      this.upstreams.set(key, s);
    }
    return s;
  }
}
