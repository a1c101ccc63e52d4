// The relay under test, alone in its process so /proc/<pid> shows its RSS and CPU only.
// Configured by RC_* variables exactly as `npm start` is; no TURN (RC_TURN=off), no test hooks.
import { buildRelay, createLogger, loadConfig } from '@rc-relay/server';
import { loopHandlers, memoryAfterGc, serve } from './proc';

const config = loadConfig(process.env);
const relay = await buildRelay(config, { logger: createLogger(config.logLevel) });
const { port } = await relay.listen();

serve({
  gc: () => ({ mem: memoryAfterGc() }),
  // Event-loop delay and GC pauses: tells a blocked loop from a GC pause in a latency tail.
  ...loopHandlers(),
  stats: () => ({ sessions: relay.ctx.sessions.size }),
});
process.send?.({ type: 'ready', port, tls: relay.tls !== null });
// A plain exit on SIGTERM (the orchestrator's stop) so --cpu-prof can write its profile.
process.once('SIGTERM', () => process.exit(0));
