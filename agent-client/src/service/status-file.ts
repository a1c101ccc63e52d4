// The running agent leaves its state (never secrets) next to its config for `rc-agent status`.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { AgentStatus } from './agent';

export const statusPathFor = (configPath: string) => `${configPath}.status.json`;

export function writeStatus(path: string, s: AgentStatus): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ pid: process.pid, updatedAt: new Date().toISOString(), ...s }, null, 2), {
    mode: 0o600,
  });
  renameSync(tmp, path);
}

export function readStatus(path: string): (AgentStatus & { pid: number; updatedAt: string; running: boolean }) | null {
  let s: AgentStatus & { pid: number; updatedAt: string };
  try {
    s = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
  let running = false;
  try {
    process.kill(s.pid, 0);
    running = true;
  } catch {
    running = false;
  }
  return { ...s, running };
}
