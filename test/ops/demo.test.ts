// `npm run demo` as a newcomer runs it: the printed URL and login work, the demo device is online on
// its X display, its screen (the Xvfb windows) comes through a real session, and Ctrl+C leaves no
// process and no temporary data behind.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame } from '@rc-relay/protocol';
import jpeg from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { lanBind, lanConnect } from '../agent/lan-client';
import { until } from '../agent/support';
import { Api } from '../support/http';
import { missingTool } from '../support/system';

const ROOT = join(import.meta.dirname, '..', '..');
const noXvfb = missingTool('/usr/bin/Xvfb', 'xvfb');

/** Direct children of a process, from /proc (what it started, whatever it says about itself). */
function childrenOf(pid: number): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== pid) continue;
      out.push({ pid: Number(name), cmd: readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ').trim() });
    } catch {
      // gone while we looked
    }
  }
  return out;
}

/** Alive and not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** RGB of one pixel of a decoded JPEG tile. */
function pixel(tile: Extract<Frame, { type: 'tile' }>, x: number, y: number): number[] {
  const img = jpeg.decode(tile.data, { useTArray: true });
  const i = ((y - tile.y) * img.width + (x - tile.x)) * 4;
  return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
}

describe.skipIf(noXvfb)('npm run demo', () => {
  let demo: ChildProcess | undefined;
  // A failed test still stops the demo the way a user would, so it takes its children with it.
  afterAll(async () => {
    if (!demo || demo.exitCode !== null) return;
    const gone = new Promise((r) => demo!.once('exit', r));
    demo.kill('SIGINT');
    const timer = setTimeout(() => demo!.kill('SIGKILL'), 30_000);
    await gone;
    clearTimeout(timer);
  }, 40_000);

  it('prints a URL and login that work, shows the Xvfb desktop, and Ctrl+C stops every child', async () => {
    demo = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--port', '0'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    demo.stdout!.on('data', (d) => {
      out += d;
    });
    demo.stderr!.on('data', (d) => {
      out += d;
    });
    const exited = new Promise<number | null>((r) => demo!.once('exit', (code) => r(code)));
    await until(() => out.includes('Ctrl+C stops everything.') || demo!.exitCode !== null, 150_000, 'the demo');
    expect(out).toContain('rc-relay demo is running');

    const url = /console: +(https:\/\/\S+?)\/?\n/.exec(out)![1]!;
    const password = /login: +admin \/ (\S+)/.exec(out)![1]!;
    const display = /X display (:\d+)/.exec(out)![1]!;
    const dataDir = /data dir: (\S+)/.exec(out)![1]!.replace(/;$/, '');
    const children = childrenOf(demo.pid!);
    const cmds = children.map((c) => c.cmd).join('\n');
    expect(cmds).toMatch(/Xvfb -displayfd/);
    expect(cmds).toContain('server/src/main.ts');
    expect(cmds).toContain('agent-client/src/cli.ts run');
    // The demo's own list of what it started is the truth (tsx's esbuild service, a child of the
    // demo's own process while it compiles, is not something the demo started).
    const printed = [.../pids: +(.+)/.exec(out)![1]!.matchAll(/(\d+)/g)].map((m) => Number(m[1]));
    const started = children.filter((c) => !/esbuild.* --service/.test(c.cmd));
    expect(printed.sort()).toEqual(started.map((c) => c.pid).sort());

    const admin = await new Api(url, readFileSync(join(dataDir, 'relay', 'tls', 'cert.pem'), 'utf8')).login(
      'admin',
      password,
    );
    const devices = (await admin.get('/api/v1/devices')).body as any[];
    const device = devices.find((d) => d.hostname === 'demo-desktop');
    expect(device).toMatchObject({ online: true, os: 'linux' });
    expect(device.sessions).toContainEqual(expect.objectContaining({ id: display, kind: 'x11', active: true }));

    // Through a real session (LAN, ticket from the relay, consent auto-accepted): the virtual desktop.
    const s = await admin.post('/api/v1/sessions', { deviceId: device.id, mode: 'view', transport: 'lan' });
    expect(s.status).toBe(201);
    const accepted = await lanConnect(s.body.lan);
    expect(accepted.type).toBe('lan.accepted');
    const screen = await lanBind(s.body.lan, 'screen', (accepted as Extract<Frame, { type: 'lan.accepted' }>).key);
    const info = await screen.wait('screen.info', () => true, 15_000);
    expect([info.width, info.height]).toEqual([1280, 800]);
    const end = await screen.wait('frame.end', () => true, 15_000);
    const tiles = screen.frames.filter(
      (f): f is Extract<Frame, { type: 'tile' }> => f.type === 'tile' && f.seq === end.seq,
    );
    const at = (x: number, y: number) => {
      const t = tiles.find((t) => x >= t.x && x < t.x + t.w && y >= t.y && y < t.y + t.h);
      if (t?.encoding !== 'jpeg') throw new Error(`no JPEG tile at ${x},${y}`);
      return pixel(t, x, y);
    };
    // xterm's white window at 40,40 (100x30 cells) on the black root window of Xvfb.
    for (const c of at(300, 300)) expect(c).toBeGreaterThan(200);
    for (const c of at(760, 600)) expect(c).toBeLessThan(50);
    await screen.close();

    demo.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('demo stopped');
    for (const c of children) expect(alive(c.pid), `${c.cmd} (${c.pid}) still running`).toBe(false);
    expect(existsSync(dataDir)).toBe(false);
  }, 240_000);
});

describe('npm run demo without Xvfb', () => {
  it('names the Debian package to install', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--port', '0'], {
      cwd: ROOT,
      env: { ...process.env, PATH: '/nonexistent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).toBe(1);
    expect(out).toContain("Xvfb is missing: install the Debian package 'xvfb'");
  }, 60_000);
});
