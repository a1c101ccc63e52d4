// `npm start`: the relay with embedded TURN and SQLite.

import { buildRelay } from './app';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { explainListenError } from './net/listen-errors';

async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`rc-relay: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  const { buildTurnSharer } = await import('./turn-sharer');
  const { ExternalAddressError } = await import('@rc-relay/turn');
  let relay: Awaited<ReturnType<typeof buildRelay>>;
  try {
    relay = await buildRelay(config, { logger: log, portSharer: buildTurnSharer });
  } catch (err) {
    if (!(err instanceof ExternalAddressError)) throw err;
    console.error(`rc-relay: ${err.message}`);
    process.exit(2);
  }
  let address: { port: number; url: string };
  try {
    address = await relay.listen();
  } catch (err) {
    console.error(`rc-relay: ${explainListenError(err as NodeJS.ErrnoException, config.port)}`);
    await relay.close('start failed');
    process.exit(1);
  }
  const lines = [`rc-relay is running at ${address.url}`, `  data dir: ${config.dataDir}`];
  if (relay.tls?.selfSigned) lines.push(`  self-signed certificate, SHA-256 ${relay.tls.fingerprint}`);
  if (relay.initialAdminPassword) {
    lines.push(
      `  first login: admin / ${relay.initialAdminPassword}   (shown once; change it under Account after logging in)`,
    );
  }
  console.log(lines.join('\n'));

  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => {
      log.info({ signal: sig }, 'stopping');
      relay.close().then(
        () => process.exit(0),
        (err) => {
          log.error({ err }, 'unclean stop');
          process.exit(1);
        },
      );
    });
  }
}

main().catch((err) => {
  console.error('rc-relay failed to start:', err);
  process.exit(1);
});
