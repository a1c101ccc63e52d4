import { describe, expect, it } from 'vitest';
import { LinuxPlatform, unitText } from './linux';
import { UnsupportedPlatform } from './unsupported';

describe('service platforms', () => {
  it('Linux: /etc for root, XDG config for users', () => {
    expect(new LinuxPlatform({}, true).defaultConfigPath()).toBe('/etc/rc-agent/agent.json');
    expect(new LinuxPlatform({ XDG_CONFIG_HOME: '/home/ann/.cfg' }, false).defaultConfigPath()).toBe(
      '/home/ann/.cfg/rc-agent/agent.json',
    );
  });

  it('the unit quotes paths with spaces and restarts only on failure', () => {
    const u = unitText(['/usr/bin/node', '/opt/rc agent/bin/rc-agent.mjs', 'run'], '/etc/rc-agent/agent.json');
    expect(u).toContain('ExecStart=/usr/bin/node "/opt/rc agent/bin/rc-agent.mjs" run');
    expect(u).toContain('Environment=RC_AGENT_CONFIG=/etc/rc-agent/agent.json');
    expect(u).toContain('Restart=on-failure');
    expect(u).toContain('WantedBy=multi-user.target');
  });

  it('other platforms say install-service is not supported yet', async () => {
    const w = new UnsupportedPlatform('windows', { ProgramData: 'D:\\PD' });
    expect(w.defaultConfigPath()).toContain('rc-agent');
    await expect(w.installService()).rejects.toThrow('not supported yet on windows');
    await expect(new UnsupportedPlatform('macos').uninstallService()).rejects.toThrow('not supported yet on macos');
  });
});
