// Linux: a systemd unit. The unit file is written first; systemctl is called only when present so
// images without systemd (containers, Xvfb test rigs) still get a usable unit to enable later.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ServicePlatform } from './types';

export const UNIT_NAME = 'rc-agent.service';

/** systemd 254 added RestartSteps=/RestartMaxDelaySec= (exponential restart delay). */
const RESTART_STEPS_SINCE = 254;

/**
 * The unit `install-service` writes. It runs as root, not as a dedicated user: the agent must reach
 * every user session's X display (reading each session's Xauthority cookie, which only its owner and
 * root may read), follow a session switch to another user's display, and run before anyone logs in.
 * What root is not needed for is taken away by the sandbox below; `systemd-analyze security` scores
 * it (test/ops/systemd-unit.test.ts).
 */
export function unitText(execStart: string[], configPath: string, opts: { systemdVersion?: number } = {}): string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `"${s.replace(/(["\\])/g, '\\$1')}"`);
  const backoff =
    (opts.systemdVersion ?? 0) >= RESTART_STEPS_SINCE
      ? ['RestartSec=2', 'RestartSteps=8', 'RestartMaxDelaySec=300']
      : ['RestartSec=10'];
  return [
    '[Unit]',
    'Description=rc-relay remote-control agent',
    'Wants=network-online.target',
    'After=network-online.target',
    // Never give up: a helpdesk that cannot reach the PC is worse than a slow retry.
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    'Type=simple',
    `Environment=RC_AGENT_CONFIG=${quote(configPath)}`,
    // tsx's compile cache and any temporary file go to the unit's own runtime directory.
    'Environment=TMPDIR=/run/rc-agent',
    `ExecStart=${execStart.map(quote).join(' ')}`,
    // The agent reconnects by itself; restarts only cover crashes, with a growing delay where systemd
    // can (≥ 254). Exit status 2 is a configuration error (not enrolled, bad config): no restart loop.
    'Restart=on-failure',
    ...backoff,
    'RestartPreventExitStatus=2',
    // SIGTERM to the launcher only; it forwards it to the agent, which ends sessions cleanly.
    'KillMode=mixed',
    'TimeoutStopSec=15',
    'UMask=0077',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    // The status file for `rc-agent status` sits next to the config.
    // "-": a missing directory does not fail the start (the agent then exits 2: not enrolled).
    `ReadWritePaths=${quote(`-${dirname(configPath)}`)}`,
    'RuntimeDirectory=rc-agent',
    'RuntimeDirectoryMode=0700',
    // Xauthority cookies live in home directories: readable, never writable.
    'ProtectHome=read-only',
    // The X server sockets are in the real /tmp/.X11-unix: a private /tmp would hide them.
    'PrivateTmp=no',
    'PrivateDevices=yes',
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectKernelLogs=yes',
    'ProtectControlGroups=yes',
    'ProtectClock=yes',
    'ProtectHostname=yes',
    'RestrictNamespaces=yes',
    'RestrictRealtime=yes',
    'RestrictSUIDSGID=yes',
    'LockPersonality=yes',
    'SystemCallArchitectures=native',
    'SystemCallFilter=@system-service',
    'SystemCallErrorNumber=EPERM',
    // Netlink: the agent lists its interfaces' addresses for LAN mode.
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK',
    // Root keeps only what reaching other users' sessions needs (reading their cookies and the
    // environment of their session processes); no admin, module, raw-I/O, network-admin, clock…
    'CapabilityBoundingSet=CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_SYS_PTRACE CAP_SETUID CAP_SETGID CAP_KILL',
    // Not set: MemoryDenyWriteExecute (V8's JIT writes executable code).
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
    writeFileSync(path, unitText(opts.execStart, opts.configPath, { systemdVersion: systemdVersion() }), {
      mode: 0o644,
    });
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

/** The running systemd's version from `systemctl --version` ("systemd 252 (252.39-1~deb12u2)"). */
export function systemdVersion(): number | undefined {
  const r = spawnSync('systemctl', ['--version'], { encoding: 'utf8' });
  const m = r.status === 0 ? /^systemd (\d+)/.exec(r.stdout) : null;
  return m ? Number(m[1]) : undefined;
}

function hasSystemctl(): boolean {
  return spawnSync('systemctl', ['--version'], { stdio: 'ignore' }).status === 0;
}

function run(args: string[]) {
  const r = spawnSync('systemctl', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`systemctl ${args.join(' ')} failed: ${r.stderr.trim()}`);
}
