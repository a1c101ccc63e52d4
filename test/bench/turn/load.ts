// Saturating benchmark (npm run bench:turn:load): offered-rate ramps against our TURN server and
// coturn with one relay thread, with the same C generator (turnload.c, sendmmsg/recvmmsg), to find
// each server's highest loss-free relayed packet rate and its CPU per relayed packet. Prints
// figures side by side; not a test.
//
// Per server and client count: N allocations are made by a proper TURN exchange from Node (Allocate
// with long-term credentials, ChannelBind to the generator's peer socket), then the generator takes
// over the same 5-tuples and offers R packets/s for a few seconds, half ChannelData client→peer and
// half plain datagrams peer→client (1000-byte payloads). Rates rise geometrically; at each rate the
// servers take turns, so load from anything else on the machine falls on each alike. A step passes
// when less than LOSS_LIMIT of the packets are lost; a server stops at its first failure that a
// retry confirms. CPU is the server's utime+stime from /proc over the step, per delivered packet.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { issueRestCredentials } from '../../../turn/src/auth/credentials';
import { ChannelNumber } from '../../../turn/src/stun/attributes/channel-number';
import { RequestedTransport } from '../../../turn/src/stun/attributes/requested-transport';
import { XorPeerAddress, XorRelayedAddress } from '../../../turn/src/stun/attributes/xor-address';
import { Method } from '../../../turn/src/stun/constants';
import { readAttribute } from '../../../turn/src/stun/message';
import { run } from '../../turn/processes';
import { errorCode, isSuccess, TurnTestClient } from '../../turn/turn-client';
import { cpuSplit, rssKiB } from './proc-stats';
import { SECRET, type ServerUnderTest, startCoturn, startOurs } from './servers';

const CLIENT_COUNTS = (process.env.BENCH_CLIENTS ?? '1,10,50').split(',').map(Number);
/** Relay worker threads for the sharded variant of our server (0 = leave it out). */
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
/** BENCH_BASELINE=<worktree> adds our server from that checkout (A/B of a change), one thread or BENCH_BASELINE_WORKERS. */
const BASELINE = process.env.BENCH_BASELINE;
const BASELINE_WORKERS = Number(process.env.BENCH_BASELINE_WORKERS ?? 1);
/** BENCH_COTURN=0 leaves coturn out (for profiling our server alone). */
const WITH_COTURN = process.env.BENCH_COTURN !== '0';
const PAYLOAD = 1000;
const STEP_SECONDS = Number(process.env.BENCH_STEP_SECONDS ?? 3);
const START_RATE = Number(process.env.BENCH_START_RATE ?? 5000);
const MAX_RATE = Number(process.env.BENCH_MAX_RATE ?? 200_000);
const RATE_FACTOR = 1.25;
/** Loss above which a step fails (0.1 %). */
const LOSS_LIMIT = 0.001;
/** CPU per packet is also compared at one common rate every server sustains. */
const COMMON_RATE = Number(process.env.BENCH_COMMON_RATE ?? 10_000);
const PEER_PORT = 23490;
const GENERATOR = '/tmp/rc-bench-turnload';

interface Step {
  rate: number;
  sent: number;
  delivered: number;
  shortSends: number;
  bad: number;
  cpuMicros: number;
  /** The user-space part of cpuMicros (the rest is kernel: syscalls, loopback delivery). */
  userMicros: number;
  seconds: number;
}

interface Result {
  server: ServerUnderTest;
  clients: number;
  steps: Step[];
  best: Step | undefined;
  failed: boolean;
}

function compileGenerator(): void {
  const source = new URL('./turnload.c', import.meta.url).pathname;
  if (existsSync(GENERATOR) && statSync(GENERATOR).mtimeMs > statSync(source).mtimeMs) return;
  execFileSync('gcc', ['-O2', '-Wall', '-Wextra', '-o', GENERATOR, source], { stdio: 'inherit' });
}

let setupCounter = 0;

/** N allocations with one channel each to the generator's peer port; returns the generator's stdin. */
async function setUp(server: ServerUnderTest, clients: number): Promise<string> {
  setupCounter++;
  // A fresh loopback address per setup, so no 5-tuple meets an earlier run's allocation.
  const local = `127.3.${setupCounter}.1`;
  const lines: string[] = [];
  const peer = { address: '127.0.0.1', port: PEER_PORT, family: 'IPv4' as const };
  for (let i = 0; i < clients; i++) {
    const c = await TurnTestClient.udp(server.port, issueRestCredentials(SECRET, `load${i}`, 3600), '127.0.0.1', local);
    try {
      const alloc = await c.authed(Method.Allocate, (b) => b.add(RequestedTransport, 17));
      const relayed = readAttribute(alloc, XorRelayedAddress);
      if (!isSuccess(alloc) || !relayed.present || !relayed.value)
        throw new Error(`${server.name}: Allocate failed (${errorCode(alloc)})`);
      const bind = await c.authed(Method.ChannelBind, (b) => b.add(ChannelNumber, 0x4000).add(XorPeerAddress, peer));
      if (!isSuccess(bind)) throw new Error(`${server.name}: ChannelBind failed (${errorCode(bind)})`);
      lines.push(`${local} ${c.localPort} ${0x4000} ${relayed.value.address} ${relayed.value.port}`);
    } finally {
      c.close();
    }
  }
  return `${lines.join('\n')}\n`;
}

async function step(server: ServerUnderTest, input: string, rate: number, seconds = STEP_SECONDS): Promise<Step> {
  const before = cpuSplit(server.pid);
  const out = await run(
    GENERATOR,
    ['127.0.0.1', String(server.port), String(PEER_PORT), String(rate), String(seconds), String(PAYLOAD)],
    (seconds + 10) * 1000,
    input,
  );
  const after = cpuSplit(server.pid);
  const f = Object.fromEntries([...out.stdout.matchAll(/(\w+)=([\d.]+)/g)].map((m) => [m[1], Number(m[2])]));
  if (f.sent_c2p === undefined) throw new Error(`generator failed: ${out.stdout}${out.stderr}`);
  if (f.recv_c2p === 0 && f.recv_p2c === 0)
    process.stderr.write(
      `nothing delivered: ${out.stdout}${out.stderr}\n${server.name}: ${server.output().slice(-2000)}\n`,
    );
  return {
    rate,
    sent: f.sent_c2p! + f.sent_p2c!,
    delivered: f.recv_c2p! + f.recv_p2c!,
    shortSends: f.send_short!,
    bad: f.bad!,
    cpuMicros: after.user + after.system - before.user - before.system,
    userMicros: after.user - before.user,
    seconds: f.seconds!,
  };
}

const loss = (s: Step) => (s.sent > 0 ? 1 - s.delivered / s.sent : 1);
const passes = (s: Step) => s.sent > 0 && s.shortSends === 0 && loss(s) < LOSS_LIMIT;
const perPacket = (s: Step | undefined) => (s && s.delivered > 0 ? s.cpuMicros / s.delivered : Number.NaN);
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

function rates(): number[] {
  const out = [COMMON_RATE];
  for (let r = START_RATE; r <= MAX_RATE; r = Math.round((r * RATE_FACTOR) / 1000) * 1000) {
    if (!out.includes(r)) out.push(r);
  }
  return out.sort((a, b) => a - b);
}

async function measure(servers: ServerUnderTest[], clients: number): Promise<Result[]> {
  const results: Result[] = [];
  const inputs: string[] = [];
  for (const server of servers) {
    results.push({ server, clients, steps: [], best: undefined, failed: false });
    inputs.push(await setUp(server, clients));
    // Warm-up (JIT, socket buffers), not recorded.
    await step(server, inputs.at(-1)!, COMMON_RATE, 1);
  }
  for (const rate of rates()) {
    const running = results.filter((r) => !r.failed);
    if (running.length === 0) break;
    for (const r of running) {
      let s = await step(r.server, inputs[results.indexOf(r)]!, rate);
      // One retry: a single failure on this shared machine may be someone else's burst.
      if (!passes(s)) s = await step(r.server, inputs[results.indexOf(r)]!, rate);
      r.steps.push(s);
      process.stdout.write(
        `${r.server.name.padEnd(16)} clients ${String(clients).padStart(3)} offered ${String(rate).padStart(6)} pkt/s: ` +
          `delivered ${fmt(s.delivered / s.seconds).padStart(6)} pkt/s, loss ${fmt(100 * loss(s), 3)} %, ` +
          `${fmt(perPacket(s), 1)} µs CPU/pkt (user ${fmt(s.userMicros / s.delivered, 1)})${s.shortSends ? `, generator short ${s.shortSends}` : ''}\n`,
      );
      if (passes(s)) r.best = s;
      else r.failed = true;
    }
  }
  return results;
}

async function main(): Promise<void> {
  if (!existsSync('/usr/bin/turnserver')) throw new Error('turnserver missing: apt-get install -y coturn');
  compileGenerator();
  const loadBefore = loadavg()[0]!;
  const servers: ServerUnderTest[] = [];
  const all: Result[][] = [];
  const rss: number[] = [];
  try {
    if (BASELINE) servers.push(await startOurs(BASELINE_WORKERS, 23778, '29000-29999', BASELINE));
    servers.push(await startOurs(1, 23478, '20000-22999'));
    if (WORKERS > 1) servers.push(await startOurs(WORKERS, 23678, '26000-28999'));
    if (WITH_COTURN) servers.push(await startCoturn(23578));
    for (const clients of CLIENT_COUNTS) all.push(await measure(servers, clients));
    for (const server of servers) rss.push(rssKiB(server.pid));
  } finally {
    for (const server of servers) await server.stop();
  }
  const coturn = WITH_COTURN ? servers.length - 1 : servers.length;
  process.stdout.write(
    `\nturnload (C, sendmmsg/recvmmsg): ${PAYLOAD}-byte payloads over ChannelData, half client→peer, half peer→client, ` +
      `${STEP_SECONDS} s per step, loss-free = < ${100 * LOSS_LIMIT} % lost\n` +
      `load average before ${fmt(loadBefore, 2)}, after ${fmt(loadavg()[0]!, 2)} (${cpus().length} cores)\n\n`,
  );
  const col = (s: string) => s.padEnd(34);
  process.stdout.write(
    `${'clients'.padEnd(8)}| ${servers.map((s) => col(s.name)).join('| ')}| vs coturn: rate, CPU/pkt @${COMMON_RATE / 1000}k\n`,
  );
  for (const results of all) {
    const cells = results.map((r) => {
      const atCommon = r.steps.find((s) => s.rate === COMMON_RATE);
      // No passing step at all: the loss-free rate is below the first one tried.
      const rate = r.best ? fmt(r.best.delivered / r.best.seconds) : `<${rates()[0]}`;
      return col(
        `${rate.padStart(6)} pkt/s ${fmt(perPacket(r.best), 1).padStart(5)} µs, @${COMMON_RATE / 1000}k ${fmt(perPacket(atCommon), 1)} µs`,
      );
    });
    const ref = results[coturn];
    const refCommon = ref?.steps.find((s) => s.rate === COMMON_RATE);
    const ratios = results
      .slice(0, coturn)
      .map((r) => {
        const rate =
          r.best && ref?.best
            ? r.best.delivered / r.best.seconds / (ref.best.delivered / ref.best.seconds)
            : Number.NaN;
        const cpu = perPacket(r.steps.find((s) => s.rate === COMMON_RATE)) / perPacket(refCommon);
        return `${fmt(rate, 2)}× ${fmt(cpu, 2)}×`;
      })
      .join(' / ');
    process.stdout.write(`${String(results[0]!.clients).padEnd(8)}| ${cells.join('| ')}| ${ratios}\n`);
  }
  process.stdout.write(
    `RSS after the runs: ${servers.map((s, i) => `${s.name} ${fmt((rss[i] ?? 0) / 1024, 1)} MiB`).join(', ')}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
