// Child processes for interop tests and benchmarks: spawned with a hard timeout, stopped by the PID
// we started, output captured for assertions.
import { type ChildProcess, spawn } from 'node:child_process';
import dgram from 'node:dgram';

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (or kills it after timeoutMs) and returns its output; `input` goes to stdin. */
export function run(cmd: string, args: string[], timeoutMs: number, input?: string): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (input !== undefined) child.stdin?.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => {
      stdout += d;
    });
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts a long-running process; stop() kills exactly that PID and waits for it. */
export function start(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd?: string,
): { child: ChildProcess; stop: () => Promise<void>; output: () => string } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env, cwd });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A UDP port free right now on 127.0.0.1 (for tools that cannot take port 0). */
export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface UclientResult {
  sent: number;
  received: number;
  lost: number;
  errors: string[];
}

/** Parses turnutils_uclient's summary lines. */
export function parseUclient(output: string): UclientResult {
  const totals = [...output.matchAll(/tot_send_msgs=(\d+), tot_recv_msgs=(\d+)\s*$/gm)].at(-1);
  const lost = output.match(/Total lost packets (\d+)/);
  return {
    sent: totals ? Number(totals[1]) : -1,
    received: totals ? Number(totals[2]) : -1,
    lost: lost ? Number(lost[1]) : -1,
    errors: output.split('\n').filter((l) => /error/i.test(l)),
  };
}
