// `rc-agent run`: config → backend → agent with its transports, until SIGTERM/SIGINT.
import { rmSync } from 'node:fs';
import { createBackend } from '../backend';
import { type AgentConfig, loadConfig } from '../config';
import { createLogger, type Logger } from '../log';
import { LanServer } from '../transports/lan/server';
import { createWebRtcTransport } from '../transports/webrtc/factory';
import { Agent } from './agent';
import { statusPathFor, writeStatus } from './status-file';

export function buildAgent(cfg: AgentConfig, log: Logger, statusPath?: string): Agent {
  const backend = createBackend(cfg.backend, log);
  log.info({ backend: backend.name }, 'desktop backend');
  return new Agent(cfg, backend, log, {
    webrtc: createWebRtcTransport,
    ...(cfg.lan.enabled ? { lan: new LanServer(cfg, log.child({ module: 'lan' })) } : {}),
    ...(statusPath ? { onStatus: (s) => writeStatus(statusPath, s) } : {}),
  });
}

export async function runAgent(configPath: string): Promise<void> {
  const cfg = loadConfig(configPath);
  const log = createLogger(process.env.RC_AGENT_LOG_LEVEL ?? cfg.logLevel);
  const statusPath = statusPathFor(configPath);
  const agent = buildAgent(cfg, log, statusPath);
  await agent.start();
  log.info({ deviceId: cfg.deviceId, server: cfg.server }, 'agent started');
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      log.info({ signal: sig }, 'stopping');
      agent
        .stop()
        .catch((err) => log.error({ err }, 'stop failed'))
        .finally(() => {
          rmSync(statusPath, { force: true });
          resolve();
        });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
