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
      await runAgent(configPath);
      // Everything is closed by now. wrtc's native teardown at a natural exit can crash (SIGSEGV)
      // once a peer connection was ever made, which the agent does at start (it keeps WebRTC warm):
      // exit explicitly, as the benchmarks do.
      process.exit(0);
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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    const known =
      err instanceof ConfigError ||
      err instanceof EnrollError ||
      err instanceof NotSupportedError ||
      err instanceof X11Error;
    console.error(`rc-agent: ${known ? err.message : (err?.stack ?? err)}`);
    process.exitCode = known ? 2 : 1;
  },
);
