// rc-console under test: the real CLI as a child process (through its npm bin), a real relay and a
// real agent (synthetic desktop) serving LAN mode on loopback ports.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../agent-client/src/log';
import { LanServer } from '../../agent-client/src/transports/lan/server';
import { createWebRtcTransport } from '../../agent-client/src/transports/webrtc/factory';
import { type AgentUnderTest, enrollConfig, startAgent } from '../agent/support';
import { Api } from '../support/http';
import { ADMIN_PASSWORD, startRelay, type TestRelay } from '../support/relay';

export const BIN = join(import.meta.dirname, '..', '..', 'console-client', 'bin', 'rc-console.mjs');

export interface World {
  r: TestRelay;
  admin: Api;
  a: AgentUnderTest;
  hostname: string;
}

export async function startWorld(): Promise<World> {
  const r = await startRelay({ RC_TURN: 'off' });
  const admin = await new Api(r.base, r.cert).login('admin', ADMIN_PASSWORD);
  const hostname = `pc-${Math.random().toString(36).slice(2, 8)}`;
  const cfg = await enrollConfig(
    admin,
    {
      consent: 'auto-accept',
      lan: {
        enabled: true,
        bindAddress: '127.0.0.1',
        advertise: ['127.0.0.1'],
        ports: { connect: 0, screen: 0, sessions: 0 },
      },
    },
    { hostname },
  );
  const a = await startAgent(cfg, { lan: new LanServer(cfg, createLogger('silent')), webrtc: createWebRtcTransport });
  return { r, admin, a, hostname };
}

export interface CliRun {
  child: ChildProcess;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  stdout: () => string;
  stderr: () => string;
}

/** Runs rc-console with its own config dir; stdin gets `input` when given. */
export function cli(configHome: string, args: string[], input?: string): CliRun {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, XDG_CONFIG_HOME: configHome, RC_LOG_LEVEL: 'warn' },
    stdio: 'pipe',
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  if (input !== undefined) child.stdin!.end(input);
  else child.stdin!.end();
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done, stdout: () => stdout, stderr: () => stderr };
}

const homes: string[] = [];
export const configHome = () => {
  const h = mkdtempSync(join(tmpdir(), 'rc-console-test-'));
  homes.push(h);
  return h;
};
/** Removes the config dirs (they hold tokens) and screenshots this test file made. */
export function removeHomes() {
  for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true });
}

export async function loggedIn(w: World): Promise<string> {
  const home = configHome();
  const res = await cli(home, ['login', '--server', w.r.base, '--username', 'admin', '--password', ADMIN_PASSWORD])
    .done;
  if (res.code !== 0) throw new Error(`login failed: ${res.code} ${res.stderr}`);
  return home;
}

/** The synthetic desktop's still background at (x, y) for user session `index` (see SyntheticCapture). */
export function syntheticBackground(x: number, y: number, width: number, height: number, index: number) {
  return {
    r: (index * 97 + ((x ^ y) & 0x3f)) & 0xff,
    g: Math.floor((y * 255) / height),
    b: Math.floor((x * 255) / width),
  };
}
