// Signalling benchmark (issue 2): idle agents per relay process (RSS, CPU, heartbeat cost), pairing
// latency at 100 pairings/s with 10k idle agents, and the same idle sockets on a minimal `ws` floor
// server for comparison. Prints figures, never pass/fail.
//
//   npm run bench:signalling                 full run (~8 min)
//   BENCH_QUICK=1 npm run bench:signalling   small N and short windows, to check the harness
//   BENCH_ONLY='relay TLS' BENCH_NO_MAX=1      one scenario, without the slow "as many as fit" step
//
// Every figure comes from /proc/<pid> of a server process that runs nothing else; simulated agents
// and consoles live in other processes. RSS is read after two forced GCs in the server (so garbage
// does not count as per-connection memory); the un-collected figure is printed beside it.
import { cpSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTlsMaterial } from '../../../server/src/keys';
import { Store } from '../../../server/src/store';
import type { PairingResult } from './pairing';
import {
  Child,
  cpuPercent,
  fdCount,
  type LoopStats,
  machineBusySeconds,
  nofileLimits,
  type ProcSample,
  sampleProc,
} from './proc';

const QUICK = process.env.BENCH_QUICK === '1';
const ROOT = join(import.meta.dirname, '..', '..', '..');
const HERE = import.meta.dirname;
const ADMIN_PASSWORD = 'bench-admin-password-0123';
const STEPS = QUICK ? [200, 1000] : [1000, 10_000];
/** Devices seeded; the "as many as fit" step tries all of them (more than one process can hold). */
const MAX_TARGET = Number(process.env.BENCH_MAX_TARGET ?? (QUICK ? 1500 : 20_500));
const AGENTS_PER_PROCESS = 10_500;
const IDLE_WINDOW_S = QUICK ? 5 : 25;
const PAIR_RATE = 100;
const PAIR_COUNT = QUICK ? 300 : 2000;
const CONSOLES = 4;
/**
 * Devices that take part in pairings, in a process of their own: a real agent is one socket on its
 * own PC, not one of 10k in a process whose own GC and event loop would sit inside every round trip.
 * BENCH_PAIR_IDLE=1 pairs with the idle agents instead (the earlier method, for comparison).
 */
const PAIRED_AGENTS = 200;
const PAIR_WITH_IDLE = process.env.BENCH_PAIR_IDLE === '1';
const SETTLE_MS = QUICK ? 500 : 2000;
const DEADLINE_MS = 9.5 * 60_000;

const tmp = mkdtempSync(join(tmpdir(), 'rc-bench-signalling-'));
const logFd = openSync(join(tmp, 'children.log'), 'a');
const children = new Set<Child>();
const limits = nofileLimits();
const t0 = Date.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (s: string) => console.error(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${s}`);

let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.all([...children].map((c) => c.stop()));
    if (process.env.BENCH_KEEP_TMP === '1') log(`kept ${tmp} (children.log has the children's output)`);
    else rmSync(tmp, { recursive: true, force: true });
  })();
  return cleaning;
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    log(`${sig}: stopping children`);
    void cleanup().then(() => process.exit(130));
  });
}
const watchdog = setTimeout(() => {
  log('deadline reached: stopping');
  void cleanup().then(() => process.exit(3));
}, DEADLINE_MS);

/** BENCH_PROF_DIR=/abs/dir writes a V8 CPU profile of each relay process there (for finding hot spots). */
const PROF_DIR = process.env.BENCH_PROF_DIR;
/** BENCH_RELAY_FLAGS='--trace-gc' passes Node flags to each relay process (its output goes to children.log). */
const RELAY_FLAGS = process.env.BENCH_RELAY_FLAGS?.split(' ').filter(Boolean) ?? [];

function spawnChild(name: string, file: string, env: Record<string, string>): Child {
  const prof = PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROF_DIR}`] : [];
  const args = file === 'relay-child.ts' ? [...prof, ...RELAY_FLAGS] : [];
  const c = new Child(name, join(HERE, file), env, limits.hard, logFd, ROOT, args);
  children.add(c);
  void c.exited.then((code) => {
    if (!cleaning && code !== 0 && code !== null) log(`${name} (pid ${c.pid}) exited with ${code}`);
  });
  return c;
}

async function stopChild(c: Child) {
  await c.stop();
  children.delete(c);
}

// --- fixtures: one certificate for every server, one seeded database copied per relay run ---

const tlsDir = join(tmp, 'tls-src');
const tlsMaterial = await loadTlsMaterial(tlsDir, null, null, []);
const templateDir = join(tmp, 'template');
mkdirSync(templateDir);
const seedStart = performance.now();
const store = Store.open(templateDir);
const tokens: string[] = [];
store.db.transaction(() => {
  for (let i = 0; i < MAX_TARGET; i++) {
    const hostname = `bench-${i}`;
    tokens.push(
      store.devices.create({ groupId: 'g_default', hostname, os: 'linux', certFingerprint: 'ab'.repeat(32) })
        .deviceToken,
    );
  }
})();
store.close();
const deviceIds = tokens.map((t) => t.slice(0, t.indexOf('.')));
log(`seeded ${MAX_TARGET} devices in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);
let dirSeq = 0;
function freshDataDir(): string {
  const dir = join(tmp, `data-${++dirSeq}`);
  cpSync(templateDir, dir, { recursive: true });
  cpSync(join(tlsDir, 'tls'), join(dir, 'tls'), { recursive: true });
  return dir;
}

// --- measurements ---

interface MemPoint {
  n: number;
  rss: number;
  rssNoGc: number;
  heapUsed: number;
}
interface IdleCpu {
  n: number;
  heartbeatS: number;
  windowS: number;
  cpuPct: number;
  agentsCpuPct: number;
  dropped: number;
  otherPct: number;
}
interface MaxRun {
  requested: number;
  /** Agent sockets still open after settling. */
  connected: number;
  connectedBeforeSettle: number;
  errors: Record<string, number>;
  serverFds: number;
  serverAlive: boolean;
  point?: MemPoint;
  connectSeconds: number;
}
interface RunResult {
  label: string;
  base: MemPoint;
  points: MemPoint[];
  connectRate: number[];
  idle?: IdleCpu;
  pairing?: PairingResult & {
    serverCpuPct: number;
    cpuMsPerPairing: number;
    /** Event loops during the pairings (after the consoles connected): the relay's and the agents'. */
    loop: LoopStats;
    idleAgentsLoop: LoopStats;
    pairedAgentsLoop?: LoopStats;
    consolesLoop: LoopStats;
    pairedAgents: number;
    otherPct: number;
  };
  max?: MaxRun;
}

/**
 * Busy CPU of the machine outside this benchmark's own processes (other work on a shared host), as
 * % of one core over a window; the figures above it are only as clean as this is small.
 */
function otherLoad(): () => number {
  const own = () => {
    let sum = process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6;
    for (const c of children) {
      try {
        sum += sampleProc(c.pid).cpuSeconds;
      } catch {
        // exited
      }
    }
    return sum;
  };
  const m0 = machineBusySeconds();
  const o0 = own();
  const t = performance.now();
  return () => (100 * (machineBusySeconds() - m0 - (own() - o0))) / ((performance.now() - t) / 1000);
}

async function memPoint(server: Child, n: number): Promise<MemPoint> {
  const noGc = sampleProc(server.pid).rssBytes;
  const r = await server.request<{ type: string; mem: Record<string, number> }>({ type: 'gc' }, 30_000);
  const s = sampleProc(server.pid);
  return { n, rss: s.rssBytes, rssNoGc: noGc, heapUsed: r.mem.heapUsed! };
}

async function startAgents(name: string, url: string, mode: 'relay' | 'floor'): Promise<Child> {
  const a = spawnChild(name, 'agents-child.ts', {});
  await a.once('ready', 30_000);
  await a.request({ type: 'init', url, mode, ca: url.startsWith('wss') ? tlsMaterial.cert : null }, 10_000);
  return a;
}

type ConnectReply = { type: string; ok: number; failed: number; errors: Record<string, number>; ms: number };
const connect = (a: Child, from: number, to: number, stopAfterFailures?: number) =>
  a.request<ConnectReply>(
    { type: 'connect', tokens: tokens.slice(from, to), firstIndex: from, concurrency: 64, stopAfterFailures },
    240_000,
  );

interface Scenario {
  label: string;
  kind: 'relay' | 'floor';
  tls: boolean;
  heartbeatS?: number;
  steps: number[];
  idle?: boolean;
  pairing?: boolean;
  max?: boolean;
}

async function runScenario(sc: Scenario): Promise<RunResult> {
  log(`== ${sc.label}`);
  const server =
    sc.kind === 'relay'
      ? spawnChild(`relay ${sc.label}`, 'relay-child.ts', {
          RC_PORT: '0',
          RC_HOST: '127.0.0.1',
          RC_DATA_DIR: freshDataDir(),
          RC_ADMIN_PASSWORD: ADMIN_PASSWORD,
          RC_TLS: sc.tls ? 'on' : 'off',
          RC_TURN: 'off',
          RC_LOG_LEVEL: 'warn',
          RC_HEARTBEAT_SECONDS: String(sc.heartbeatS ?? 25),
          RC_SHUTDOWN_TIMEOUT_SECONDS: '1',
        })
      : spawnChild(
          `floor ${sc.label}`,
          'floor-child.ts',
          sc.tls ? { FLOOR_CERT: join(tlsDir, 'tls', 'cert.pem'), FLOOR_KEY: join(tlsDir, 'tls', 'key.pem') } : {},
        );
  const agents: Child[] = [];
  try {
    const ready = await server.once('ready', 60_000);
    const base = `${sc.tls ? 'https' : 'http'}://127.0.0.1:${ready.port}`;
    const wsUrl = base.replace(/^http/, 'ws');
    await sleep(SETTLE_MS);
    const result: RunResult = { label: sc.label, base: await memPoint(server, 0), points: [], connectRate: [] };
    agents.push(await startAgents(`agents-1 ${sc.label}`, wsUrl, sc.kind));
    let have = 0;
    for (const n of sc.steps) {
      const r = await connect(agents[0]!, have, n);
      if (r.failed > 0)
        throw new Error(`connecting agents ${have}..${n}: ${r.failed} failed ${JSON.stringify(r.errors)}`);
      result.connectRate.push(((n - have) / r.ms) * 1000);
      log(`${n} agents connected (${((n - have) / (r.ms / 1000)).toFixed(0)}/s)`);
      have = n;
      await sleep(SETTLE_MS);
      result.points.push(await memPoint(server, n));
    }

    if (sc.idle) {
      const before = (await agents[0]!.request<{ type: string; closedAfterOpen: number }>({ type: 'stats' }, 10_000))
        .closedAfterOpen;
      const other = otherLoad();
      const s0 = sampleProc(server.pid);
      const a0 = sampleProc(agents[0]!.pid);
      await sleep(IDLE_WINDOW_S * 1000);
      const s1 = sampleProc(server.pid);
      const a1 = sampleProc(agents[0]!.pid);
      const after = (await agents[0]!.request<{ type: string; closedAfterOpen: number }>({ type: 'stats' }, 10_000))
        .closedAfterOpen;
      result.idle = {
        n: have,
        heartbeatS: sc.heartbeatS ?? 25,
        windowS: IDLE_WINDOW_S,
        cpuPct: cpuPercent(s0, s1),
        agentsCpuPct: cpuPercent(a0, a1),
        dropped: after - before,
        otherPct: other(),
      };
      log(`idle: server ${result.idle.cpuPct.toFixed(2)} % of a core, ${result.idle.dropped} agents dropped`);
    }

    if (sc.pairing) {
      let paired: Child | undefined;
      let pairIds = deviceIds.slice(0, have);
      if (!PAIR_WITH_IDLE) {
        paired = await startAgents(`paired agents ${sc.label}`, wsUrl, sc.kind);
        agents.push(paired);
        const r = await connect(paired, have, have + PAIRED_AGENTS);
        if (r.failed > 0) throw new Error(`connecting paired agents: ${r.failed} failed ${JSON.stringify(r.errors)}`);
        pairIds = deviceIds.slice(have, have + PAIRED_AGENTS);
        await sleep(SETTLE_MS);
      }
      const consoles = spawnChild(`consoles ${sc.label}`, 'consoles-child.ts', {});
      await consoles.once('ready', 30_000);
      await consoles.request(
        { type: 'connect', base, ca: sc.tls ? tlsMaterial.cert : null, password: ADMIN_PASSWORD, consoles: CONSOLES },
        120_000,
      );
      const loops = [server, agents[0]!, consoles, ...(paired ? [paired] : [])];
      await Promise.all(loops.map((c) => c.request({ type: 'loopReset' }, 10_000)));
      const s0 = sampleProc(server.pid);
      const other = otherLoad();
      const { result: p } = await consoles.request<{ type: string; result: PairingResult }>(
        { type: 'run', deviceIds: pairIds, ratePerSecond: PAIR_RATE, count: PAIR_COUNT },
        PAIR_COUNT * (1000 / PAIR_RATE) + 60_000,
      );
      const s1: ProcSample = sampleProc(server.pid);
      const otherPct = other();
      const [loop, idleAgentsLoop, consolesLoop, pairedAgentsLoop] = await Promise.all(
        loops.map((c) => c.request<LoopStats & { type: string }>({ type: 'loop' }, 10_000)),
      );
      await stopChild(consoles);
      const idleCpuS = ((result.idle?.cpuPct ?? 0) / 100) * ((s1.at - s0.at) / 1000);
      result.pairing = {
        ...p,
        serverCpuPct: cpuPercent(s0, s1),
        cpuMsPerPairing: ((s1.cpuSeconds - s0.cpuSeconds - idleCpuS) * 1000) / Math.max(1, p.completed),
        loop: loop!,
        idleAgentsLoop: idleAgentsLoop!,
        pairedAgentsLoop,
        consolesLoop: consolesLoop!,
        pairedAgents: paired ? PAIRED_AGENTS : 0,
        otherPct,
      };
      log(`pairing: ${p.completed}/${p.attempted} completed, p99 ${pct(p.total, 99).toFixed(1)} ms`);
      // The "as many as fit" step hands out devices from `have` on: these must be gone first.
      if (paired) {
        await stopChild(paired);
        agents.splice(agents.indexOf(paired), 1);
      }
    }

    if (sc.max) {
      const t = performance.now();
      const errors: Record<string, number> = {};
      let connected = have;
      // Fill the first agents process up to its share, then one more process per share.
      const plan: [Child | undefined, number, number][] = [];
      let from = have;
      if (from < AGENTS_PER_PROCESS) {
        plan.push([agents[0], from, Math.min(MAX_TARGET, AGENTS_PER_PROCESS)]);
        from = AGENTS_PER_PROCESS;
      }
      for (; from < MAX_TARGET; from += AGENTS_PER_PROCESS) {
        plan.push([undefined, from, Math.min(MAX_TARGET, from + AGENTS_PER_PROCESS)]);
      }
      for (const [existing, lo, hi] of plan) {
        const child = existing ?? (await startAgents(`agents-${agents.length + 1} ${sc.label}`, wsUrl, sc.kind));
        if (!existing) agents.push(child);
        const r = await connect(child, lo, hi, 50);
        connected += r.ok;
        for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
        log(`max: +${r.ok} agents (${r.failed} failed), ${connected} connected`);
        if (r.failed > 0) break;
      }
      await sleep(SETTLE_MS);
      const serverAlive = server.proc.exitCode === null && server.proc.signalCode === null;
      let open = 0;
      for (const a of agents) open += (await a.request<{ type: string; open: number }>({ type: 'stats' }, 10_000)).open;
      result.max = {
        requested: MAX_TARGET,
        connected: open,
        connectedBeforeSettle: connected,
        errors,
        serverFds: serverAlive ? fdCount(server.pid) : Number.NaN,
        serverAlive,
        connectSeconds: (performance.now() - t) / 1000,
      };
      if (serverAlive) result.max.point = await memPoint(server, connected);
    }
    return result;
  } finally {
    for (const a of agents) await stopChild(a);
    await stopChild(server);
  }
}

// --- report ---

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}
const kb = (bytes: number) => bytes / 1024;
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const perConn = (p: MemPoint, base: MemPoint) => kb(p.rss - base.rss) / p.n;
const loopText = (l: LoopStats) =>
  `${l.loopP99Ms.toFixed(1)} / ${l.loopMaxMs.toFixed(0)} ms; ${l.gcCount}, ${l.gcMaxMs.toFixed(1)} ms, ${l.gcTotalMs.toFixed(0)} ms`;

function report(results: RunResult[]): string {
  const out: string[] = [];
  const floorOf = (r: RunResult) =>
    results.find((f) => f.label === (r.label.includes('TLS') ? 'floor TLS' : 'floor plain'));
  out.push('### Idle agents: server RSS per connection');
  out.push('');
  out.push(
    '| server | agents | server RSS | RSS/agent (after GC) | RSS/agent (no GC) | marginal RSS/agent | heap/agent | floor RSS/agent | relay ÷ floor |',
  );
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    if (r.label.includes('heartbeat 5')) continue;
    const pts = [...r.points, ...(r.max?.point ? [r.max.point] : [])];
    let prev: MemPoint = r.base;
    for (const p of pts) {
      const f = floorOf(r);
      const fp = r.label.startsWith('floor') ? undefined : f && [...f.points, f.max?.point].find((x) => x?.n === p.n);
      const rel = perConn(p, r.base);
      const maxTag = r.max?.point === p ? ' (max)' : '';
      out.push(
        `| ${r.label} | ${p.n.toLocaleString('en')}${maxTag} | ${mb(p.rss)} MB | **${rel.toFixed(1)} KB** | ${(kb(p.rssNoGc - r.base.rssNoGc) / p.n).toFixed(1)} KB | ${(kb(p.rss - prev.rss) / (p.n - prev.n)).toFixed(1)} KB | ${(kb(p.heapUsed - r.base.heapUsed) / p.n).toFixed(1)} KB | ${fp ? `${perConn(fp, f!.base).toFixed(1)} KB` : '–'} | ${fp ? `${(rel / perConn(fp, f!.base)).toFixed(2)}×` : '–'} |`,
      );
      prev = p;
    }
  }
  out.push('');
  out.push(`Baseline RSS before any agent: ${results.map((r) => `${r.label} ${mb(r.base.rss)} MB`).join(', ')}.`);
  out.push('');
  out.push('### Idle CPU of the server process');
  out.push('');
  out.push(
    '| server | agents | heartbeat | window | server CPU (% of one core) | server CPU ÷ pings | agents process CPU | agents dropped | other load on host |',
  );
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    if (!r.idle) continue;
    const i = r.idle;
    const pings = (i.n * i.windowS) / i.heartbeatS;
    out.push(
      `| ${r.label} | ${i.n.toLocaleString('en')} | ${i.heartbeatS} s | ${i.windowS} s | **${i.cpuPct.toFixed(2)} %** | ${(((i.cpuPct / 100) * i.windowS * 1e6) / pings).toFixed(0)} µs | ${i.agentsCpuPct.toFixed(1)} % | ${i.dropped} | ${i.otherPct.toFixed(0)} % |`,
    );
  }
  out.push('');
  out.push('### Pairing latency (POST /sessions → request → accept → offer → answer at the console)');
  out.push('');
  out.push(
    '| server | idle agents | paired with | rate | completed | p50 | p95 | p99 | max | POST reply p50 / p99 | accepted p50 / p99 | server CPU | CPU per pairing | other load on host |',
  );
  out.push('|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const p = r.pairing;
    if (!p) continue;
    const f = (x: number) => x.toFixed(1);
    out.push(
      `| ${r.label} | ${r.points.at(-1)!.n.toLocaleString('en')} | ${p.pairedAgents ? `${p.pairedAgents} agents in their own process` : 'the idle agents'} | ${PAIR_RATE}/s | ${p.completed}/${p.attempted} | ${f(pct(p.total, 50))} ms | ${f(pct(p.total, 95))} ms | **${f(pct(p.total, 99))} ms** | ${f(Math.max(...p.total))} ms | ${f(pct(p.post, 50))} / ${f(pct(p.post, 99))} ms | ${f(pct(p.accepted, 50))} / ${f(pct(p.accepted, 99))} ms | ${p.serverCpuPct.toFixed(1)} % | ${p.cpuMsPerPairing.toFixed(2)} ms | ${p.otherPct.toFixed(0)} % |`,
    );
  }
  out.push('');
  for (const r of results) {
    const p = r.pairing;
    if (!p) continue;
    out.push(
      `- ${r.label}: ${CONSOLES} consoles connected in ${p.consoleConnectMs.map((x) => x.toFixed(0)).join(', ')} ms each ` +
        `(presence.snapshot of ${p.snapshotDevices.toLocaleString('en')} devices, ${(p.snapshotBytes / 1024 / 1024).toFixed(1)} MB); ` +
        `event loops (delay p99 / max; GC pauses, max, total): relay ${loopText(p.loop)}; idle agents ${loopText(p.idleAgentsLoop)}` +
        `${p.pairedAgentsLoop ? `; paired agents ${loopText(p.pairedAgentsLoop)}` : ''}; ` +
        `consoles ${loopText(p.consolesLoop)}; ` +
        `client start lag max ${p.maxStartLagMs.toFixed(1)} ms; failures ${JSON.stringify(p.failures)}; wall ${p.wallSeconds.toFixed(1)} s.`,
    );
  }
  out.push('');
  out.push('### As many as fit');
  out.push('');
  for (const r of results) {
    const m = r.max;
    if (!m) continue;
    out.push(
      `- ${r.label}: ${m.connected.toLocaleString('en')} of ${m.requested.toLocaleString('en')} agents connected ` +
        `(${m.connectSeconds.toFixed(0)} s); server ${m.serverAlive ? `alive, ${m.serverFds} fds open` : 'DIED'}; ` +
        `first errors ${JSON.stringify(m.errors)}.`,
    );
  }
  out.push('');
  out.push(
    `Connect rates (agents/s, handshake + hello/welcome, 64 in flight): ${results.map((r) => `${r.label} ${r.connectRate.map((x) => x.toFixed(0)).join('/')}`).join('; ')}.`,
  );
  return out.join('\n');
}

// --- the run ---

const scenarios: Scenario[] = [
  { label: 'relay TLS', kind: 'relay', tls: true, steps: STEPS, idle: true, pairing: true, max: true },
  { label: 'relay TLS, heartbeat 5 s', kind: 'relay', tls: true, heartbeatS: 5, steps: [STEPS.at(-1)!], idle: true },
  { label: 'relay plain', kind: 'relay', tls: false, steps: STEPS, idle: true, pairing: true, max: true },
  // The floors hit the same per-process fd limit; their 1k/10k figures are what the relay is compared with.
  { label: 'floor TLS', kind: 'floor', tls: true, steps: STEPS },
  { label: 'floor plain', kind: 'floor', tls: false, steps: STEPS },
];
/** BENCH_ONLY='relay TLS,floor TLS' runs only those scenarios; BENCH_NO_MAX=1 skips the "as many as fit" steps. */
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
if (process.env.BENCH_NO_MAX === '1') for (const sc of scenarios) sc.max = false;

let exitCode = 0;
const results: RunResult[] = [];
const failures: string[] = [];
try {
  log(`fd limit soft ${limits.soft}, hard ${limits.hard}; children run with ulimit -n ${limits.hard}`);
  for (const sc of scenarios) {
    if (only && !only.includes(sc.label)) continue;
    try {
      results.push(await runScenario(sc));
    } catch (err) {
      exitCode = 1;
      failures.push(`${sc.label}: ${err instanceof Error ? err.message : String(err)}`);
      log(`${sc.label} failed: ${failures.at(-1)}`);
    }
  }
  const text = [report(results), ...failures.map((f) => `\n**Scenario failed**: ${f}`)].join('\n');
  console.log(text);
  if (process.env.BENCH_OUT) writeFileSync(process.env.BENCH_OUT, `${text}\n`);
} catch (err) {
  exitCode = 1;
  console.error('benchmark failed:', err);
  try {
    console.error(readFileSync(join(tmp, 'children.log'), 'utf8').split('\n').slice(-30).join('\n'));
  } catch {
    // no child output
  }
} finally {
  clearTimeout(watchdog);
  await cleanup();
  log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
process.exit(exitCode);
