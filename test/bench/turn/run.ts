// Benchmark (npm run bench:turn): the same turnutils_uclient load against our TURN server and
// against coturn with one relay thread, side by side. Prints figures; not a test.
//
// Load: 1000-byte messages over ChannelData (uclient's default; -c only drops the RTCP twin
// allocation), echoed by turnutils_peer, for several client counts and send intervals. For each
// server and client count we report the best loss-free delivered message rate, the CPU the server
// spent per relayed packet (each echoed message is relayed twice: client→peer and peer→client), and
// the server's RSS. Everything runs on 127.0.0.1 with bounded message counts.
import { existsSync } from 'node:fs';
import { parseUclient, run, start } from '../../turn/processes';
import { cpuMicros, rssKiB } from './proc-stats';

const SECRET = 'bench-secret';
const PEER_PORT = 23480;
const OURS_PORT = 23478;
const COTURN_PORT = 23578;
const CLIENT_COUNTS = (process.env.BENCH_CLIENTS ?? '1,5,20').split(',').map(Number);
/** uclient -z: per-client send interval in ms; 0 = as fast as uclient can. */
const INTERVALS = (process.env.BENCH_INTERVALS ?? '1,0').split(',').map(Number);
/** Messages per run, split over the clients. */
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20_000);

interface Sample {
  clients: number;
  interval: number;
  sent: number;
  received: number;
  lost: number;
  /** Seconds of the send phase, from uclient's once-a-second progress lines. */
  seconds: number;
  cpuMicros: number;
}

/**
 * uclient prints "<t>: : start_mclient: msz=…, tot_send_msgs=S, tot_recv_msgs=R, …" once a second.
 * The delivered rate is the growth of R between the first and last line of the send phase, so the
 * connect phase (allocations, permissions, channel binds) and the final drain do not dilute it.
 */
function sendPhase(output: string): { seconds: number; received: number } {
  const points = [...output.matchAll(/^(\d+): : start_mclient: msz=\d+, tot_send_msgs=(\d+), tot_recv_msgs=(\d+)/gm)]
    .map((m) => ({ t: Number(m[1]), sent: Number(m[2]), recv: Number(m[3]) }))
    .filter((p) => p.sent > 0);
  const first = points[0];
  const last = points.at(-1);
  if (!first || !last || last.t === first.t) return { seconds: Number.NaN, received: 0 };
  return { seconds: last.t - first.t, received: last.recv - first.recv };
}

let runCounter = 0;

interface ServerUnderTest {
  name: string;
  port: number;
  pid: number;
  stop: () => Promise<void>;
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function startOurs(): Promise<ServerUnderTest> {
  const p = start(process.execPath, ['--import', 'tsx', 'test/bench/turn/our-server.ts']);
  await waitFor(() => p.output().includes('READY'), 'our server');
  return { name: 'rc-relay turn', port: OURS_PORT, pid: p.child.pid!, stop: p.stop };
}

async function startCoturn(): Promise<ServerUnderTest> {
  const p = start('turnserver', [
    '-n',
    '--listening-ip=127.0.0.1',
    `--listening-port=${COTURN_PORT}`,
    '--relay-ip=127.0.0.1',
    '--relay-threads=1',
    '--use-auth-secret',
    `--static-auth-secret=${SECRET}`,
    '--realm=bench',
    '--allow-loopback-peers',
    '--no-tls',
    '--no-dtls',
    '--no-cli',
    '--min-port=23000',
    '--max-port=25999',
    '--pidfile=/tmp/rc-bench-coturn.pid',
    '--log-file=stdout',
    '--simple-log',
  ]);
  await waitFor(() => /Total General servers|relay threads|IO method/i.test(p.output()), 'coturn');
  await new Promise((r) => setTimeout(r, 500));
  return { name: 'coturn 1 thread', port: COTURN_PORT, pid: p.child.pid!, stop: p.stop };
}

async function sample(server: ServerUnderTest, clients: number, interval: number): Promise<Sample> {
  const perClient = Math.max(50, Math.floor(MESSAGES / clients));
  // A fresh loopback source address per run: uclient never deletes its allocations, and a reused
  // ephemeral port would otherwise meet the previous run's allocation (437/441, correctly).
  runCounter++;
  const local = `127.0.${100 + Math.floor(runCounter / 250)}.${1 + (runCounter % 250)}`;
  const args = [
    ...['-L', local],
    ...['-W', SECRET, '-u', `bench${clients}x${interval}`, '-p', String(server.port)],
    ...['-e', '127.0.0.1', '-r', String(PEER_PORT), '-c', '-l', '1000'],
    ...['-n', String(perClient), '-m', String(clients), '-z', String(interval)],
    '127.0.0.1',
  ];
  const cpuBefore = cpuMicros(server.pid);
  const out = await run('turnutils_uclient', args, 120_000);
  const cpu = cpuMicros(server.pid) - cpuBefore;
  const text = out.stdout + out.stderr;
  const r = parseUclient(text);
  const phase = sendPhase(text);
  // seconds scaled so that received / seconds is the send-phase rate.
  const seconds = phase.received > 0 ? (phase.seconds * r.received) / phase.received : Number.NaN;
  return { clients, interval, sent: r.sent, received: r.received, lost: r.lost, seconds, cpuMicros: cpu };
}

function fmt(n: number, digits = 0): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

async function main(): Promise<void> {
  for (const tool of ['turnutils_uclient', 'turnutils_peer', 'turnserver'])
    if (!existsSync(`/usr/bin/${tool}`)) throw new Error(`${tool} missing: apt-get install -y coturn`);
  process.env.BENCH_PORT = String(OURS_PORT);
  process.env.BENCH_SECRET = SECRET;
  const peer = start('turnutils_peer', ['-p', String(PEER_PORT), '-L', '127.0.0.1']);
  await new Promise((r) => setTimeout(r, 300));
  const results = new Map<string, { best: Map<number, Sample | undefined>; all: Sample[]; rss: number }>();
  try {
    for (const launch of [startOurs, startCoturn]) {
      const server = await launch();
      const all: Sample[] = [];
      const best = new Map<number, Sample | undefined>();
      try {
        for (const clients of CLIENT_COUNTS) {
          for (const interval of INTERVALS) {
            const s = await sample(server, clients, interval);
            all.push(s);
            const rate = s.received / s.seconds;
            process.stdout.write(
              `${server.name.padEnd(16)} m=${String(clients).padStart(2)} z=${interval}  sent ${s.sent} recv ${s.received} lost ${s.lost}  ${fmt(rate)} msg/s  ${fmt(s.cpuMicros / (s.sent + s.received), 2)} µs CPU/pkt\n`,
            );
            const prev = best.get(clients);
            if (
              s.lost === 0 &&
              s.received > 0 &&
              s.received === s.sent &&
              (!prev || rate > prev.received / prev.seconds)
            )
              best.set(clients, s);
          }
        }
        results.set(server.name, { best, all, rss: rssKiB(server.pid) });
      } finally {
        await server.stop();
      }
    }
  } finally {
    await peer.stop();
  }

  const [ours, coturn] = [...results.values()];
  const names = [...results.keys()];
  process.stdout.write('\nBest loss-free run per client count (uclient -l 1000 -c, ChannelData, echo peer)\n');
  process.stdout.write(
    `${'clients'.padEnd(8)}| ${names.map((n) => `${n}: msg/s  relayed pkt/s  µs CPU/pkt`.padEnd(46)).join('| ')}| ratio CPU/pkt (ours/coturn)\n`,
  );
  for (const clients of CLIENT_COUNTS) {
    const cells = [ours, coturn].map((r) => {
      const s = r?.best.get(clients);
      if (!s) return 'no loss-free run'.padEnd(46);
      const rate = s.received / s.seconds;
      return `${fmt(rate).padStart(13)}  ${fmt((s.sent + s.received) / s.seconds).padStart(13)}  ${fmt(s.cpuMicros / (s.sent + s.received), 2).padStart(10)}`.padEnd(
        46,
      );
    });
    const a = ours?.best.get(clients);
    const b = coturn?.best.get(clients);
    const ratio = a && b ? a.cpuMicros / (a.sent + a.received) / (b.cpuMicros / (b.sent + b.received)) : Number.NaN;
    process.stdout.write(`${String(clients).padEnd(8)}| ${cells.join('| ')}| ${fmt(ratio, 2)}\n`);
  }
  process.stdout.write(
    `\nRSS at end: ${names.map((n) => `${n} ${fmt((results.get(n)?.rss ?? 0) / 1024, 1)} MiB`).join(', ')}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
