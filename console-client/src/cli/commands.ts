// The short rc-console commands: login, devices, sessions, clipboard, screenshot. `connect` (which
// may run the LAN bridge) is in connect.ts.
import { writeFileSync } from 'node:fs';
import type { FrameOf, SessionMode } from '@rc-relay/protocol';
import { type ConsoleConfig, loadLogin, previousServer, saveConfig } from './config';
import { CliError } from './errors';
import { InternetConsoleSession } from './internet-session';
import { LanConsoleSession } from './lan-session';
import type { Progress } from './progress';
import { RelayApi } from './relay-api';
import { probeRelayCertificate } from './relay-tls';

export interface Ctx {
  configPath: string;
  progress: Progress;
  out: (text: string) => void;
  /** How long the device user may take to answer a consent request. */
  consentMs: number;
}

export async function login(
  ctx: Ctx,
  o: { server?: string; username?: string; password?: string; totp?: string; fingerprint?: string; repin?: boolean },
): Promise<void> {
  const before = previousServer(ctx.configPath);
  const serverArg = o.server ?? before?.server;
  if (!serverArg) throw new CliError('usage', 'login needs --server URL (the relay, e.g. https://relay.example:8443)');
  if (!o.username || o.password === undefined) throw new CliError('usage', 'login needs --username and --password');
  let url: URL;
  try {
    url = new URL(serverArg);
  } catch {
    throw new CliError('usage', `--server ${serverArg} is not a URL`);
  }
  if (url.protocol !== 'https:') throw new CliError('usage', '--server must be an https:// URL');
  const server = url.origin;
  const pin = await probeRelayCertificate(url, o.fingerprint);
  // Trust on first use, then the pin holds: a changed certificate at the same relay is refused
  // unless the user says it was replaced on purpose.
  if (before?.server === server && before.serverFingerprint && pin.serverFingerprint !== before.serverFingerprint) {
    if (!o.repin) {
      throw new CliError(
        'tls_pin',
        `${server} now presents certificate ${pin.serverFingerprint ?? '(CA-signed)'}, not the pinned ` +
          `${before.serverFingerprint}; if it was replaced on purpose, log in again with --repin`,
      );
    }
  }
  const reply = await new RelayApi(server, pin).login(o.username, o.password, o.totp);
  const cfg: ConsoleConfig = {
    server,
    ...pin,
    username: o.username,
    token: reply.token,
    expiresAt: new Date(Date.now() + reply.expiresIn * 1000).toISOString(),
  };
  saveConfig(ctx.configPath, cfg);
  if (pin.serverFingerprint) ctx.progress(`pinned the relay's self-signed certificate ${pin.serverFingerprint}`);
  ctx.out(`logged in to ${server} as ${o.username} until ${cfg.expiresAt}\n`);
}

export function relayFor(ctx: Ctx): RelayApi {
  const cfg = loadLogin(ctx.configPath);
  return new RelayApi(cfg.server, cfg, cfg.token);
}

/** What screenshot and clipboard need from a session, over LAN or the internet. */
interface ActionSession {
  clipboardGet(): Promise<FrameOf<'clipboard'>>;
  clipboardSet(data: Buffer): Promise<void>;
  screenshot(): Promise<{ png: Buffer; width: number; height: number }>;
  close(): void;
}

export type Transport = 'lan' | 'internet';

export async function devices(ctx: Ctx, o: { json?: boolean }): Promise<void> {
  const list = await relayFor(ctx).devices();
  if (o.json) return ctx.out(`${JSON.stringify(list, null, 2)}\n`);
  if (list.length === 0) return ctx.out('no devices visible to this login\n');
  ctx.out(
    table(
      ['ID', 'HOSTNAME', 'OS', 'GROUP', 'STATUS', 'LAST SEEN', 'USER SESSIONS'],
      list.map((d) => [
        d.id,
        d.hostname,
        d.os,
        d.group,
        d.online ? 'online' : 'offline',
        d.lastSeen ?? '-',
        d.sessions.map((s) => `${s.id}${s.active ? '*' : ''} ${s.user}`).join(', ') || '-',
      ]),
    ),
  );
}

export async function sessions(ctx: Ctx, device: string, o: { json?: boolean; live?: boolean }): Promise<void> {
  const api = relayFor(ctx);
  const d = await api.device(device);
  let list = d.sessions;
  if (o.live) {
    const s = await LanConsoleSession.open(api, d, 'view', ctx.progress, ctx.consentMs);
    try {
      list = await s.userSessions();
    } finally {
      s.close();
    }
  }
  if (o.json) return ctx.out(`${JSON.stringify(list, null, 2)}\n`);
  if (list.length === 0) return ctx.out(`${d.hostname} reports no user sessions\n`);
  ctx.out(
    table(
      ['ID', 'USER', 'KIND', 'ACTIVE', 'SUPPORTED'],
      list.map((s) => [s.id, s.user, s.kind, s.active ? 'yes' : 'no', s.supported ? 'yes' : 'no']),
    ),
  );
}

/** Opens a session for a one-shot action and closes it whatever happens. */
async function withSession<T>(
  ctx: Ctx,
  device: string,
  mode: SessionMode,
  transport: Transport,
  fn: (s: ActionSession) => Promise<T>,
  userSession?: string,
): Promise<T> {
  const cfg = loadLogin(ctx.configPath);
  const api = new RelayApi(cfg.server, cfg, cfg.token);
  const d = await api.device(device);
  let s: ActionSession;
  if (transport === 'internet') {
    if (userSession) throw new CliError('usage', '--session works over LAN only in this version');
    if (!d.online) throw new CliError('offline', `${d.hostname} is offline (no connection to the relay)`);
    s = await InternetConsoleSession.open(api, cfg, d.id, mode, ctx.progress, ctx.consentMs);
  } else {
    if (!d.online) ctx.progress(`${d.hostname} is offline at the relay; trying its LAN addresses anyway`);
    try {
      s = await LanConsoleSession.open(api, d, mode, ctx.progress, ctx.consentMs, userSession);
    } catch (err) {
      if (!d.online && err instanceof CliError && err.kind === 'unreachable') {
        throw new CliError(
          'offline',
          `${d.hostname} is offline and not reachable on its LAN addresses (${err.message})`,
        );
      }
      throw err;
    }
  }
  try {
    return await fn(s);
  } finally {
    s.close();
  }
}

export async function clipboardGet(ctx: Ctx, device: string, transport: Transport): Promise<void> {
  await withSession(ctx, device, 'control', transport, async (s) => {
    const c = await s.clipboardGet();
    if (c.mime !== 'text/plain') throw new CliError('remote', `the device clipboard holds ${c.mime}, not text`);
    ctx.out(c.data.toString('utf8'));
  });
}

export async function clipboardSet(ctx: Ctx, device: string, text: Buffer, transport: Transport): Promise<void> {
  await withSession(ctx, device, 'control', transport, async (s) => {
    await s.clipboardSet(text);
    ctx.progress(`clipboard of the device set (${text.length} bytes)`);
  });
}

export async function screenshot(
  ctx: Ctx,
  device: string,
  o: { output: string; session?: string; transport: Transport },
): Promise<void> {
  await withSession(
    ctx,
    device,
    'view',
    o.transport,
    async (s) => {
      ctx.progress('waiting for a full picture');
      const shot = await s.screenshot();
      writeFileSync(o.output, shot.png);
      ctx.progress(`wrote ${o.output} (${shot.width}×${shot.height}, ${shot.png.length} bytes)`);
    },
    o.session,
  );
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[head, ...rows].map(line).join('\n')}\n`;
}
