// Which agents are connected, and which consoles want to hear about which devices.
import type { DeviceSummary } from '@rc-relay/protocol';
import type { RelayMetrics } from '../metrics';
import type { DeviceRecord, Store } from '../store';
import { type AgentPeer, type ConsolePeer, inScope } from './peers';

export class Presence {
  private readonly agents = new Map<string, AgentPeer>();
  private readonly consoles = new Set<ConsolePeer>();

  constructor(
    private readonly store: Store,
    private readonly metrics: RelayMetrics,
  ) {}

  agent(deviceId: string): AgentPeer | undefined {
    return this.agents.get(deviceId);
  }

  isOnline(deviceId: string): boolean {
    return this.agents.get(deviceId)?.ready === true;
  }

  allAgents(): IterableIterator<AgentPeer> {
    return this.agents.values();
  }

  allConsoles(): IterableIterator<ConsolePeer> {
    return this.consoles.values();
  }

  /** Registers a connected agent; returns the connection it replaces, if any. */
  addAgent(peer: AgentPeer): AgentPeer | undefined {
    const old = this.agents.get(peer.device.id);
    this.agents.set(peer.device.id, peer);
    this.metrics.agentsConnected.set(this.agents.size);
    return old;
  }

  /** Forgets the agent if `peer` is still its current connection; true if it was. */
  removeAgent(peer: AgentPeer): boolean {
    if (this.agents.get(peer.device.id) !== peer) return false;
    this.agents.delete(peer.device.id);
    this.metrics.agentsConnected.set(this.agents.size);
    return true;
  }

  addConsole(peer: ConsolePeer): void {
    this.consoles.add(peer);
    this.metrics.consolesConnected.set(this.consoles.size);
  }

  removeConsole(peer: ConsolePeer): void {
    this.consoles.delete(peer);
    this.metrics.consolesConnected.set(this.consoles.size);
  }

  summary(d: DeviceRecord, groupName = this.store.groups.get(d.groupId)?.name): DeviceSummary {
    const online = this.isOnline(d.id);
    return {
      id: d.id,
      hostname: d.hostname,
      os: d.os,
      group: groupName ?? d.groupId,
      online,
      lastSeen: online ? new Date().toISOString() : d.lastSeen,
      agentVersion: d.agentVersion,
      sessions: d.facts.sessions,
      monitors: d.facts.monitors,
    };
  }

  /** Many devices at once (a console's snapshot): group names are looked up once, not per device. */
  summaries(devices: DeviceRecord[]): DeviceSummary[] {
    const names = new Map(this.store.groups.list().map((g) => [g.id, g.name]));
    return devices.map((d) => this.summary(d, names.get(d.groupId)));
  }

  /** Tells every console in scope about the device's current state; `previousGroupId` after a move. */
  publish(deviceId: string, previousGroupId?: string): void {
    if (this.consoles.size === 0) return;
    const d = this.store.devices.get(deviceId);
    if (!d) return;
    const live = d.revokedAt === null;
    const summary = live ? this.summary(d) : undefined;
    for (const c of this.consoles) {
      const sees = live && inScope(c.operator, d.groupId);
      if (sees) c.send({ type: 'presence.update', device: summary });
      else if (inScope(c.operator, previousGroupId ?? d.groupId)) c.send({ type: 'presence.remove', deviceId });
    }
  }
}
