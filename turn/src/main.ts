// Standalone TURN/STUN (npm run turn): UDP and TCP (plain or TLS, sniffed) on one port, configured
// from the same environment variables as the relay (DESIGN.md "Configuration").
import { resolveExternalAddresses } from './external-address';
import { createTurnStreamListener } from './listener';
import type { Logger } from './log';
import type { TurnOptions } from './options';
import { TurnServer } from './server';
import { autoWorkerCount } from './shard/worker-count';
import { loadOrCreateTls } from './tls-material';

/** Minimal JSON-lines logger for standalone runs; the relay passes its pino logger instead. */
function consoleLogger(bindings: object = {}): Logger {
  const line = (level: string) => (obj: object, msg: string) =>
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, ...bindings, ...obj, msg })}\n`);
  return {
    debug: process.env.RC_LOG_LEVEL === 'debug' ? line('debug') : () => {},
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
    child: (more) => consoleLogger({ ...bindings, ...more }),
  };
}

export function configFromEnv(env: NodeJS.ProcessEnv): {
  port: number;
  host: string | undefined;
  publicHost: string | undefined;
  turn: TurnOptions;
} {
  const problems: string[] = [];
  const port = env.RC_PORT ? Number(env.RC_PORT) : 3478;
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`RC_PORT is not a port: ${env.RC_PORT}`);
  if (!env.RC_TURN_SECRET) problems.push('RC_TURN_SECRET is required when TURN runs alone');
  const rangeText = env.RC_RELAY_PORTS ?? '49152-65535';
  const rangeMatch = /^(\d{1,5})-(\d{1,5})$/.exec(rangeText.trim());
  if (!rangeMatch) problems.push(`RC_RELAY_PORTS must look like 49152-65535, got ${rangeText}`);
  const range = rangeMatch ? [Number(rangeMatch[1]), Number(rangeMatch[2])] : [0, 0];
  const list = (v: string | undefined) =>
    v
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [];
  const publicHost = env.RC_PUBLIC_HOST;
  const workersText = env.RC_TURN_WORKERS ?? 'auto';
  const workers = workersText === 'auto' ? autoWorkerCount([range[0]!, range[1]!]) : Number(workersText);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64)
    problems.push(`RC_TURN_WORKERS must be auto or an integer from 1 to 64, got ${workersText}`);
  const sendmmsgText = (env.RC_TURN_SENDMMSG ?? 'on').trim().toLowerCase();
  const udpSendBatching = ['on', 'true', '1', 'yes'].includes(sendmmsgText);
  if (!udpSendBatching && !['off', 'false', '0', 'no'].includes(sendmmsgText))
    problems.push(`RC_TURN_SENDMMSG must be on or off, got ${env.RC_TURN_SENDMMSG}`);
  if (problems.length > 0) throw new Error(`configuration problems:\n  ${problems.join('\n  ')}`);
  return {
    port,
    host: env.RC_HOST || undefined,
    publicHost,
    turn: {
      realm: env.RC_TURN_REALM ?? 'rc-relay',
      secret: env.RC_TURN_SECRET!,
      relayPortRange: [range[0]!, range[1]!],
      denyPeers: list(env.RC_TURN_DENY_PEERS),
      allowPeers: list(env.RC_TURN_ALLOW_PEERS),
      software: 'rc-relay-turn',
      workers,
      udpSendBatching,
    },
  };
}

async function main(): Promise<void> {
  const logger = consoleLogger({ app: 'rc-turn' });
  const config = configFromEnv(process.env);
  const server = new TurnServer({ ...config.turn, ...(await resolveExternalAddresses(config.publicHost)), logger });
  const { port } = await server.listenUdp(config.port, config.host);
  const tls = await loadOrCreateTls({
    certFile: process.env.RC_TLS_CERT,
    keyFile: process.env.RC_TLS_KEY,
    dataDir: process.env.RC_DATA_DIR ?? './data',
    commonName: process.env.RC_PUBLIC_HOST ?? 'localhost',
  });
  const tcp = createTurnStreamListener({ server, tls, logger });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen({ port, host: config.host }, resolve);
  });
  logger.info({ port, host: config.host ?? '::' }, 'standalone TURN ready (UDP, TCP, TLS)');
  const stop = () => {
    tcp.close();
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err: String(err) }, 'close failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
