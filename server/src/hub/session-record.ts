// One session's state in the hub: who its two ends are and what waits for an end that is away.
import type { SessionMode, SessionTransport } from '@rc-relay/protocol';
import type { AgentPeer, ConsolePeer } from './peers';

export type Outgoing = { type: string } & Record<string, unknown>;
export type Side = 'agent' | 'console';
export const BACKLOG_LIMIT = 64;

export interface Session {
  id: string;
  deviceId: string;
  operator: { id: string; username: string };
  mode: SessionMode;
  transport: SessionTransport;
  state: 'pending' | 'accepted';
  agent: AgentPeer | null;
  console: ConsolePeer | null;
  /** Messages for a side whose socket is momentarily gone (reconnect within the grace period). */
  backlog: Record<Side, Outgoing[]>;
  consentTimer?: NodeJS.Timeout | undefined;
  detachTimer?: NodeJS.Timeout | undefined;
}

/** What a console that attaches after its session already settled still has to hear. */
export interface Settled {
  operatorId: string;
  messages: Outgoing[];
  expiresAt: number;
}

export function newSession(p: Pick<Session, 'id' | 'deviceId' | 'operator' | 'mode' | 'state' | 'agent'>): Session {
  return { ...p, transport: 'internet', console: null, backlog: { agent: [], console: [] } };
}
