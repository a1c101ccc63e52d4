// Benchmark (npm run bench:turn): the same turnutils_uclient load against our TURN server and
// against coturn with one relay thread, side by side. Prints figures; not a test.
//
// Load: 1000-byte messages over ChannelData (uclient's default; -c only drops the RTCP twin
// allocation), echoed by turnutils_peer, for several client counts and send intervals. For each
// server and client count we report the best loss-free delivered message rate, the CPU the server
// spent per relayed packet (each echoed message is relayed twice: client→peer and peer→client), and
// the server's RSS. Everything runs on 127.0.0.1 with bounded message counts.
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseUclient, run, start } from '../../turn/processes';
import { cpuMicros, rssKiB } from './proc-stats';
import { SECRET, type ServerUnderTest, startCoturn, startOurs } from './servers';

const PEER_PORT = 23480;
const OURS_PORT = 23478;
const OURS_SHARDED_PORT = 23678;
/** Relay worker threads for the sharded variant of our server (0 = leave it out). */
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
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

function perPacket(s: Sample): number {
  return s.cpuMicros / (s.sent + s.received);
}

function describeSample(s: Sample | undefined): string {
  if (!s || s.sent <= 0) return 'failed'.padEnd(36);
  const loss = (100 * (s.sent - s.received)) / s.sent;
  return `${fmt(s.received / s.seconds).padStart(7)} msg/s ${fmt(loss, 2).padStart(5)}% lost ${fmt(perPacket(s), 1).padStart(5)} µs`.padEnd(
    36,
  );
}

async function main(): Promise<void> {
  for (const tool of ['turnutils_uclient', 'turnutils_peer', 'turnserver'])
    if (!existsSync(`/usr/bin/${tool}`)) throw new Error(`${tool} missing: apt-get install -y coturn`);
  const loadBefore = loadavg()[0]!;
  const peer = start('turnutils_peer', ['-p', String(PEER_PORT), '-L', '127.0.0.1']);
  await new Promise((r) => setTimeout(r, 300));
  // All servers run for the whole benchmark and the runs alternate between them, so load from
  // anything else on the machine falls on each alike.
  const servers: ServerUnderTest[] = [];
  const rows: { clients: number; interval: number; samples: Sample[] }[] = [];
  const rss: number[] = [];
  try {
    servers.push(await startOurs(1, OURS_PORT, '20000-22999'));
    if (WORKERS > 1) servers.push(await startOurs(WORKERS, OURS_SHARDED_PORT, '26000-28999'));
    servers.push(await startCoturn(COTURN_PORT));
    for (const clients of CLIENT_COUNTS) {
      for (const interval of INTERVALS) {
        const row: (typeof rows)[number] = { clients, interval, samples: [] };
        for (const server of servers) {
          const s = await sample(server, clients, interval);
          row.samples.push(s);
          process.stdout.write(
            `${server.name.padEnd(16)} m=${String(clients).padStart(2)} z=${interval}  sent ${s.sent} recv ${s.received}  ${describeSample(s)}\n`,
          );
        }
        rows.push(row);
      }
    }
    for (const server of servers) rss.push(rssKiB(server.pid));
  } finally {
    for (const server of servers) await server.stop();
    await peer.stop();
  }

  const coturnIndex = servers.length - 1;
  process.stdout.write(
    `\nturnutils_uclient -l 1000 -c (ChannelData), echo by turnutils_peer, ${MESSAGES} messages per run, all on 127.0.0.1\n`,
  );
  process.stdout.write(
    `load average before ${fmt(loadBefore, 2)}, after ${fmt(loadavg()[0]!, 2)} (${cpus().length} cores)\n\n`,
  );
  process.stdout.write(
    `${'clients -z'.padEnd(11)}| ${servers.map((s) => s.name.padEnd(36)).join('| ')}| CPU/pkt vs coturn\n`,
  );
  for (const r of rows) {
    const coturn = r.samples[coturnIndex];
    const ratios = r.samples
      .slice(0, coturnIndex)
      .map((s) => (coturn ? fmt(perPacket(s) / perPacket(coturn), 2) : '-'))
      .join(' / ');
    process.stdout.write(
      `${`${r.clients} -z ${r.interval}`.padEnd(11)}| ${r.samples.map((s) => describeSample(s)).join('| ')}| ${ratios}\n`,
    );
  }
  for (const [i, server] of servers.entries()) {
    const lossFree = rows
      .map((r) => r.samples[i])
      .filter((s): s is Sample => !!s && s.sent > 0 && s.received === s.sent);
    const best = lossFree.sort((a, b) => b.received / b.seconds - a.received / a.seconds)[0];
    process.stdout.write(
      `${server.name}: best loss-free ${best ? `${fmt(best.received / best.seconds)} msg/s = ${fmt((2 * best.received) / best.seconds)} relayed pkt/s (m=${best.clients} -z ${best.interval})` : 'none'}; RSS ${fmt((rss[i] ?? 0) / 1024, 1)} MiB\n`,
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
