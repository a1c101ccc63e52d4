// `npm run demo`: a relay and an agent on a virtual X desktop (Xvfb with a few windows), the agent
// enrolled through the HTTP API, so a newcomer opens the printed URL, logs in and sees a remote
// desktop. Ctrl+C stops everything it started, by PID, in reverse order.
//
//   npm run demo [-- --port 8443] [--host 127.0.0.1] [--data-dir DIR]
//
// Without --data-dir the relay's data lives in a temporary directory removed on exit.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MAX_CLIPBOARD_BYTES } from '@rc-relay/protocol';
import { saveConfig } from '../agent-client/src/config';
import { enroll } from '../agent-client/src/service/enroll';
import { certFingerprint } from '../server/src/keys';

const ROOT = resolve(import.meta.dirname, '..');
const HOSTNAME = 'demo-desktop';

const { values: opts } = parseArgs({
  options: {
    port: { type: 'string', default: '8443' },
    host: { type: 'string', default: '127.0.0.1' },
    'data-dir': { type: 'string' },
  },
  strict: true,
});

interface Started {
  name: string;
  proc: ChildProcess;
  log: string;
}
const started: Started[] = [];
let stopping = false;

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, cmd)));
}

function fail(message: string): never {
  console.error(`demo: ${message}`);
  void stopAll(1);
  throw new Error(message);
}

/** Starts a child in its own process group (Ctrl+C reaches only the demo, which stops it in order). */
function launch(
  name: string,
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logDir: string,
  extraFds: ('pipe' | 'ignore')[] = [],
  critical = true,
): Started {
  const log = join(logDir, `${name}.log`);
  const fd = openSync(log, 'a');
  const proc = spawn(cmd, args, { env, cwd: ROOT, detached: true, stdio: ['ignore', fd, fd, ...extraFds] });
  closeSync(fd);
  const s = { name, proc, log };
  started.push(s);
  proc.once('exit', (code, signal) => {
    if (stopping) return;
    // A window closed on the desktop (`exit` typed in the xterm) is not a failure of the demo.
    if (!critical) return void console.log(`demo: ${name} exited; the rest keeps running`);
    const tail = readFileSync(log, 'utf8').split('\n').slice(-15).join('\n');
    console.error(`demo: ${name} exited (${signal ?? `code ${code}`}); the end of ${log}:\n${tail}`);
    void stopAll(1);
  });
  return s;
}

async function stopOne(s: Started): Promise<void> {
  const { proc } = s;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 8000);
  await exited;
  clearTimeout(timer);
}

let tempDataDir: string | undefined;
async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const s of [...started].reverse()) await stopOne(s);
  if (tempDataDir) rmSync(tempDataDir, { recursive: true, force: true });
  console.log(code === 0 ? 'demo stopped' : 'demo stopped after an error');
  process.exit(code);
}

async function until<T>(what: string, ms: number, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (stopping) throw new Error('stopping');
    if (Date.now() > end) fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function api<T>(base: string, ca: string, method: string, path: string, body?: unknown, token?: string) {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise<{ status: number; body: T | undefined }>((res, rej) => {
    const req = https.request(
      `${base}${path}`,
      {
        method,
        ca,
        agent: false,
        headers: {
          ...(payload ? { 'content-type': 'application/json' } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (r) => {
        let text = '';
        r.on('data', (d) => {
          text += d;
        });
        r.on('end', () => res({ status: r.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', rej);
    req.end(payload);
  });
}

async function startDesktop(logDir: string): Promise<string> {
  if (!onPath('Xvfb')) fail("Xvfb is missing: install the Debian package 'xvfb' (sudo apt-get install -y xvfb)");
  // -displayfd: Xvfb picks a free display itself and writes its number to fd 3 (no race).
  const x = launch(
    'xvfb',
    'Xvfb',
    ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'],
    process.env,
    logDir,
    ['pipe'],
  );
  let got = '';
  (x.proc.stdio[3] as NodeJS.ReadableStream).on('data', (d) => {
    got += d;
  });
  const display = `:${await until('Xvfb to choose a display', 15_000, () => /^(\d+)\n/.exec(got)?.[1])}`;
  const env = { ...process.env, DISPLAY: display };
  const windows: [string, string[], string][] = [
    ['xterm', ['-geometry', '100x30+40+40', '-title', 'rc-relay demo terminal'], 'xterm'],
    ['xclock', ['-geometry', '200x200+900+60', '-update', '1'], 'x11-apps'],
    ['xeyes', ['-geometry', '220x140+880+330'], 'x11-apps'],
  ];
  for (const [cmd, args, pkg] of windows) {
    if (onPath(cmd)) launch(cmd, cmd, args, env, logDir, [], false);
    else console.warn(`demo: no ${cmd} (Debian package '${pkg}'); the desktop shows one window less`);
  }
  return display;
}

async function main() {
  const dataDir = opts['data-dir'] ? resolve(opts['data-dir']) : mkdtempSync(join(tmpdir(), 'rc-demo-'));
  if (!opts['data-dir']) tempDataDir = dataDir;
  const logDir = join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void stopAll(0));

  const display = await startDesktop(logDir);

  const password = randomBytes(12).toString('base64url');
  const relayEnv = {
    ...process.env,
    RC_PORT: opts.port,
    RC_HOST: opts.host,
    RC_DATA_DIR: join(dataDir, 'relay'),
    // First start only: a fresh data dir takes it; a kept one already has its admin.
    RC_ADMIN_PASSWORD: password,
    RC_LOG_LEVEL: 'info',
  };
  const relay = launch('relay', process.execPath, ['--import', 'tsx', 'server/src/main.ts'], relayEnv, logDir);
  const url = await until('the relay to listen', 90_000, () => {
    if (relay.proc.exitCode !== null) return undefined;
    return /rc-relay is running at (\S+)/.exec(readFileSync(relay.log, 'utf8'))?.[1];
  });
  const base = url.replace(/\/$/, '');
  const cert = readFileSync(join(dataDir, 'relay', 'tls', 'cert.pem'), 'utf8');
  const fingerprint = certFingerprint(cert);

  const login = await api<{ token: string }>(base, cert, 'POST', '/api/v1/auth/login', { username: 'admin', password });
  if (login.status !== 200) fail(`admin login failed (${login.status}); with --data-dir, use a fresh directory`);
  const token = login.body!.token;
  const t = await api<{ token: string }>(base, cert, 'POST', '/api/v1/enrollment-tokens', {}, token);
  if (t.status !== 201) fail(`enrollment token refused: ${t.status} ${JSON.stringify(t.body)}`);

  const agentConfig = join(dataDir, 'agent', 'agent.json');
  const cfg = await enroll({
    server: base,
    token: t.body!.token,
    hostname: HOSTNAME,
    serverFingerprint: fingerprint,
    base: {
      backend: { kind: 'x11', display, clipboard: { maxBytes: MAX_CLIPBOARD_BYTES, direction: 'both' } },
      // A demo has nobody at the virtual desktop to click "accept".
      consent: 'auto-accept',
      // LAN mode on loopback, ephemeral ports (no clash with a real agent on 42187-42189).
      lan: {
        enabled: true,
        bindAddress: '127.0.0.1',
        advertise: ['127.0.0.1'],
        ports: { connect: 0, screen: 0, sessions: 0 },
      },
    },
  });
  saveConfig(agentConfig, cfg);
  launch(
    'agent',
    process.execPath,
    ['--import', 'tsx', 'agent-client/src/cli.ts', 'run', '--config', agentConfig],
    process.env,
    logDir,
  );
  await until('the agent to come online', 90_000, async () => {
    const d = await api<{ online: boolean }>(base, cert, 'GET', `/api/v1/devices/${cfg.deviceId}`, undefined, token);
    return d.body?.online ? true : undefined;
  });

  console.log(
    [
      '',
      'rc-relay demo is running',
      `  console:  ${base}/`,
      `  login:    admin / ${password}`,
      `  device:   ${HOSTNAME} (${cfg.deviceId}), X display ${display} (Xvfb with xterm, xclock, xeyes)`,
      `  certificate: self-signed, SHA-256 ${fingerprint} (your browser will ask to accept it)`,
      `  data dir: ${dataDir}${tempDataDir ? ' (removed on exit)' : ''}; logs in ${logDir}`,
      `  pids:     ${started.map((s) => `${s.name} ${s.proc.pid}`).join(', ')}`,
      'Ctrl+C stops everything.',
    ].join('\n'),
  );
}

main().catch((err) => {
  if (!stopping) {
    console.error(`demo: ${err?.message ?? err}`);
    void stopAll(1);
  }
});
