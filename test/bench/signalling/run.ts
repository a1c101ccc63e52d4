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
import { type MemPoint, pct, type RunResult, report } from './report';

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

/** BENCH_CLIENT_FLAGS passes Node flags to the agents and consoles processes (e.g. a larger young generation). */
const CLIENT_FLAGS = process.env.BENCH_CLIENT_FLAGS?.split(' ').filter(Boolean) ?? [];

function spawnChild(name: string, file: string, env: Record<string, string>): Child {
  const prof = PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROF_DIR}`] : [];
  const args = file === 'relay-child.ts' ? [...prof, ...RELAY_FLAGS] : file === 'floor-child.ts' ? [] : CLIENT_FLAGS;
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
      agents.push(consoles); // stopped with the agents if the scenario fails
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
      agents.splice(agents.indexOf(consoles), 1);
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
  const text = [
    report(results, { pairRate: PAIR_RATE, consoles: CONSOLES }),
    ...failures.map((f) => `\n**Scenario failed**: ${f}`),
  ].join('\n');
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
