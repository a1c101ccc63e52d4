// A real agent (agent-client's Agent with the synthetic backend) enrolled at a real relay.
import { Writable } from 'node:stream';
import { SyntheticBackend } from '../../agent-client/src/backend/synthetic';
import type { AgentConfig } from '../../agent-client/src/config';
import { createLogger } from '../../agent-client/src/log';
import { Agent, type AgentOptions } from '../../agent-client/src/service/agent';
import { enroll } from '../../agent-client/src/service/enroll';
import type { Api } from '../support/http';

export interface AgentUnderTest {
  agent: Agent;
  backend: SyntheticBackend;
  cfg: AgentConfig;
  logs: () => string;
  stop: () => Promise<void>;
}

export async function enrollConfig(
  admin: Api,
  base: Partial<AgentConfig> = {},
  opts: { group?: string; hostname?: string } = {},
): Promise<AgentConfig> {
  const t = await admin.post('/api/v1/enrollment-tokens', opts.group ? { group: opts.group } : {});
  if (t.status !== 201) throw new Error(`token: ${t.status}`);
  return enroll({
    server: admin.base,
    token: t.body.token,
    hostname: opts.hostname ?? `agent-${Math.random().toString(36).slice(2, 8)}`,
    base: { lan: { enabled: false, bindAddress: '127.0.0.1', ports: { connect: 0, screen: 0, sessions: 0 } }, ...base },
  });
}

export async function startAgent(
  cfg: AgentConfig,
  opts: AgentOptions & { backend?: SyntheticBackend; waitOnline?: boolean } = {},
): Promise<AgentUnderTest> {
  const chunks: string[] = [];
  const sink = new Writable({
    write(c, _e, cb) {
      chunks.push(String(c));
      cb();
    },
  });
  const backend =
    opts.backend ??
    new SyntheticBackend({
      width: 320,
      height: 240,
      consentAnswer: 'accept',
      consentDelayMs: 0,
    });
  const agent = new Agent(cfg, backend, createLogger('debug', sink), { backoff: { baseMs: 50, capMs: 400 }, ...opts });
  await agent.start();
  if (opts.waitOnline !== false) await until(() => agent.signalling.online, 5000, 'agent online');
  return { agent, backend, cfg, logs: () => chunks.join(''), stop: () => agent.stop() };
}

export async function until(cond: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
