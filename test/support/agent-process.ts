// The agent as its own process, the way a service manager runs it: `rc-agent run --config FILE`
// through the npm bin, with the config enrollment produced (saved 0600 as the product saves it).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AgentConfig, saveConfig } from '../../agent-client/src/config';
import type { Api } from './http';

const BIN = join(import.meta.dirname, '..', '..', 'agent-client', 'bin', 'rc-agent.mjs');

export interface AgentProcess {
  pid: number;
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts `rc-agent run` and resolves once the relay lists the device online (or fails with its output). */
export async function spawnAgent(cfg: AgentConfig, admin: Api, env: NodeJS.ProcessEnv = {}): Promise<AgentProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'rc-agent-proc-'));
  const config = join(dir, 'agent.json');
  saveConfig(config, cfg);
  const childEnv: NodeJS.ProcessEnv = { ...process.env, RC_AGENT_LOG_LEVEL: 'warn', ...env };
  // The desktop comes from the config, not from whatever display the test runner has.
  delete childEnv.DISPLAY;
  delete childEnv.XAUTHORITY;
  const child: ChildProcess = spawn(process.execPath, [BIN, 'run', '--config', config], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const end = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`rc-agent exited with ${child.exitCode}: ${out}`);
    }
    const dev = await admin.get(`/api/v1/devices/${cfg.deviceId}`);
    if (dev.body?.online) break;
    if (Date.now() > end) {
      await stop();
      throw new Error(`rc-agent not online within 30 s: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { pid: child.pid!, output: () => out, stop };
}
