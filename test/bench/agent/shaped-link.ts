// The agent's video over a slow link, by each kind of bandwidth feedback: the console's REMB (the
// agent's default, remb.ts) beside transport-cc (the reference, libwebrtc's own default). The relay,
// the agent and a Node console (wrtc) run in a network namespace of this benchmark's own, whose
// loopback is shaped with tbf (a rate and a queue of so many ms), so every packet between them
// crosses one bottleneck; this kernel has no netem, so there is no propagation delay, only the
// queue's. Per session, after a warm-up: video received, packets lost, frames per
// second, capture → receive latency (the stamp in the synthetic picture), the agent's bandwidth
// estimate and the longest time without a frame.
//
//   npm run bench:link -- [--rate 2mbit] [--queue-ms 200]
//     [--runs 2] [--warmup 8] [--seconds 15]
// Needs root (unshare, ip, tc); it re-executes itself in a new network namespace.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { SyntheticBackend } from '../../../agent-client/src/backend/synthetic';
import { webRtcTransportFactory } from '../../../agent-client/src/transports/webrtc/factory';
import { type WrtcPeerConnection, wrtc } from '../../../agent-client/src/transports/webrtc/wrtc';
import { RtcConsole } from '../../agent/rtc-console';
import { enrollConfig, startAgent, until } from '../../agent/support';
import { Api } from '../../support/http';
import { TestConsole } from '../../support/peers';
import { ADMIN_PASSWORD, startRelay } from '../../support/relay';
import { outgoingEstimate } from '../console/session-stats';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '2mbit' },
    'queue-ms': { type: 'string', default: '200' },
    runs: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '15' },
  },
});

const INSIDE = 'RC_BENCH_IN_NETNS';
if (!process.env[INSIDE]) {
  // A namespace of our own: nothing outside it is shaped, and it ends with this process.
  const r = spawnSync('unshare', ['--net', '--', process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, [INSIDE]: '1' },
  });
  if (r.error) console.error(`unshare: ${r.error.message} (this benchmark needs root)`);
  process.exit(r.status ?? 1);
}

function sh(cmd: string, ...args: string[]) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error?.message}`);
}

function shapeLoopback() {
  sh('ip', 'link', 'set', 'lo', 'up');
  // Ethernet-sized packets: a burst of one packet below must hold the largest.
  sh('ip', 'link', 'set', 'lo', 'mtu', '1500');
  // libwebrtc gathers no candidates on loopback: an address on a veth (no dummy driver here), which
  // is local, so its packets still go over lo.
  sh('ip', 'link', 'add', 'rc0', 'type', 'veth', 'peer', 'name', 'rc1');
  sh('ip', 'addr', 'add', '10.201.0.1/24', 'dev', 'rc0');
  sh('ip', 'link', 'set', 'rc0', 'up');
  sh('ip', 'link', 'set', 'rc1', 'up');
  // A burst of one packet: the rate holds from the first byte; the queue holds queue-ms of it.
  // A malformed --rate is refused by tc, whose message sh() passes on.
  const tbf = ['tbf', 'rate', values.rate, 'burst', '1600', 'latency', `${values['queue-ms']}ms`];
  sh('tc', 'qdisc', 'add', 'dev', 'lo', 'root', ...tbf);
}

const pct = (xs: number[], p: number) => {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);

interface Inbound {
  bytes: number;
  received: number;
  lost: number;
  frames: number;
}

async function inbound(pc: WrtcPeerConnection): Promise<Inbound> {
  const o: Inbound = { bytes: 0, received: 0, lost: 0, frames: 0 };
  for (const s of (await pc.getStats()).values()) {
    if (s.type !== 'inbound-rtp' || s.kind !== 'video') continue;
    o.bytes += Number(s.bytesReceived ?? 0);
    o.received += Number(s.packetsReceived ?? 0);
    o.lost += Number(s.packetsLost ?? 0);
    o.frames += Number(s.framesDecoded ?? 0);
  }
  return o;
}

async function main() {
  shapeLoopback();
  const relay = await startRelay({ RC_TURN: 'off', RC_LOG_LEVEL: 'warn' });
  const admin = await new Api(relay.base, relay.cert).login('admin', ADMIN_PASSWORD);
  const rows: string[] = [];
  try {
    for (let run = 0; run < Number(values.runs); run++) {
      for (const feedback of ['remb', 'transport-cc'] as const) {
        let agentPc: WrtcPeerConnection | undefined;
        const agent = await startAgent(await enrollConfig(admin, { consent: 'auto-accept' }), {
          backend: new SyntheticBackend({ width: 1280, height: 720, consentAnswer: 'accept', consentDelayMs: 0 }),
          webrtc: webRtcTransportFactory({
            feedback,
            peerConnection: (config) => {
              agentPc = new (wrtc().RTCPeerConnection)(config);
              return agentPc;
            },
          }),
        });
        const con = await new TestConsole(admin).connect();
        try {
          const s = await con.openSession(agent.cfg.deviceId, 'view');
          await con.inbox.wait('session.state', (m) => m.sessionId === s.sessionId && m.state === 'accepted');
          const peer = await new RtcConsole(con, s.sessionId, s.reply.iceServers).start();
          await until(() => peer.frames > 0, 20_000, 'the first frame');
          await new Promise((res) => setTimeout(res, Number(values.warmup) * 1000));
          const before = await inbound(peer.pc);
          const latencyFrom = peer.latencies.length;
          const estimates: number[] = [];
          let stall = 0;
          let lastFrames = peer.frames;
          let lastChange = performance.now();
          const t0 = performance.now();
          const end = t0 + Number(values.seconds) * 1000;
          let nextEstimate = t0;
          while (performance.now() < end) {
            await new Promise((res) => setTimeout(res, 20));
            const now = performance.now();
            if (peer.frames !== lastFrames) {
              lastFrames = peer.frames;
              lastChange = now;
            }
            stall = Math.max(stall, now - lastChange);
            if (now >= nextEstimate) {
              const e = await outgoingEstimate(agentPc);
              if (e !== undefined) estimates.push(e);
              nextEstimate = now + 1000;
            }
          }
          const secs = (performance.now() - t0) / 1000;
          const after = await inbound(peer.pc);
          const lat = peer.latencies.slice(latencyFrom);
          const got = after.received - before.received;
          const lost = after.lost - before.lost;
          rows.push(
            `| ${feedback} | ${(((after.bytes - before.bytes) * 8) / secs / 1e6).toFixed(2)} | ` +
              `${((100 * lost) / Math.max(1, got + lost)).toFixed(2)} % | ${((after.frames - before.frames) / secs).toFixed(1)} | ` +
              `${pct(lat, 50).toFixed(0)} / ${pct(lat, 95).toFixed(0)} | ${(avg(estimates) / 1e6).toFixed(2)} | ${stall.toFixed(0)} |`,
          );
          console.error(rows.at(-1));
          peer.close();
          con.send({ type: 'session.end', sessionId: s.sessionId });
        } finally {
          con.ws.close();
          await agent.stop();
        }
      }
    }
  } finally {
    await relay.stop();
  }
  console.log(
    `\nShaped link: ${values.rate}, a queue of ${values['queue-ms']} ms;` +
      ` 1280×720 synthetic desktop; ${values.seconds} s measured after ${values.warmup} s\n`,
  );
  console.log(
    '| feedback | video received (Mbit/s) | packets lost | frames/s | capture → receive p50 / p95 (ms) | agent estimate (Mbit/s) | longest gap without a frame (ms) |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(r);
  // wrtc's native teardown can abort the process at exit; everything is closed by now.
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
