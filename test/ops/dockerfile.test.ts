// The Dockerfile, checked without a Docker engine: its stages and instructions have the properties
// the image needs, and the runtime stage's file set (its COPY lines, with only the dependencies its
// deps stage installs) really starts a relay that passes the image's HEALTHCHECK and stops on
// STOPSIGNAL.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { CONFIG_SCHEMA, loadConfig } from '@rc-relay/server';
import { afterAll, describe, expect, it } from 'vitest';
import { missingTool } from '../support/system';
import { type DockerStage, parseDockerfile } from './dockerfile';

const ROOT = join(import.meta.dirname, '..', '..');
const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const { args, stages } = parseDockerfile(text);
const stage = (name: string): DockerStage => {
  const s = stages.find((x) => x.name === name);
  if (!s) throw new Error(`no stage ${name}`);
  return s;
};
const runtime = stages.at(-1)!;
const all = (s: DockerStage, op: string) => s.instructions.filter((i) => i.op === op).map((i) => i.args);
const runtimeEnv = Object.fromEntries(
  all(runtime, 'ENV').flatMap((a) => [...a.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!])),
);
const depsWorkspaces = [
  ...all(stage('deps'), 'RUN')
    .join(' ')
    .matchAll(/--workspace=([\w-]+)/g),
].map((m) => m[1]!);

describe('Dockerfile', () => {
  it('builds in full node images and runs in a slim one', () => {
    expect(stages.map((s) => s.name)).toEqual(['deps', 'console', 'runtime']);
    const image = (s: DockerStage) => s.from.replace(/\$\{(\w+)\}/g, (_, k: string) => args[k] ?? '');
    expect(image(stage('deps'))).toMatch(/^node:20-bookworm$/);
    expect(image(stage('console'))).toMatch(/^node:20-bookworm$/);
    expect(image(runtime)).toMatch(/^node:20-bookworm-slim$/);
  });

  it('installs only the relay’s workspaces, production dependencies, and checks SQLite loads', () => {
    const run = all(stage('deps'), 'RUN').join('\n');
    expect(run).toContain('--omit=dev');
    // Not console-client: its CLI's WebRTC and image libraries stay out of the relay image.
    expect(depsWorkspaces.sort()).toEqual(['protocol', 'server', 'turn']);
    expect(run).toContain("require('better-sqlite3')");
  });

  it('builds the console with npm run build:console and fails loudly without it', () => {
    const run = all(stage('console'), 'RUN').join('\n');
    expect(run).toContain("s['build:console']");
    expect(run).toContain('process.exit(1)');
    expect(run).toContain('npm run build:console');
    expect(run).toMatch(/test -f console-client\/dist\/index\.html\s*\\?\s*\|\|.*exit 1/s);
    expect(all(runtime, 'COPY')).toContain('--from=console /app/console-client/dist console-client/dist');
  });

  it('runtime: a non-root user that may bind 443, RC_PORT=443, the data dir as a volume', () => {
    const run = all(runtime, 'RUN').join('\n');
    expect(run).toContain('setcap cap_net_bind_service=+ep /usr/local/bin/node');
    const user = all(runtime, 'USER').at(-1)!;
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(run).toContain(`useradd --system --uid 10001`);
    expect(runtimeEnv.RC_PORT).toBe('443');
    const cfg = loadConfig(runtimeEnv);
    expect(JSON.parse(all(runtime, 'VOLUME')[0]!)).toEqual([cfg.dataDir]);
    for (const k of Object.keys(runtimeEnv)) if (k.startsWith('RC_')) expect(Object.keys(CONFIG_SCHEMA)).toContain(k);
    const [lo, hi] = cfg.relayPorts;
    expect(all(runtime, 'EXPOSE')[0]!.split(/\s+/).sort()).toEqual(['443/tcp', '443/udp', `${lo}-${hi}/udp`].sort());
    // The relay's own code only: no agent, no tests.
    const copies = all(runtime, 'COPY').join('\n');
    expect(copies).not.toContain('agent-client');
    expect(copies).not.toMatch(/^\.\s/m);
  });

  it('health check: /healthz with TLS verified, never with verification turned off', () => {
    const hc = all(runtime, 'HEALTHCHECK')[0]!;
    expect(hc).toMatch(/CMD \["node", "scripts\/healthcheck\.mjs"\]/);
    const script = readFileSync(join(ROOT, 'scripts', 'healthcheck.mjs'), 'utf8');
    for (const s of [text, script]) {
      expect(s).not.toMatch(/rejectUnauthorized|NODE_TLS_REJECT_UNAUTHORIZED|--insecure|curl -k/);
    }
  });

  it('every COPY source from the build context exists and is not excluded by .dockerignore', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const s of stages) {
      for (const a of all(s, 'COPY')) {
        if (a.startsWith('--from')) continue;
        const sources = a.split(/\s+/).slice(0, -1);
        for (const src of sources) {
          if (src === '.') continue;
          expect(existsSync(join(ROOT, src)), `${s.name}: COPY ${src}`).toBe(true);
          expect(ignore, `${src} is in .dockerignore`).not.toContain(src.replace(/\/$/, ''));
        }
      }
    }
    for (const secret of ['data', '.env', '**/node_modules', '.git']) expect(ignore).toContain(secret);
  });
});

// The image's way to port 443, tried on this kernel: the Dockerfile's setcap on a copy of node, run
// as an unprivileged uid (as root can, with setpriv from util-linux).
const asRoot = process.getuid?.() === 0;
const noSetcap = !asRoot || missingTool('/usr/sbin/setcap', 'libcap2-bin');
describe.skipIf(noSetcap)('cap_net_bind_service on the node binary', () => {
  let dir: string;
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lets a non-root node bind 443; needs NET_BIND_SERVICE in the bounding set', () => {
    dir = mkdtempSync(join(tmpdir(), 'rc-ops-cap-'));
    const node = join(dir, 'node');
    cpSync(process.execPath, node);
    const setcap = /setcap (\S+) \/usr\/local\/bin\/node/.exec(all(runtime, 'RUN').join('\n'))![1]!;
    expect(spawnSync('setcap', [setcap, node]).status).toBe(0);
    const bind443 =
      "require('net').createServer().listen(443, '127.0.0.1', function () { console.log('bound'); this.close(); })" +
      ".on('error', (e) => console.log(e.code))";
    const asNobody = (bin: string, extra: string[] = []) =>
      spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...extra, bin, '-e', bind443], {
        cwd: dir,
        encoding: 'utf8',
      });
    // Port 443 is privileged here, as in a container without the sysctl.
    expect(asNobody(process.execPath).stdout.trim()).toBe('EACCES');
    expect(asNobody(node).stdout.trim()).toBe('bound');
    // compose drops every capability but this one: enough to bind.
    expect(asNobody(node, ['--bounding-set=-all,+net_bind_service']).stdout.trim()).toBe('bound');
    // Without it in the bounding set the kernel refuses to run the binary at all.
    expect(asNobody(node, ['--bounding-set=-all']).status).not.toBe(0);
  });
});

describe('the runtime stage’s files', () => {
  let app: string;
  let relay: ChildProcess | undefined;
  afterAll(() => {
    if (relay && relay.exitCode === null) relay.kill('SIGKILL');
    if (app) rmSync(app, { recursive: true, force: true });
  });

  it('start a relay that passes the HEALTHCHECK and stops cleanly on STOPSIGNAL', async () => {
    app = mkdtempSync(join(tmpdir(), 'rc-ops-image-'));
    // COPY lines from the build context, as the image has them (.dockerignore drops these names).
    const skip = new Set(['node_modules', 'dist']);
    for (const a of all(runtime, 'COPY')) {
      if (a.startsWith('--from')) continue;
      const parts = a.split(/\s+/);
      const dest = join(app, parts.at(-1)!);
      for (const src of parts.slice(0, -1)) {
        const target = src.endsWith('/') ? dest : parts.at(-1)!.endsWith('/') ? join(dest, basename(src)) : dest;
        mkdirSync(dirname(target), { recursive: true });
        cpSync(join(ROOT, src), target, { recursive: true, filter: (p) => !skip.has(basename(p)) });
      }
    }
    // node_modules: only the packages the deps stage installs (npm's own answer for those flags).
    const ls = spawnSync(
      'npm',
      [
        'ls',
        '--omit=dev',
        '--all',
        '--parseable',
        ...depsWorkspaces.map((w) => `--workspace=${w}`),
        '--include-workspace-root',
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    const top = new Set<string>();
    for (const line of ls.stdout.split('\n')) {
      const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(line.slice(ROOT.length));
      if (m && !m[1]!.startsWith('@rc-relay/')) top.add(m[1]!);
    }
    expect(top.has('tsx')).toBe(true);
    expect(top.has('wrtc')).toBe(false);
    for (const name of top) {
      mkdirSync(dirname(join(app, 'node_modules', name)), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules', name), join(app, 'node_modules', name));
    }
    mkdirSync(join(app, 'node_modules', '@rc-relay'), { recursive: true });
    for (const w of depsWorkspaces) symlinkSync(join(app, w), join(app, 'node_modules', '@rc-relay', w));
    // The console bundle from the console stage, when this checkout has built it.
    const withConsole = existsSync(join(ROOT, 'console-client', 'dist', 'index.html'));
    if (withConsole) {
      cpSync(join(ROOT, 'console-client', 'dist'), join(app, 'console-client', 'dist'), { recursive: true });
    }

    const env = {
      PATH: process.env.PATH ?? '',
      ...runtimeEnv,
      RC_PORT: '0',
      RC_HOST: '127.0.0.1',
      RC_DATA_DIR: join(app, 'data'),
      RC_ADMIN_PASSWORD: 'image test password',
    };
    const cmd = JSON.parse(all(runtime, 'CMD').at(-1)!) as string[];
    expect(cmd[0]).toBe('node');
    relay = spawn(process.execPath, cmd.slice(1), { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    relay.stdout!.on('data', (d) => {
      out += d;
    });
    relay.stderr!.on('data', (d) => {
      out += d;
    });
    const exited = new Promise<number | null>((r) => relay!.once('exit', (code) => r(code)));
    const end = Date.now() + 90_000;
    while (!/running at https:\/\/[^:]+:(\d+)\//.test(out)) {
      if (Date.now() > end || relay.exitCode !== null) throw new Error(`relay did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const port = /running at https:\/\/[^:]+:(\d+)\//.exec(out)![1]!;

    const hc = JSON.parse(/CMD (\[.*\])/.exec(all(runtime, 'HEALTHCHECK')[0]!)![1]!) as string[];
    const health = spawnSync(process.execPath, hc.slice(1), {
      cwd: app,
      env: { ...env, RC_PORT: port },
      encoding: 'utf8',
    });
    expect(health.stderr).toBe('');
    expect(health.status).toBe(0);
    if (withConsole) {
      // The image serves the console it built at / (contract 3).
      const ca = readFileSync(join(app, 'data', 'tls', 'cert.pem'), 'utf8');
      const page = await new Promise<{ status: number; body: string }>((res, rej) => {
        https
          .get({ host: '127.0.0.1', port: Number(port), path: '/', ca, servername: 'localhost' }, (r) => {
            let body = '';
            r.on('data', (d) => {
              body += d;
            });
            r.on('end', () => res({ status: r.statusCode ?? 0, body }));
          })
          .on('error', rej);
      });
      expect(page.status).toBe(200);
      expect(page.body.toLowerCase()).toContain('<!doctype html');
    }

    relay.kill(all(runtime, 'STOPSIGNAL')[0] as NodeJS.Signals);
    expect(await exited).toBe(0);
    expect(out).toContain('relay stopped');
  }, 150_000);
});
