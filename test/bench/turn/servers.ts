// The servers under test, each its own process so /proc gives its CPU time: ours (one thread or
// relay workers) and coturn 4.6.1 with one relay thread. Shared by run.ts (uclient) and load.ts.
import { start } from '../../turn/processes';

export const SECRET = 'bench-secret';
export const REALM = 'bench';

export interface ServerUnderTest {
  name: string;
  port: number;
  pid: number;
  stop: () => Promise<void>;
  /** Everything the server printed so far. */
  output: () => string;
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `checkout` runs our server from another worktree (A/B of a change under the same load). */
export async function startOurs(
  workers: number,
  port: number,
  relayPorts: string,
  checkout?: string,
): Promise<ServerUnderTest> {
  const env = {
    ...process.env,
    BENCH_PORT: String(port),
    BENCH_SECRET: SECRET,
    BENCH_WORKERS: String(workers),
    BENCH_RELAY_PORTS: relayPorts,
  };
  // BENCH_PROFILE=<dir> writes a V8 CPU profile of our server there on exit.
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const p = start(process.execPath, [...profile, '--import', 'tsx', 'test/bench/turn/our-server.ts'], env, checkout);
  await waitFor(() => p.output().includes('READY'), 'our server');
  const name = `${checkout ? 'base' : 'ours'}, ${workers === 1 ? '1 thread' : `${workers} workers`}`;
  return { name, port, pid: p.child.pid!, stop: p.stop, output: p.output };
}

export async function startCoturn(port: number): Promise<ServerUnderTest> {
  const p = start('turnserver', [
    '-n',
    '--listening-ip=127.0.0.1',
    `--listening-port=${port}`,
    '--relay-ip=127.0.0.1',
    '--relay-threads=1',
    '--use-auth-secret',
    `--static-auth-secret=${SECRET}`,
    `--realm=${REALM}`,
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
  return { name: 'coturn 1 thread', port, pid: p.child.pid!, stop: p.stop, output: p.output };
}
