// `rc-console connect DEVICE`: over the internet it opens the relay's browser console at the
// device; with --lan it runs the local bridge (contract 4) and opens the browser at it, staying
// until the session ends or Ctrl+C.
import type { SessionMode } from '@rc-relay/protocol';
import type { Logger } from 'pino';

import { LanBridge } from '../bridge/server';
import { consoleDistDir } from '../index';
import { type Ctx, relayFor } from './commands';
import { CliError } from './errors';
import { openBrowser } from './open-browser';

export interface ConnectOptions {
  lan?: boolean;
  view?: boolean;
  open: boolean;
  distDir?: string;
  log: Logger;
}

/** The browser console's session route for a device (console-ui's hash router: #/session/ID/MODE). */
export const deviceUiPath = (deviceId: string, mode: SessionMode) =>
  `/#/session/${encodeURIComponent(deviceId)}/${mode}`;

export async function connect(ctx: Ctx, device: string, o: ConnectOptions): Promise<number> {
  const api = relayFor(ctx);
  const d = await api.device(device);
  const mode: SessionMode = o.view ? 'view' : 'control';

  if (!o.lan) {
    if (!d.online) throw new CliError('offline', `${d.hostname} is offline (no connection to the relay)`);
    const url = `${api.server}${deviceUiPath(d.id, mode)}`;
    await show(ctx, url, o.open);
    return 0;
  }

  // Asked now so relay-side refusals (scope, role, no LAN addresses) end the command before a browser opens.
  ctx.progress(`asking the relay for a LAN ${mode} ticket for ${d.hostname}`);
  const ticket = await api.lanSession(d.id, mode);
  // The bridge opens the session (TLS, ticket, consent) while the browser starts and loads the page.
  const bridge = new LanBridge({
    distDir: o.distDir ?? consoleDistDir,
    device: { id: d.id, hostname: d.hostname },
    consentMs: ctx.consentMs,
    log: o.log.child({ module: 'bridge', deviceId: d.id }),
    ticket: async () => ticket,
  });
  ctx.progress(`connecting to ${ticket.lan.addresses.join(', ')} (consent may be asked) while the browser opens`);
  const { url } = await bridge.listen();
  const ended = new Promise<number>((resolve) => {
    bridge.on('ready', ({ sessionId, mode: m }) =>
      ctx.progress(`LAN session ${sessionId} open (${m}); Ctrl+C ends it`),
    );
    bridge.on('ended', ({ reason, error }) => {
      ctx.progress(error ? `the session could not start: ${error.code}: ${error.message}` : `session ended: ${reason}`);
      resolve(error ? exitFor(error.code) : 0);
    });
  });
  // A terminal's Ctrl+C reaches both the launcher and this process: repeats are harmless (close is idempotent).
  const onSignal = () => void bridge.close('ended with Ctrl+C in rc-console');
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  await show(ctx, url, o.open);
  try {
    return await ended;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await bridge.close();
  }
}

async function show(ctx: Ctx, url: string, open: boolean) {
  // The URL goes to stdout (scripts and tests read it), progress to stderr.
  ctx.out(`${url}\n`);
  if (open && !(await openBrowser(url))) ctx.progress('could not start a browser; open the URL above yourself');
}

function exitFor(code: string): number {
  const kinds: Record<string, ConstructorParameters<typeof CliError>[0]> = {
    tls_pin: 'tls_pin',
    unreachable: 'unreachable',
    denied: 'denied',
    consent_timeout: 'timeout',
    invalid_ticket: 'denied',
    relay: 'remote',
    no_browser: 'remote',
  };
  return new CliError(kinds[code] ?? 'remote', code).exitCode;
}
