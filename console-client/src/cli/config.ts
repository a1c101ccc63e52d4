// The login `rc-console login` leaves behind: relay URL, the pinned certificate of a self-signed
// relay, and the operator JWT with its expiry. One JSON file only its user can read (it holds a
// bearer token), under $XDG_CONFIG_HOME/rc-console/.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from './errors';

export interface ConsoleConfig {
  server: string;
  /** SHA-256 (hex) of the relay's self-signed certificate; absent when the relay has a CA-signed one. */
  serverFingerprint?: string;
  serverCertPem?: string;
  username: string;
  token: string;
  /** ISO time the token stops working. */
  expiresAt: string;
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME?.startsWith('/') ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'rc-console', 'config.json');
}

export function saveConfig(path: string, cfg: ConsoleConfig): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // Written aside and renamed, so a crash never leaves half a file; mode set before the token lands.
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(cfg, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** The stored login, refused with a clear message when missing, unreadable or expired. */
export function loadLogin(path: string, now = Date.now()): ConsoleConfig {
  if (!existsSync(path)) throw new CliError('auth', 'not logged in; run `rc-console login --server URL --username U`');
  let cfg: ConsoleConfig;
  try {
    cfg = JSON.parse(readFileSync(path, 'utf8')) as ConsoleConfig;
  } catch (err) {
    throw new CliError('auth', `${path} is not readable JSON (${(err as Error).message}); log in again`);
  }
  if (typeof cfg.server !== 'string' || typeof cfg.token !== 'string' || typeof cfg.expiresAt !== 'string') {
    throw new CliError('auth', `${path} is incomplete; log in again`);
  }
  const exp = Date.parse(cfg.expiresAt);
  if (!(exp > now)) {
    throw new CliError(
      'auth',
      `the login as ${cfg.username} expired at ${cfg.expiresAt} (logins last ~15 minutes); run \`rc-console login\` again`,
    );
  }
  return cfg;
}

/** The relay and pin of an earlier login, so `login` can be repeated without --server. */
export function previousServer(
  path: string,
): Pick<ConsoleConfig, 'server' | 'serverFingerprint' | 'serverCertPem'> | null {
  try {
    const c = JSON.parse(readFileSync(path, 'utf8')) as ConsoleConfig;
    return typeof c.server === 'string' ? c : null;
  } catch {
    return null;
  }
}
