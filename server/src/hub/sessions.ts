// Sessions between one console connection and one agent connection. The relay only forwards
// signalling between exactly those two sockets; everyone else gets `session_not_found`.
import type { DenyReason, IceServer, SessionMode, SessionTransport, SignalPayload } from '@rc-relay/protocol';
import type { TokenService } from '../auth/tokens';
import { ApiError } from '../http/errors';
import type { Logger } from '../logger';
import type { RelayMetrics } from '../metrics';
import { type DeviceRecord, newId, type Store } from '../store';
import type { AgentPeer, ConsolePeer, OperatorScope } from './peers';
import type { Presence } from './presence';
import { BACKLOG_LIMIT, newSession, type Outgoing, type Session, type Settled, type Side } from './session-record';

export interface SessionTimings {
  consentTimeoutSeconds: number;
  graceSeconds: number;
}

export class SessionHub {
  private readonly sessions = new Map<string, Session>();
  /** Sessions that ended (e.g. an instant deny) before their console attached, kept for a while. */
  private readonly settled = new Map<string, Settled>();

  constructor(
    private readonly store: Store,
    private readonly presence: Presence,
    private readonly tokens: TokenService,
    private readonly metrics: RelayMetrics,
    private readonly log: Logger,
    private readonly timings: SessionTimings,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  /** Asks the agent for an internet session; the answer reaches the console over its WebSocket. */
  requestInternet(
    op: OperatorScope,
    device: DeviceRecord,
    mode: SessionMode,
    iceServersFor: (sessionId: string) => IceServer[],
  ): { sessionId: string; iceServers: IceServer[] } {
    const agent = this.presence.agent(device.id);
    if (!agent?.ready) throw new ApiError('device_offline', `device ${device.id} is not connected`);
    const policy = this.store.groups.policy(device.groupId, this.timings.consentTimeoutSeconds);
    const consentSeconds = policy.consentTimeoutSeconds;
    // A console that reloaded while its request waited for consent asks again: the old request is
    // withdrawn now instead of staying on the device user's screen until its grace runs out.
    for (const old of this.sessions.values()) {
      if (old.deviceId === device.id && old.operator.id === op.id && old.state === 'pending' && !old.console) {
        this.finish(old, 'replaced by a new request');
      }
    }
    const { id, ticket } = this.issue(op, device, mode, 'internet', Math.ceil(consentSeconds) + 30, 'pending');
    const iceServers = iceServersFor(id);
    const s = newSession({
      id,
      deviceId: device.id,
      operator: { id: op.id, username: op.username },
      mode,
      state: 'pending',
      agent,
    });
    this.sessions.set(id, s);
    this.metrics.sessions.inc({ outcome: 'requested' });
    this.metrics.sessionsActive.set(this.sessions.size);
    agent.send({
      type: 'session.request',
      sessionId: id,
      ticket,
      operator: s.operator,
      mode,
      transport: 'internet',
      iceServers,
      consentTimeoutSeconds: consentSeconds,
    });
    s.consentTimer = setTimeout(() => this.consentTimedOut(s), consentSeconds * 1000);
    // The console has until consent plus grace to attach; otherwise nobody would ever end this session.
    this.armDetachTimer(s, consentSeconds + this.timings.graceSeconds);
    this.log.info({ sessionId: id, deviceId: device.id, operator: op.username, mode }, 'session requested');
    return { sessionId: id, iceServers };
  }

  /** A LAN session: the agent checks the ticket and asks for consent itself; the relay audits it. */
  issueLan(op: OperatorScope, device: DeviceRecord, mode: SessionMode, ttlSeconds: number) {
    const { id, ticket, expiresAt } = this.issue(op, device, mode, 'lan', ttlSeconds, 'issued');
    this.metrics.sessions.inc({ outcome: 'lan_issued' });
    this.log.info({ sessionId: id, deviceId: device.id, operator: op.username, mode }, 'LAN ticket issued');
    return { sessionId: id, ticket, expiresAt };
  }

  /** Binds a session to a console socket of the operator who created it (also after a reconnect). */
  attach(peer: ConsolePeer, sessionId: string, ref: string): void {
    const s = this.sessions.get(sessionId);
    const late = this.settled.get(sessionId);
    if (!s && late && late.operatorId === peer.operator.id) {
      this.settled.delete(sessionId);
      for (const m of late.messages) peer.send(m);
      return;
    }
    if (!s || s.operator.id !== peer.operator.id) {
      peer.sendError('session_not_found', `no session ${sessionId}`, ref);
      return;
    }
    if (s.console && s.console !== peer && !s.console.closed) {
      peer.sendError('session_already_attached', 'another console connection carries this session', ref);
      return;
    }
    s.console = peer;
    peer.send({ type: 'session.state', sessionId, state: s.state });
    this.flush(s, 'console');
    this.settleDetachTimer(s);
  }

  accept(peer: AgentPeer, sessionId: string, ref: string): void {
    const s = this.ownedBy(peer, sessionId, ref);
    if (!s) return;
    if (s.state !== 'pending') {
      peer.sendError('session_not_active', 'session is already accepted', ref);
      return;
    }
    clearTimeout(s.consentTimer);
    s.state = 'accepted';
    this.store.audit.answer(s.id, 'accepted');
    this.metrics.sessions.inc({ outcome: 'accepted' });
    this.toSide(s, 'console', { type: 'session.state', sessionId: s.id, state: 'accepted' });
    this.log.info({ sessionId: s.id }, 'session accepted');
  }

  deny(peer: AgentPeer, sessionId: string, reason: DenyReason, ref: string): void {
    const s = this.ownedBy(peer, sessionId, ref);
    if (!s) return;
    if (s.state !== 'pending') {
      peer.sendError('session_not_active', 'session is already accepted; end it instead', ref);
      return;
    }
    this.store.audit.answer(s.id, 'denied', reason);
    this.metrics.sessions.inc({ outcome: 'denied' });
    this.toSide(s, 'console', { type: 'session.state', sessionId: s.id, state: 'denied', reason });
    this.drop(s);
    this.log.info({ sessionId: s.id, reason }, 'session denied');
  }

  /** Forwards WebRTC signalling to the other end of an accepted session. */
  signal(peer: AgentPeer | ConsolePeer, sessionId: string, payload: SignalPayload, ref: string): void {
    const s = this.sessions.get(sessionId);
    const side = s && this.sideOf(s, peer);
    if (!s || !side) {
      peer.sendError('session_not_found', `no session ${sessionId} on this connection`, ref);
      return;
    }
    if (s.state !== 'accepted') {
      peer.sendError('session_not_active', 'the agent has not accepted this session yet', ref);
      return;
    }
    this.toSide(s, side === 'agent' ? 'console' : 'agent', { type: 'signal', sessionId, payload });
  }

  /** Either side ends its session. */
  end(peer: AgentPeer | ConsolePeer, sessionId: string, reason: string, ref: string): void {
    const s = this.sessions.get(sessionId);
    const side = s && this.sideOf(s, peer);
    if (!s || !side) {
      peer.sendError('session_not_found', `no session ${sessionId} on this connection`, ref);
      return;
    }
    this.finish(s, `${side}: ${reason}`);
  }

  /** Agent hello: re-binds the sessions whose media survived a signalling outage, ends the others. */
  agentReady(peer: AgentPeer, activeSessions: readonly string[]): void {
    const keep = new Set(activeSessions);
    for (const s of this.sessions.values()) {
      if (s.deviceId !== peer.device.id || s.agent === peer) continue;
      if (s.state === 'accepted' && keep.has(s.id)) {
        s.agent = peer;
        this.flush(s, 'agent');
        this.settleDetachTimer(s);
      } else {
        this.finish(s, 'agent reconnected without this session');
      }
    }
  }

  agentGone(peer: AgentPeer): void {
    for (const s of this.sessions.values()) {
      if (s.agent !== peer) continue;
      if (s.state === 'pending') {
        this.store.audit.answer(s.id, 'failed', 'agent disconnected');
        this.toSide(s, 'console', {
          type: 'session.state',
          sessionId: s.id,
          state: 'ended',
          reason: 'agent disconnected',
        });
        this.drop(s);
        continue;
      }
      s.agent = null;
      this.armDetachTimer(s, this.timings.graceSeconds);
    }
  }

  consoleGone(peer: ConsolePeer): void {
    for (const s of this.sessions.values()) {
      if (s.console !== peer) continue;
      s.console = null;
      this.armDetachTimer(s, this.timings.graceSeconds);
    }
  }

  /** LAN sessions: the agent reports its own consent and end so the audit trail is complete. */
  lanReport(peer: AgentPeer, sessionId: string, event: 'accepted' | 'denied' | 'ended', reason?: string): void {
    const entry = this.store.audit.get(sessionId);
    if (!entry || entry.deviceId !== peer.device.id || entry.transport !== 'lan') {
      peer.sendError('session_not_found', `no LAN session ${sessionId} for this device`);
      return;
    }
    if (event === 'ended') this.store.audit.end(sessionId, reason ?? 'ended');
    else this.store.audit.answer(sessionId, event, reason);
    this.metrics.sessions.inc({ outcome: event });
  }

  endForDevice(deviceId: string, reason: string): void {
    for (const s of [...this.sessions.values()]) if (s.deviceId === deviceId) this.finish(s, reason);
  }

  endForOperator(operatorId: string, reason: string): void {
    for (const s of [...this.sessions.values()]) if (s.operator.id === operatorId) this.finish(s, reason);
  }

  /**
   * Relay stopping: pending requests end; accepted sessions are left open in the audit, because their
   * media may be peer to peer and go on, and the next start takes them back (restore()).
   */
  suspendAll(reason: string): void {
    for (const s of [...this.sessions.values()]) {
      if (s.state === 'pending') this.finish(s, reason);
      else {
        clearTimeout(s.detachTimer);
        this.sessions.delete(s.id);
      }
    }
  }

  /**
   * Relay starting: accepted sessions the last run left open wait, with neither side attached, for
   * the grace period; the agent re-binds them by listing them in `hello`, the console by
   * `session.attach`. Those nobody claims end as "relay restarted".
   */
  restore(): number {
    const open = this.store.audit.unfinished();
    for (const e of open) {
      const s = newSession({
        id: e.sessionId,
        deviceId: e.deviceId,
        operator: { id: e.operatorId, username: e.operator },
        mode: e.mode,
        state: 'accepted',
        agent: null,
      });
      this.sessions.set(s.id, s);
      this.armDetachTimer(s, this.timings.graceSeconds, 'relay restarted and the session was not resumed');
    }
    this.metrics.sessionsActive.set(this.sessions.size);
    return open.length;
  }

  // --- internals ---

  /** A new session id, its signed ticket, and its first audit row. */
  private issue(
    op: OperatorScope,
    device: DeviceRecord,
    mode: SessionMode,
    transport: SessionTransport,
    ttlSeconds: number,
    outcome: 'pending' | 'issued',
  ) {
    const id = newId('s');
    const { ticket, expiresAt } = this.tokens.signTicket({
      deviceId: device.id,
      operatorId: op.id,
      operatorName: op.username,
      sessionId: id,
      mode,
      transport,
      ttlSeconds,
    });
    this.store.audit.request({
      sessionId: id,
      operatorId: op.id,
      operatorName: op.username,
      deviceId: device.id,
      hostname: device.hostname,
      mode,
      transport,
      outcome,
    });
    return { id, ticket, expiresAt };
  }

  private ownedBy(peer: AgentPeer, sessionId: string, ref: string): Session | undefined {
    const s = this.sessions.get(sessionId);
    if (!s || s.agent !== peer) {
      peer.sendError('session_not_found', `no session ${sessionId} for this device`, ref);
      return undefined;
    }
    return s;
  }

  private sideOf(s: Session, peer: AgentPeer | ConsolePeer): Side | undefined {
    if (peer.kind === 'agent' && s.agent === peer) return 'agent';
    if (peer.kind === 'console' && s.console === peer) return 'console';
    return undefined;
  }

  private toSide(s: Session, side: Side, msg: Outgoing): void {
    // A socket that is closing refuses the send; the message waits for the reconnect like any other.
    if (s[side]?.send(msg)) return;
    if (s.backlog[side].length >= BACKLOG_LIMIT) {
      // Stale signalling is worse than none: the oldest goes; an ICE restart recovers.
      s.backlog[side].shift();
      this.log.warn({ sessionId: s.id, side }, 'signalling backlog full; dropping oldest');
    }
    s.backlog[side].push(msg);
  }

  private flush(s: Session, side: Side): void {
    const peer = s[side];
    if (!peer) return;
    for (const m of s.backlog[side].splice(0)) peer.send(m);
  }

  private armDetachTimer(s: Session, seconds: number, reason?: string): void {
    clearTimeout(s.detachTimer);
    s.detachTimer = setTimeout(() => {
      this.finish(s, reason ?? `${!s.agent ? 'agent' : 'console'} disconnected`);
    }, seconds * 1000);
  }

  private settleDetachTimer(s: Session): void {
    if (s.agent && s.console) {
      clearTimeout(s.detachTimer);
      s.detachTimer = undefined;
    }
  }

  private consentTimedOut(s: Session): void {
    if (this.sessions.get(s.id) !== s || s.state !== 'pending') return;
    this.store.audit.answer(s.id, 'timeout', 'no answer from the agent');
    this.metrics.sessions.inc({ outcome: 'timeout' });
    this.toSide(s, 'agent', { type: 'session.ended', sessionId: s.id, reason: 'consent-timeout' });
    this.toSide(s, 'console', { type: 'session.state', sessionId: s.id, state: 'timeout', reason: 'no answer' });
    this.drop(s);
    this.log.info({ sessionId: s.id }, 'session consent timed out');
  }

  /** Ends a session: both sides are told, the audit closed. A pending one counts as not answered. */
  private finish(s: Session, reason: string): void {
    if (this.sessions.get(s.id) !== s) return;
    // Ended before the agent answered: the request was withdrawn, not refused.
    if (s.state === 'pending') this.store.audit.answer(s.id, 'cancelled', reason);
    this.store.audit.end(s.id, reason);
    this.metrics.sessions.inc({ outcome: s.state === 'pending' ? 'cancelled' : 'ended' });
    s.agent?.send({ type: 'session.ended', sessionId: s.id, reason });
    s.console?.send({ type: 'session.state', sessionId: s.id, state: 'ended', reason });
    this.drop(s);
    this.log.info({ sessionId: s.id, reason }, 'session ended');
  }

  private drop(s: Session): void {
    clearTimeout(s.consentTimer);
    clearTimeout(s.detachTimer);
    this.sessions.delete(s.id);
    this.metrics.sessionsActive.set(this.sessions.size);
    const now = Date.now();
    // Entries go in expiry order (one TTL for all), so expired ones are at the front.
    for (const [id, e] of this.settled) {
      if (e.expiresAt > now) break;
      this.settled.delete(id);
    }
    if (!s.console && s.backlog.console.length > 0) {
      const ttl = (this.timings.consentTimeoutSeconds + this.timings.graceSeconds) * 1000;
      this.settled.set(s.id, { operatorId: s.operator.id, messages: s.backlog.console, expiresAt: now + ttl });
    }
  }
}
