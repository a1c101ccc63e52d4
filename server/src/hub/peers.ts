import type { DeviceRecord } from '../store';
import { Peer } from '../ws/peer';

export class AgentPeer extends Peer {
  readonly kind = 'agent' as const;
  /** Set once the agent has said hello. */
  ready = false;
  constructor(
    socket: ConstructorParameters<typeof Peer>[0],
    log: ConstructorParameters<typeof Peer>[1],
    metrics: ConstructorParameters<typeof Peer>[2],
    public device: DeviceRecord,
  ) {
    super(socket, log, metrics);
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
    socket: ConstructorParameters<typeof Peer>[0],
    log: ConstructorParameters<typeof Peer>[1],
    metrics: ConstructorParameters<typeof Peer>[2],
    public operator: OperatorScope,
  ) {
    super(socket, log, metrics);
  }
}
