// Linux: a systemd unit. The unit file is written first; systemctl is called only when present so
// images without systemd (containers, Xvfb test rigs) still get a usable unit to enable later.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ServicePlatform } from './types';

export const UNIT_NAME = 'rc-agent.service';

export function unitText(execStart: string[], configPath: string): string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `"${s.replace(/(["\\])/g, '\\$1')}"`);
  return [
    '[Unit]',
    'Description=rc-relay remote-control agent',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `Environment=RC_AGENT_CONFIG=${quote(configPath)}`,
    `ExecStart=${execStart.map(quote).join(' ')}`,
    // The agent reconnects by itself; restart only covers crashes.
    'Restart=on-failure',
    'RestartSec=5',
    'NoNewPrivileges=yes',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

export class LinuxPlatform implements ServicePlatform {
  readonly name = 'linux';
  constructor(
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly isRoot = process.getuid?.() === 0,
  ) {}

  defaultConfigPath(): string {
    if (this.isRoot) return '/etc/rc-agent/agent.json';
    const base = this.env.XDG_CONFIG_HOME || join(homedir(), '.config');
    return join(base, 'rc-agent', 'agent.json');
  }

  unitPath(): string {
    return this.env.RC_AGENT_UNIT_PATH || join('/etc/systemd/system', UNIT_NAME);
  }

  async installService(opts: { configPath: string; execStart: string[] }): Promise<string> {
    const path = this.unitPath();
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, unitText(opts.execStart, opts.configPath), { mode: 0o644 });
    if (!hasSystemctl()) return `wrote ${path}; systemctl not found, enable it with your init system`;
    run(['daemon-reload']);
    run(['enable', '--now', UNIT_NAME]);
    return `wrote ${path}; enabled and started ${UNIT_NAME}`;
  }

  async uninstallService(): Promise<string> {
    const path = this.unitPath();
    if (hasSystemctl() && existsSync(path)) run(['disable', '--now', UNIT_NAME]);
    rmSync(path, { force: true });
    if (hasSystemctl()) run(['daemon-reload']);
    return `removed ${path}`;
  }
}

function hasSystemctl(): boolean {
  return spawnSync('systemctl', ['--version'], { stdio: 'ignore' }).status === 0;
}

function run(args: string[]) {
  const r = spawnSync('systemctl', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`systemctl ${args.join(' ')} failed: ${r.stderr.trim()}`);
}
