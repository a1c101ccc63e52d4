// Agent benchmark: synthetic 1920×1080 content captured at 30 fps, streamed over LAN TCP (TLS,
// dirty JPEG tiles, credit flow control) and over WebRTC on loopback (VP8 via wrtc), each to a Node
// console in this process. The agent runs as its own process (`rc-agent run`), so its CPU is its own.
//
//   npx tsx test/bench/agent/run.ts [--seconds 10] [--width 1920] [--height 1080] [--fps 30]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { saveConfig } from '../../../agent-client/src/config';
import { type LanOffer, lanBind, lanConnect } from '../../agent/lan-client';
import { RtcConsole } from '../../agent/rtc-console';
import { enrollConfig, until } from '../../agent/support';
import { Api } from '../../support/http';
import { TestConsole } from '../../support/peers';
import { ADMIN_PASSWORD, startRelay } from '../../support/relay';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    width: { type: 'string', default: '1920' },
    height: { type: 'string', default: '1080' },
    fps: { type: 'string', default: '30' },
    quality: { type: 'string', default: '70' },
  },
});
const SECONDS = Number(values.seconds);
const FPS = Number(values.fps);
const TICK = Number(process.env.CLK_TCK ?? 100);

const pct = (xs: number[], p: number) => {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

function cpuTicks(pid: number): number {
  // /proc/<pid>/stat fields 14 and 15: utime and stime in clock ticks.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

interface Result {
  path: string;
  fps: number;
  p50: number;
  p95: number;
  mbps: number;
  cpu: number;
  /** This process: relay + console (TLS reads, or VP8 decoding and the stamp read). */
  consoleCpu: number;
  frames: number;
}

async function measure(
  path: string,
  pid: number,
  sample: () => { frames: number; bytes: number; latencies: number[] },
): Promise<Result> {
  const a = sample();
  const cpu0 = cpuTicks(pid);
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const b = sample();
  const secs = (performance.now() - t0) / 1000;
  const cpu = ((cpuTicks(pid) - cpu0) / TICK / secs) * 100;
  const self = process.cpuUsage(self0);
  const consoleCpu = ((self.user + self.system) / 1e6 / secs) * 100;
  const lat = b.latencies.slice(a.latencies.length);
  return {
    path,
    frames: b.frames - a.frames,
    fps: (b.frames - a.frames) / secs,
    p50: pct(lat, 50),
    p95: pct(lat, 95),
    mbps: ((b.bytes - a.bytes) * 8) / secs / 1e6,
    cpu,
    consoleCpu,
  };
}

async function main() {
  const relay = await startRelay({ RC_TURN: 'off', RC_LOG_LEVEL: 'warn' });
  const dir = mkdtempSync(join(tmpdir(), 'rc-agent-bench-'));
  let agent: ChildProcess | undefined;
  try {
    const admin = await new Api(relay.base, relay.cert).login('admin', ADMIN_PASSWORD);
    const cfg = await enrollConfig(admin, {
      consent: 'auto-accept',
      logLevel: 'warn',
      lan: {
        enabled: true,
        bindAddress: '127.0.0.1',
        advertise: ['127.0.0.1'],
        ports: { connect: 0, screen: 0, sessions: 0 },
      },
      backend: {
        kind: 'synthetic',
        width: Number(values.width),
        height: Number(values.height),
        consentAnswer: 'accept',
        consentDelayMs: 0,
      },
    });
    const configPath = join(dir, 'agent.json');
    saveConfig(configPath, cfg);
    const cli = join(import.meta.dirname, '..', '..', '..', 'agent-client', 'src', 'cli.ts');
    agent = spawn(process.execPath, ['--import', 'tsx', cli, 'run'], {
      env: { ...process.env, RC_AGENT_CONFIG: configPath },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const pid = agent.pid!;
    await until(async () => (await admin.get(`/api/v1/devices/${cfg.deviceId}`)).body.online === true, 20_000, 'agent');
    const results: Result[] = [];

    // --- LAN TCP ---
    const res = await admin.post('/api/v1/sessions', { deviceId: cfg.deviceId, mode: 'control', transport: 'lan' });
    const lan = res.body.lan as LanOffer;
    const acc = await lanConnect(lan);
    if (acc.type !== 'lan.accepted') throw new Error(`LAN refused: ${JSON.stringify(acc)}`);
    const screen = await lanBind(lan, 'screen', acc.key);
    const lanStats = { frames: 0, latencies: [] as number[] };
    screen.onFrame = (f) => {
      if (f.type !== 'frame.end') return;
      lanStats.frames++;
      lanStats.latencies.push(Date.now() - f.captureTime);
      // A console that keeps up: ack each frame, keep two in flight.
      screen.send({ type: 'ack', seq: f.seq, credits: 2 });
    };
    screen.send({ type: 'settings', quality: Number(values.quality), fps: FPS });
    await until(() => lanStats.frames > 5, 20_000, 'LAN frames');
    await new Promise((r) => setTimeout(r, 1000)); // past the first full-screen frame
    results.push(
      await measure('LAN TCP (TLS, JPEG tiles)', pid, () => ({
        ...lanStats,
        latencies: [...lanStats.latencies],
        bytes: screen.bytes,
      })),
    );
    await screen.close();

    // --- LAN TCP, a console that takes 150 ms per frame: credits must keep latency bounded ---
    const res2 = await admin.post('/api/v1/sessions', { deviceId: cfg.deviceId, mode: 'control', transport: 'lan' });
    const lan2 = res2.body.lan as LanOffer;
    const acc2 = await lanConnect(lan2);
    if (acc2.type !== 'lan.accepted') throw new Error(`LAN refused: ${JSON.stringify(acc2)}`);
    const slow = await lanBind(lan2, 'screen', acc2.key);
    const slowStats = { frames: 0, latencies: [] as number[] };
    slow.onFrame = (f) => {
      if (f.type !== 'frame.end') return;
      slowStats.frames++;
      slowStats.latencies.push(Date.now() - f.captureTime);
      setTimeout(() => slow.send({ type: 'ack', seq: f.seq, credits: 1 }), 150);
    };
    slow.send({ type: 'settings', quality: Number(values.quality), fps: FPS });
    await until(() => slowStats.frames > 3, 20_000, 'slow LAN frames');
    await new Promise((r) => setTimeout(r, 1000));
    results.push(
      await measure('LAN TCP, console acking 150 ms late', pid, () => ({
        ...slowStats,
        latencies: [...slowStats.latencies],
        bytes: slow.bytes,
      })),
    );
    await slow.close();

    // --- WebRTC ---
    const con = await new TestConsole(admin).connect();
    const s = await con.openSession(cfg.deviceId, 'control');
    await con.inbox.wait('session.state', (m) => m.sessionId === s.sessionId && m.state === 'accepted');
    const peer = await new RtcConsole(con, s.sessionId, s.reply.iceServers).start();
    await until(() => peer.frames > 5, 20_000, 'WebRTC frames');
    await new Promise((r) => setTimeout(r, 3000)); // let the bandwidth estimate ramp up
    let rtcBytes = 0;
    const poll = setInterval(async () => {
      for (const st of (await peer.pc.getStats()).values()) {
        if (st.type === 'inbound-rtp' && st.kind === 'video') rtcBytes = Number(st.bytesReceived);
      }
    }, 200);
    results.push(
      await measure('WebRTC (VP8, loopback)', pid, () => ({
        frames: peer.frames,
        latencies: [...peer.latencies],
        bytes: rtcBytes,
      })),
    );
    clearInterval(poll);
    peer.close();
    await con.close();

    console.log(`\nsynthetic ${values.width}×${values.height} @ ${FPS} fps, ${SECONDS} s per path, agent pid ${pid}\n`);
    console.log('| path | fps delivered | capture→receive p50 | p95 | Mb/s | agent CPU | relay+console CPU |');
    console.log('|---|---|---|---|---|---|---|');
    for (const r of results) {
      console.log(
        `| ${r.path} | ${r.fps.toFixed(1)} | ${r.p50.toFixed(0)} ms | ${r.p95.toFixed(0)} ms | ${r.mbps.toFixed(2)} | ${r.cpu.toFixed(0)} % | ${r.consoleCpu.toFixed(0)} % |`,
      );
    }
  } finally {
    agent?.kill('SIGTERM');
    await relay.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
