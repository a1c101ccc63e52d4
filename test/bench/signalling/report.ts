// The signalling benchmark's results and their Markdown report (run.ts measures, this renders).
import type { PairingResult } from './pairing';
import type { LoopStats } from './proc';

export interface MemPoint {
  n: number;
  rss: number;
  rssNoGc: number;
  heapUsed: number;
}
export interface IdleCpu {
  n: number;
  heartbeatS: number;
  windowS: number;
  cpuPct: number;
  agentsCpuPct: number;
  dropped: number;
  otherPct: number;
}
export interface MaxRun {
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
export interface RunResult {
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

export function pct(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}
const kb = (bytes: number) => bytes / 1024;
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const perConn = (p: MemPoint, base: MemPoint) => kb(p.rss - base.rss) / p.n;
const loopText = (l: LoopStats) =>
  `${l.loopP99Ms.toFixed(1)} / ${l.loopMaxMs.toFixed(0)} ms; ${l.gcCount}, ${l.gcMaxMs.toFixed(1)} ms, ${l.gcTotalMs.toFixed(0)} ms`;

export function report(results: RunResult[], o: { pairRate: number; consoles: number }): string {
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
      `| ${r.label} | ${r.points.at(-1)!.n.toLocaleString('en')} | ${p.pairedAgents ? `${p.pairedAgents} agents in their own process` : 'the idle agents'} | ${o.pairRate}/s | ${p.completed}/${p.attempted} | ${f(pct(p.total, 50))} ms | ${f(pct(p.total, 95))} ms | **${f(pct(p.total, 99))} ms** | ${f(Math.max(...p.total))} ms | ${f(pct(p.post, 50))} / ${f(pct(p.post, 99))} ms | ${f(pct(p.accepted, 50))} / ${f(pct(p.accepted, 99))} ms | ${p.serverCpuPct.toFixed(1)} % | ${p.cpuMsPerPairing.toFixed(2)} ms | ${p.otherPct.toFixed(0)} % |`,
    );
  }
  out.push('');
  for (const r of results) {
    const p = r.pairing;
    if (!p) continue;
    out.push(
      `- ${r.label}: ${o.consoles} consoles connected in ${p.consoleConnectMs.map((x) => x.toFixed(0)).join(', ')} ms each ` +
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
