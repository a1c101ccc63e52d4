// rc-agent: enroll | run | status | install-service | uninstall-service.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { X11Error } from './backend';
import { type AgentConfig, ConfigError, saveConfig } from './config';
import { currentPlatform, NotSupportedError } from './platform';
import { EnrollError, enroll } from './service/enroll';
import { runAgent } from './service/run';
import { readStatus, statusPathFor } from './service/status-file';
import { usedWrtc } from './transports/webrtc/wrtc';

const USAGE = `usage:
  rc-agent enroll --server URL --token TOKEN [--hostname NAME] [--server-fingerprint HEX] [--consent auto-accept|ask|deny] [--force]
  rc-agent run
  rc-agent status
  rc-agent install-service
  rc-agent uninstall-service
common: --config PATH (or RC_AGENT_CONFIG; default ${currentPlatform().defaultConfigPath()})`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      config: { type: 'string' },
      server: { type: 'string' },
      token: { type: 'string' },
      hostname: { type: 'string' },
      'server-fingerprint': { type: 'string' },
      consent: { type: 'string' },
      force: { type: 'boolean' },
    },
    strict: true,
  });
  const platform = currentPlatform();
  const configPath = resolve(values.config ?? process.env.RC_AGENT_CONFIG ?? platform.defaultConfigPath());

  switch (command) {
    case 'enroll': {
      if (!values.server || !values.token) return fail('enroll needs --server and --token');
      if (existsSync(configPath) && !values.force) return fail(`${configPath} exists; pass --force to re-enroll`);
      const consent = values.consent as AgentConfig['consent'];
      if (consent && !['auto-accept', 'ask', 'deny'].includes(consent)) return fail('--consent: auto-accept|ask|deny');
      const cfg = await enroll({
        server: values.server,
        token: values.token,
        ...(values.hostname ? { hostname: values.hostname } : {}),
        ...(values['server-fingerprint'] ? { serverFingerprint: values['server-fingerprint'] } : {}),
        base: consent ? { consent } : {},
      });
      saveConfig(configPath, cfg);
      console.log(`enrolled as ${cfg.deviceId}; config written to ${configPath}`);
      if (cfg.serverFingerprint) console.log(`pinned the relay's self-signed certificate ${cfg.serverFingerprint}`);
      return 0;
    }
    case 'run':
      // finish() below exits without Node's teardown: the agent keeps WebRTC warm from its start.
      await runAgent(configPath);
      return 0;
    case 'status': {
      if (!existsSync(configPath)) return fail(`not enrolled (no ${configPath})`);
      const s = readStatus(statusPathFor(configPath));
      if (!s?.running) {
        console.log('enrolled; agent not running');
        return 3;
      }
      console.log(JSON.stringify({ ...s, running: undefined }, null, 2));
      return 0;
    }
    case 'install-service': {
      const launcher = resolve(import.meta.dirname, '..', 'bin', 'rc-agent.mjs');
      console.log(await platform.installService({ configPath, execStart: [process.execPath, launcher, 'run'] }));
      return 0;
    }
    case 'uninstall-service':
      console.log(await platform.uninstallService());
      return 0;
    default:
      console.error(USAGE);
      return command ? 2 : 0;
  }
}

function fail(message: string): number {
  console.error(`rc-agent: ${message}`);
  return 2;
}

/**
 * Sets the exit code. After a WebRTC session the native addon's threads can crash Node's own teardown
 * (SIGSEGV at exit: systemd would log every stop as a core dump), so once the agent has stopped and
 * its output is flushed, such a process leaves without that teardown.
 */
function finish(code: number) {
  process.exitCode = code;
  if (usedWrtc()) setTimeout(() => process.exit(code), 50);
}

main(process.argv.slice(2)).then(finish, (err) => {
  const known =
    err instanceof ConfigError ||
    err instanceof EnrollError ||
    err instanceof NotSupportedError ||
    err instanceof X11Error;
  console.error(`rc-agent: ${known ? err.message : (err?.stack ?? err)}`);
  finish(known ? 2 : 1);
});
