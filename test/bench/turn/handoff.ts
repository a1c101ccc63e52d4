// What sharding relay sockets over worker_threads would cost on Node 20 (no dgram reusePort): the
// listening port belongs to one thread, so every packet a worker's relay socket receives would have
// to cross to that thread to be sent to the client, and every client packet the other way. This
// measures the process CPU per 1000-byte packet handed main → worker → main over a MessagePort,
// to compare with the ~20 µs a whole relayed packet costs. Prints figures; not a test.
import { Worker } from 'node:worker_threads';

const N = Number(process.env.HANDOFF_PACKETS ?? 200_000);
const BATCH = 256;

const worker = new Worker(
  `const { parentPort } = require('node:worker_threads');
   parentPort.on('message', (m) => parentPort.postMessage(m));`,
  { eval: true },
);

async function main(): Promise<void> {
  const payload = Buffer.alloc(1000, 7);
  let received = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    worker.on('message', () => {
      received++;
      if (received === N) resolve();
      else if (received % BATCH === 0) for (let i = 0; i < BATCH && received + i < N; i++) worker.postMessage(payload);
    });
    for (let i = 0; i < BATCH; i++) worker.postMessage(payload);
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const perPacket = (cpu.user + cpu.system) / N;
  process.stdout.write(
    `${N} packets main→worker→main: ${(N / wall).toFixed(0)} round trips/s, ${perPacket.toFixed(2)} µs process CPU per packet (both threads, copy of 1000 B each way)\n`,
  );
  await worker.terminate();
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
