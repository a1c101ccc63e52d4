// Finding the user sessions on this machine: X displays from their sockets in /tmp/.X11-unix, each
// matched to its X server process (its `-auth` file is the display's cookie) and to a process of the
// session (DISPLAY/XAUTHORITY in its environment, its owner is the user); logind sessions where
// systemd runs, which name the user, say which session is active and which run Wayland.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import type { UserSession } from '@rc-relay/protocol';

const execFileAsync = promisify(execFile);
const X_SERVERS = /(^|\/)(Xorg|Xvfb|Xvnc|Xephyr|Xnest|Xwayland|X|Xtigervnc|Xtightvnc)$/;

export interface X11SessionInfo extends UserSession {
  /** The X display name (":0"); absent for Wayland sessions. */
  display?: string;
  /** The Xauthority file with this display's cookie, when one was found. */
  xauthority?: string;
}

export interface DiscoveryOptions {
  socketDir?: string;
  procDir?: string;
  /** The display named in the config or $DISPLAY: active when logind cannot say. */
  preferred?: string | undefined;
  useLogind?: boolean;
  /** The agent's environment: inside a Wayland session, its DISPLAY is that session's Xwayland. */
  env?: NodeJS.ProcessEnv;
  /**
   * Only these X displays are user sessions (normalised names like ":0"); absent: every display
   * with a socket. Other X servers on the host (a build farm's Xvfb, a kiosk's second screen) are
   * then never offered to operators.
   */
  only?: readonly string[] | undefined;
}

interface ProcInfo {
  pid: number;
  uid: number;
  argv: string[];
  env: Map<string, string>;
}

function readProcs(procDir: string): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync(procDir)) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`${procDir}/${name}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (argv.length === 0) continue;
      const uid = statSync(`${procDir}/${name}`).uid;
      let env = new Map<string, string>();
      try {
        const raw = readFileSync(`${procDir}/${name}/environ`, 'utf8');
        env = new Map(
          raw
            .split('\0')
            .filter((kv) => kv.startsWith('DISPLAY=') || kv.startsWith('XAUTHORITY='))
            .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
        );
      } catch {
        // Another user's process without privilege: its command line is still readable.
      }
      out.push({ pid: Number(name), uid, argv, env });
    } catch {
      // The process exited while we looked.
    }
  }
  return out;
}

function userName(uid: number): string {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (Number(f[2]) === uid && f[0]) return f[0];
    }
  } catch {}
  return `uid ${uid}`;
}

/** "unix:1.0", ":1", "localhost:1" → ":1" (local displays only). */
export function normalizeDisplay(d: string | undefined): string | undefined {
  const m = /^(?:unix)?:(\d+)(?:\.\d+)?$/.exec(d ?? '');
  return m ? `:${m[1]}` : undefined;
}

interface LogindSession {
  id: string;
  user: string;
  uid: number;
  type: string;
  display: string;
  active: boolean;
}

async function logindSessions(): Promise<LogindSession[]> {
  try {
    const { stdout } = await execFileAsync('loginctl', ['list-sessions', '--no-legend', '--output=json'], {
      timeout: 2000,
    });
    const list = JSON.parse(stdout) as { session: string }[];
    const out: LogindSession[] = [];
    for (const s of list) {
      const { stdout: props } = await execFileAsync(
        'loginctl',
        ['show-session', s.session, '-p', 'Name', '-p', 'User', '-p', 'Type', '-p', 'Display', '-p', 'Active'],
        { timeout: 2000 },
      );
      const p = new Map(props.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      out.push({
        id: s.session,
        user: p.get('Name') ?? '',
        uid: Number(p.get('User') ?? -1),
        type: p.get('Type') ?? '',
        display: p.get('Display') ?? '',
        active: p.get('Active') === 'yes',
      });
    }
    return out;
  } catch {
    // No systemd (containers, Xvfb hosts): the X sockets are all there is.
    return [];
  }
}

export async function discoverSessions(o: DiscoveryOptions = {}): Promise<X11SessionInfo[]> {
  const socketDir = o.socketDir ?? '/tmp/.X11-unix';
  const procs = readProcs(o.procDir ?? '/proc');
  const logind = o.useLogind === false ? [] : await logindSessions();
  let sockets: string[] = [];
  try {
    sockets = readdirSync(socketDir).filter((n) => /^X\d+$/.test(n));
  } catch {}
  if (o.only) {
    const only = new Set(o.only.map((d) => normalizeDisplay(d) ?? d));
    sockets = sockets.filter((n) => only.has(`:${n.slice(1)}`));
  }
  const out: X11SessionInfo[] = [];
  for (const sock of sockets.sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))) {
    const display = `:${sock.slice(1)}`;
    const server = procs.find((p) => X_SERVERS.test(p.argv[0] ?? '') && p.argv.slice(1).includes(display));
    const authIdx = server ? server.argv.indexOf('-auth') : -1;
    const serverAuth = server && authIdx > 0 ? server.argv[authIdx + 1] : undefined;
    const client = procs.find((p) => p !== server && normalizeDisplay(p.env.get('DISPLAY')) === display);
    const ld = logind.find((s) => normalizeDisplay(s.display) === display);
    const xwayland = server ? /Xwayland$/.test(server.argv[0] ?? '') : false;
    const uid = ld?.uid ?? client?.uid ?? server?.uid ?? statSync(`${socketDir}/${sock}`).uid;
    out.push({
      id: display,
      display,
      user: ld?.user || userName(uid),
      kind: xwayland ? 'wayland' : 'x11',
      active: false,
      // Xwayland only shows X clients, not the desktop: it is the Wayland session's, not supported.
      supported: !xwayland,
      ...((serverAuth ?? client?.env.get('XAUTHORITY'))
        ? { xauthority: serverAuth ?? client?.env.get('XAUTHORITY') }
        : {}),
    });
  }
  for (const s of logind) {
    if (s.type !== 'wayland') continue;
    out.push({ id: `wayland-${s.id}`, user: s.user, kind: 'wayland', active: s.active, supported: false });
  }
  // Started inside a Wayland session (no logind to ask): the X display it was given is Xwayland's,
  // which shows X clients only, never the desktop.
  const env = o.env ?? {};
  const inWayland = !!env.WAYLAND_DISPLAY || env.XDG_SESSION_TYPE === 'wayland';
  if (inWayland && logind.length === 0) {
    const own = normalizeDisplay(env.DISPLAY);
    const s = out.find((e) => e.id === own);
    if (s) {
      s.kind = 'wayland';
      s.supported = false;
    } else
      out.push({
        id: 'wayland',
        user: userName(process.getuid?.() ?? 0),
        kind: 'wayland',
        active: true,
        supported: false,
      });
  }
  const preferred = normalizeDisplay(o.preferred) ?? (inWayland && logind.length === 0 ? 'wayland' : undefined);
  const activeLd = logind.find((s) => s.active && (s.type === 'x11' || s.type === 'wayland'));
  const active =
    (activeLd && (activeLd.type === 'wayland' ? `wayland-${activeLd.id}` : normalizeDisplay(activeLd.display))) ??
    (preferred && out.some((s) => s.id === preferred) ? preferred : out.find((s) => s.supported)?.id);
  // In a Wayland session its own display is the active one, even though it cannot be shown.
  const waylandOwn = inWayland && logind.length === 0 ? out.find((s) => s.kind === 'wayland')?.id : undefined;
  for (const s of out) s.active = s.id === (waylandOwn ?? active);
  return out;
}
