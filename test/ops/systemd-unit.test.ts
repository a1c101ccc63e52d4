// The agent's systemd unit as systemd itself reads it: `systemd-analyze verify` (every key known,
// the ExecStart binary present) and `systemd-analyze security --offline` (the sandbox's exposure).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemdVersion, UNIT_NAME, unitText } from '../../agent-client/src/platform/linux';
import { missingTool } from '../support/system';

const LAUNCHER = join(import.meta.dirname, '..', '..', 'agent-client', 'bin', 'rc-agent.mjs');
const noAnalyze = missingTool('/usr/bin/systemd-analyze', 'systemd');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rc-ops-unit-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeUnit(version: number | undefined): string {
  const path = join(dir, UNIT_NAME);
  writeFileSync(
    path,
    unitText([process.execPath, LAUNCHER, 'run'], '/etc/rc-agent/agent.json', { systemdVersion: version }),
  );
  return path;
}

describe('rc-agent.service', () => {
  it('restarts crashes with a delay that grows where systemd can, never after a config error', () => {
    const old = unitText(['/usr/bin/node', '/opt/rc-agent.mjs', 'run'], '/etc/rc-agent/agent.json', {
      systemdVersion: 252,
    });
    expect(old).toContain('Restart=on-failure\nRestartSec=10\n');
    expect(old).not.toContain('RestartSteps');
    const current = unitText(['/usr/bin/node', '/opt/rc-agent.mjs', 'run'], '/etc/rc-agent/agent.json', {
      systemdVersion: 255,
    });
    expect(current).toContain('RestartSec=2\nRestartSteps=8\nRestartMaxDelaySec=300\n');
    for (const u of [old, current]) {
      expect(u).toContain('StartLimitIntervalSec=0');
      expect(u).toContain('RestartPreventExitStatus=2');
      expect(u).toContain('ReadWritePaths=-/etc/rc-agent\n');
      expect(u).toContain('ProtectHome=read-only');
      expect(u).toContain('PrivateTmp=no');
      expect(u).toContain('NoNewPrivileges=yes');
      expect(u).toContain('ProtectSystem=strict');
    }
  });

  it.skipIf(noAnalyze)('passes systemd-analyze verify without a single warning', () => {
    const version = systemdVersion() ?? 252;
    const r = spawnSync('systemd-analyze', ['verify', writeUnit(version)], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // The check is real: an unknown key is reported.
    writeFileSync(join(dir, 'broken.service'), '[Service]\nExecStart=/bin/true\nRestartEvery=5\n');
    const broken = spawnSync('systemd-analyze', ['verify', join(dir, 'broken.service')], { encoding: 'utf8' });
    expect(broken.stderr).toContain("Unknown key 'RestartEvery'");
  });

  it.skipIf(noAnalyze)('is sandboxed: systemd-analyze security rates its exposure OK (under 4.0)', () => {
    const r = spawnSync('systemd-analyze', ['security', '--offline=true', writeUnit(systemdVersion())], {
      encoding: 'utf8',
    });
    const m = /Overall exposure level for \S+: (\d+\.\d) (\S+)/.exec(r.stdout);
    expect(m, r.stdout + r.stderr).not.toBeNull();
    console.log(`systemd-analyze security: rc-agent.service exposure ${m![1]} ${m![2]} (root service)`);
    // A root unit without any of these settings rates 9.6 UNSAFE.
    expect(Number(m![1])).toBeLessThan(4.0);
  });
});
