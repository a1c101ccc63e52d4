// The relay under test, alone in its process so /proc/<pid> shows its RSS and CPU only.
// Configured by RC_* variables exactly as `npm start` is; no TURN (RC_TURN=off), no test hooks.
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { buildRelay, createLogger, loadConfig } from '@rc-relay/server';
import { memoryAfterGc, serve } from './proc';

const config = loadConfig(process.env);
const relay = await buildRelay(config, { logger: createLogger(config.logLevel) });
const { port } = await relay.listen();

// Event-loop delay and GC pauses, reset by `loopReset`: tells a blocked loop from a GC pause in a latency tail.
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
let gcPauses: number[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcPauses.push(e.duration);
}).observe({ entryTypes: ['gc'] });

serve({
  gc: () => ({ mem: memoryAfterGc() }),
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
  stats: () => ({ sessions: relay.ctx.sessions.size }),
});
process.send?.({ type: 'ready', port, tls: relay.tls !== null });
// A plain exit on SIGTERM (the orchestrator's stop) so --cpu-prof can write its profile.
process.once('SIGTERM', () => process.exit(0));
