// Process plumbing for the benchmark: /proc sampling, child processes with a raised fd limit,
// and a request/reply channel over Node's IPC so the orchestrator can drive each child.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

export const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface ProcSample {
  rssBytes: number;
  /** user + system CPU seconds since the process started. */
  cpuSeconds: number;
  at: number;
}

export function sampleProc(pid: number): ProcSample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rssBytes: rssKb * 1024, cpuSeconds: ticks / CLK_TCK, at: performance.now() };
}

export function fdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds the whole machine spent busy (all cores, all processes) since boot, from /proc/stat. */
export function machineBusySeconds(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  return ((f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0)) / CLK_TCK;
}

/** CPU use between two samples as % of one core. */
export const cpuPercent = (a: ProcSample, b: ProcSample) =>
  (100 * (b.cpuSeconds - a.cpuSeconds)) / ((b.at - a.at) / 1000);

/** Soft and hard RLIMIT_NOFILE as a shell started from here sees them. */
export function nofileLimits(): { soft: number; hard: number } {
  const read = (flag: string) => {
    const v = execFileSync('bash', ['-c', `ulimit ${flag}`], { encoding: 'utf8' }).trim();
    return v === 'unlimited' ? 1_048_576 : Number(v);
  };
  return { soft: read('-Sn'), hard: read('-Hn') };
}

type Msg = { type: string; rid?: number } & Record<string, unknown>;

/** A child process running a TypeScript file under tsx, with its fd soft limit raised to `nofile`. */
export class Child {
  readonly proc: ChildProcess;
  readonly pid: number;
  private rid = 0;
  private readonly pending = new Map<number, { resolve: (m: Msg) => void; reject: (e: Error) => void }>();
  private readonly listeners: ((m: Msg) => void)[] = [];
  exited: Promise<number | null>;

  constructor(
    readonly name: string,
    script: string,
    env: Record<string, string>,
    nofile: number,
    stdout: number | 'inherit',
    cwd: string,
    nodeArgs: string[] = [],
  ) {
    // `exec` keeps the pid: the pid we hold is the node process itself, whose /proc we read.
    this.proc = spawn(
      'bash',
      [
        '-c',
        `ulimit -n ${nofile} && exec "$0" --expose-gc ${nodeArgs.join(' ')} --import tsx "$1"`,
        process.execPath,
        script,
      ],
      { cwd, stdio: ['ignore', stdout, 'inherit', 'ipc'], env: { ...process.env, ...env } },
    );
    if (this.proc.pid === undefined) throw new Error(`${name}: spawn failed`);
    this.pid = this.proc.pid;
    this.exited = new Promise((resolve) => this.proc.once('exit', (code) => resolve(code)));
    this.proc.on('message', (m: Msg) => {
      if (m.rid !== undefined && this.pending.has(m.rid)) {
        const p = this.pending.get(m.rid)!;
        this.pending.delete(m.rid);
        if (m.type === 'error') p.reject(new Error(`${name}: ${String(m.message)}`));
        else p.resolve(m);
        return;
      }
      for (const l of this.listeners) l(m);
    });
    void this.exited.then((code) => {
      for (const p of this.pending.values()) p.reject(new Error(`${name} exited (${code}) during a request`));
      this.pending.clear();
    });
  }

  /** The first unsolicited message of a type (e.g. `ready`). */
  once(type: string, timeoutMs: number): Promise<Msg> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no '${type}' within ${timeoutMs} ms`)), timeoutMs);
      const l = (m: Msg) => {
        if (m.type !== type) return;
        clearTimeout(timer);
        this.listeners.splice(this.listeners.indexOf(l), 1);
        resolve(m);
      };
      this.listeners.push(l);
      void this.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${code}) before '${type}'`));
      });
    });
  }

  request<T extends Msg = Msg>(m: Msg, timeoutMs: number): Promise<T> {
    const rid = ++this.rid;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(rid);
        reject(new Error(`${this.name}: '${m.type}' not answered within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(rid, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.proc.send({ ...m, rid });
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; only this child's own pid. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    try {
      process.kill(this.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Child side: answers requests from the orchestrator; exits when the orchestrator goes away. */
export function serve(
  handlers: Record<string, (m: Msg) => Promise<Record<string, unknown>> | Record<string, unknown>>,
) {
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: Msg) => {
    const h = handlers[m.type];
    const reply = (r: Record<string, unknown>) => process.send?.({ ...r, rid: m.rid });
    if (!h) {
      reply({ type: 'error', message: `unknown request ${m.type}` });
      return;
    }
    Promise.resolve()
      .then(() => h(m))
      .then(
        (r) => reply({ type: 'ok', ...r }),
        (err: unknown) => reply({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
      );
  });
}

/**
 * Heap figures of this process after two full collections (needs --expose-gc). Read through V8, not
 * process.memoryUsage(): that opens /proc/self/stat and fails with EMFILE once the fd limit is reached.
 */
export function memoryAfterGc(): Record<string, number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const h = v8.getHeapStatistics();
  return { heapUsed: h.used_heap_size, heapTotal: h.total_heap_size, external: h.external_memory };
}

/** A process's event loop over a window: delay percentiles and GC pauses (tells a stall's cause apart). */
export type LoopStats = {
  loopP99Ms: number;
  loopMaxMs: number;
  gcCount: number;
  gcMaxMs: number;
  gcTotalMs: number;
};

/** Starts watching this process's event loop; `loopReset`/`loop` handlers for `serve`. */
export function loopHandlers(): { loopReset: () => Record<string, never>; loop: () => LoopStats } {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  let gcPauses: number[] = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcPauses.push(e.duration);
  }).observe({ entryTypes: ['gc'] });
  return {
    loopReset: () => {
      loop.reset();
      gcPauses = [];
      return {};
    },
    loop: () => ({
      loopP99Ms: loop.percentile(99) / 1e6,
      loopMaxMs: loop.max / 1e6,
      gcCount: gcPauses.length,
      gcMaxMs: Math.max(0, ...gcPauses),
      gcTotalMs: gcPauses.reduce((a, b) => a + b, 0),
    }),
  };
}
