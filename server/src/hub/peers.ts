import type { DeviceRecord } from '../store';
import { Peer } from '../ws/peer';

/** Socket, logger and metrics: what every peer kind hands to Peer. */
export type PeerBase = ConstructorParameters<typeof Peer>;

export class AgentPeer extends Peer {
  readonly kind = 'agent' as const;
  /** Set once the agent has said hello. */
  ready = false;
  constructor(
    base: PeerBase,
    public device: DeviceRecord,
  ) {
    super(...base);
  }
}

/** The operator as the hub needs them: identity, role, and the groups they may see. */
export interface OperatorScope {
  id: string;
  username: string;
  role: 'admin' | 'operator' | 'viewer';
  /** null = every group (admins). */
  groupIds: ReadonlySet<string> | null;
}

export function inScope(op: OperatorScope, groupId: string): boolean {
  return op.groupIds === null || op.groupIds.has(groupId);
}

export class ConsolePeer extends Peer {
  readonly kind = 'console' as const;
  constructor(
    base: PeerBase,
    public operator: OperatorScope,
  ) {
    super(...base);
  }
}
