// rc-console: login | devices | connect | screenshot | clipboard | sessions (DESIGN.md "Command lines").
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as cmd from './commands';
import { configPath } from './config';
import { connect } from './connect';
import { CliError, ExitCode } from './errors';
import { createLogger } from './log';
import { stderrProgress } from './progress';
import { usedWrtc } from './wrtc';

const USAGE = `usage:
  rc-console login --server URL --username U --password P|- [--totp CODE] [--server-fingerprint HEX] [--repin]
  rc-console devices [--json]
  rc-console connect DEVICE [--lan] [--view] [--no-open]
  rc-console screenshot DEVICE -o FILE.png [--session ID] [--lan|--internet]
  rc-console clipboard get DEVICE [--lan|--internet]
  rc-console clipboard set DEVICE [--text TEXT] [--lan|--internet]   (without --text: reads stdin)
  rc-console sessions DEVICE [--live] [--json]
DEVICE is a device id or host name. Common: --quiet, --consent-timeout SECONDS (default 90).
The login is kept in $XDG_CONFIG_HOME/rc-console/config.json (mode 0600); it lasts ~15 minutes.
Exit codes: ${Object.entries(ExitCode)
  .map(([k, v]) => `${v} ${k}`)
  .join(', ')}.`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      server: { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
      totp: { type: 'string' },
      'server-fingerprint': { type: 'string' },
      repin: { type: 'boolean' },
      json: { type: 'boolean' },
      lan: { type: 'boolean' },
      internet: { type: 'boolean' },
      view: { type: 'boolean' },
      'no-open': { type: 'boolean' },
      output: { type: 'string', short: 'o' },
      session: { type: 'string' },
      text: { type: 'string' },
      live: { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
      'consent-timeout': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...args] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || values.help ? 0 : ExitCode.usage;
  }
  const consentSeconds = Number(values['consent-timeout'] ?? 90);
  if (!(consentSeconds > 0 && consentSeconds <= 3600))
    throw new CliError('usage', '--consent-timeout: 1..3600 seconds');
  const ctx: cmd.Ctx = {
    configPath: configPath(),
    progress: stderrProgress(values.quiet === true),
    out: (t) => process.stdout.write(t),
    consentMs: consentSeconds * 1000,
  };
  const device = (i = 0) => {
    const d = args[i];
    if (!d) throw new CliError('usage', `${command} needs a DEVICE (id or host name)`);
    return d;
  };
  if (values.lan && values.internet) throw new CliError('usage', '--lan and --internet exclude each other');
  // screenshot and clipboard: LAN (pixel-exact tiles) unless --internet (WebRTC through the relay).
  const transport: cmd.Transport = values.internet ? 'internet' : 'lan';

  switch (command) {
    case 'login':
      await cmd.login(ctx, {
        server: values.server,
        username: values.username,
        // `--password -` (or RC_CONSOLE_PASSWORD) keeps the password out of the process list.
        password:
          values.password === '-'
            ? readFileSync(0, 'utf8').replace(/\r?\n$/, '')
            : (values.password ?? process.env.RC_CONSOLE_PASSWORD),
        totp: values.totp,
        fingerprint: values['server-fingerprint'],
        repin: values.repin,
      });
      return 0;
    case 'devices':
      await cmd.devices(ctx, { json: values.json });
      return 0;
    case 'sessions':
      await cmd.sessions(ctx, device(), { json: values.json, live: values.live });
      return 0;
    case 'connect':
      return connect(ctx, device(), {
        lan: values.lan,
        view: values.view,
        open: values['no-open'] !== true,
        log: createLogger(),
      });
    case 'screenshot':
      if (!values.output) throw new CliError('usage', 'screenshot needs -o FILE.png');
      await cmd.screenshot(ctx, device(), { output: values.output, session: values.session, transport });
      return 0;
    case 'clipboard': {
      const [sub] = args;
      if (sub === 'get') await cmd.clipboardGet(ctx, device(1), transport);
      else if (sub === 'set') {
        const text = values.text !== undefined ? Buffer.from(values.text, 'utf8') : readFileSync(0);
        await cmd.clipboardSet(ctx, device(1), text, transport);
      } else throw new CliError('usage', 'clipboard get DEVICE | clipboard set DEVICE [--text TEXT]');
      return 0;
    }
    default:
      throw new CliError('usage', `unknown command ${command}\n${USAGE}`);
  }
}

/** Sets the exit code; wrtc's native threads can crash Node's own teardown after a peer connection was
 * used (SIGSEGV at exit), so once output is flushed such a process leaves without that teardown. */
function finish(code: number) {
  process.exitCode = code;
  if (usedWrtc()) setTimeout(() => process.exit(code), 50);
}

main(process.argv.slice(2)).then(finish, (err) => {
  if (err instanceof CliError) {
    process.stderr.write(`rc-console: ${err.message}\n`);
    finish(err.exitCode);
  } else if ((err as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`rc-console: ${(err as Error).message}\n${USAGE}\n`);
    finish(ExitCode.usage);
  } else {
    process.stderr.write(`rc-console: internal error: ${(err as Error)?.stack ?? err}\n`);
    finish(ExitCode.internal);
  }
});
