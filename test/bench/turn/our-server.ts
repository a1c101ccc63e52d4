// Our TURN server as its own process for the benchmark, so its CPU time can be read from /proc.
// Loopback peers are allowed here only because the benchmark's peer runs on loopback.
import type { Logger } from '../../../turn/src/log';
import { TurnServer } from '../../../turn/src/server';

// Warnings and errors only: per-packet logging would distort the figures.
const stderrLogger: Logger = {
  debug: () => {},
  info: (obj, msg) => {
    if (msg === 'UDP send path') process.stderr.write(`INFO ${msg} ${JSON.stringify(obj)}\n`);
  },
  warn: (obj, msg) => process.stderr.write(`WARN ${msg} ${JSON.stringify(obj)}\n`),
  error: (obj, msg) => process.stderr.write(`ERROR ${msg} ${JSON.stringify(obj)}\n`),
  child: () => stderrLogger,
};

const port = Number(process.env.BENCH_PORT);
const [lo, hi] = (process.env.BENCH_RELAY_PORTS ?? '20000-22999').split('-').map(Number);
const server = new TurnServer({
  realm: 'bench',
  secret: process.env.BENCH_SECRET ?? 'bench-secret',
  relayPortRange: [lo!, hi!],
  relayBindAddress: '127.0.0.1',
  allowPeers: ['127.0.0.0/8'],
  maxAllocationsPerUser: 100_000,
  maxAllocationsTotal: 100_000,
  workers: Number(process.env.BENCH_WORKERS ?? 1),
  // BENCH_SENDMMSG=0: one dgram send per datagram (A/B of the batched send path in one checkout).
  udpSendBatching: process.env.BENCH_SENDMMSG !== '0',
  logger: stderrLogger,
});
await server.listenUdp(port, '127.0.0.1');
process.stdout.write('READY\n');
process.on('SIGTERM', () => {
  server.close().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`close failed: ${String(err)}\n`);
      process.exit(1);
    },
  );
});
