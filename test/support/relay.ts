// Starts a real relay on 127.0.0.1 port 0 with its own data dir, as `npm start` would build it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { buildRelay, createLogger, loadConfig, type Relay } from '@rc-relay/server';
import { buildTurnSharer } from '../../server/src/turn-sharer';

export const ADMIN_PASSWORD = 'correct horse battery staple';

export interface TestRelay {
  relay: Relay;
  base: string;
  port: number;
  cert: string;
  dataDir: string;
  /** Everything the relay logged, as text (for the no-secrets-in-logs test). */
  logs: () => string;
  stop: () => Promise<void>;
}

export async function startRelay(env: Record<string, string> = {}, dataDir?: string): Promise<TestRelay> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'rc-relay-test-'));
  const config = loadConfig({
    RC_PORT: '0',
    RC_HOST: '127.0.0.1',
    RC_DATA_DIR: dir,
    RC_ADMIN_PASSWORD: ADMIN_PASSWORD,
    RC_LOG_LEVEL: 'debug',
    RC_SHUTDOWN_TIMEOUT_SECONDS: '1',
    ...env,
  });
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const relay = await buildRelay(config, { logger: createLogger(config.logLevel, sink), portSharer: buildTurnSharer });
  const { port } = await relay.listen();
  return {
    relay,
    base: `https://127.0.0.1:${port}`,
    port,
    cert: relay.tls?.cert ?? '',
    dataDir: dir,
    logs: () => chunks.join(''),
    stop: async () => {
      await relay.close();
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
