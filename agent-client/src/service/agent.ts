// The agent service: keeps the relay connection, answers session requests (ticket check, then
// consent), owns the sessions and their transports, reports facts when they change.
import type { DenyReason, ServerAgentMessage, SessionMode } from '@rc-relay/protocol';
import type { DesktopBackend } from '../backend/types';
import type { AgentConfig } from '../config';
import type { Logger } from '../log';
import { osName } from '../platform';
import { CaptureHub } from '../screen/capture-hub';
import type { SessionTransport } from '../transports/types';
import { ConsentGate } from './consent';
import { diffFacts, type Facts, gatherFacts } from './facts';
import { AgentSession, type SessionInfo } from './session';
import { type ServerHandlers, SignallingClient } from './signalling';
import { TicketVerifier } from './tickets';

export const AGENT_VERSION = '0.1.0';

/** Builds the WebRTC transport of an accepted internet session when the console's offer arrives. */
export type WebRtcFactory = ((
  session: AgentSession,
  ctx: {
    iceServers: Extract<ServerAgentMessage, { type: 'session.request' }>['iceServers'];
    /** From the config: `relay` restricts ICE to TURN candidates. */
    iceTransportPolicy: 'all' | 'relay';
    signal: (payload: Extract<ServerAgentMessage, { type: 'signal' }>['payload']) => void;
    capture: CaptureHub;
  },
) => SessionTransport & { handleSignal(p: Extract<ServerAgentMessage, { type: 'signal' }>['payload']): void }) & {
  /**
   * Called once at start when present: readies what every session needs (the WebRTC stack) so the
   * first connect does not pay for it; returns the release, called at stop.
   */
  prepare?: (log: Logger) => () => void;
};

export interface AgentOptions {
  webrtc?: WebRtcFactory;
  /** The LAN listener, when enabled: started with the agent, its ports reported to the relay. */
  lan?: { start(agent: Agent): Promise<{ connect: number; screen: number; sessions: number }>; close(): Promise<void> };
  backoff?: { baseMs: number; capMs: number };
  /** Where to write the status file `rc-agent status` reads. */
  onStatus?: (s: AgentStatus) => void;
}

export interface AgentStatus {
  online: boolean;
  deviceId: string;
  server: string;
  policy: string;
  sessions: { id: string; mode: SessionMode; transport: string; operator: string; since: string }[];
  lanPorts?: { connect: number; screen: number; sessions: number } | undefined;
}

type RTCSignal = Extract<ServerAgentMessage, { type: 'signal' }>['payload'];
type RtcTransport = ReturnType<WebRtcFactory>;

export class Agent {
  readonly consent: ConsentGate;
  readonly verifier: TicketVerifier;
  readonly capture: CaptureHub;
  readonly signalling: SignallingClient;
  readonly sessions = new Map<string, AgentSession>();
  private readonly pendingConsent = new Map<string, AbortController>();
  private readonly iceServers = new Map<string, RTCSignalIce>();
  private readonly rtc = new Map<string, RtcTransport>();
  /** LAN audit events that wait for the relay connection. */
  private readonly lanReports: { sessionId: string; event: 'accepted' | 'denied' | 'ended'; reason?: string }[] = [];
  private lastFacts: Facts | undefined;
  private factsTimer: NodeJS.Timeout | undefined;
  private lanPorts: AgentStatus['lanPorts'];
  private stopped = false;
  private releaseWebRtc: (() => void) | undefined;

  constructor(
    readonly cfg: AgentConfig,
    readonly backend: DesktopBackend,
    readonly log: Logger,
    private readonly opts: AgentOptions = {},
  ) {
    this.consent = new ConsentGate(backend, log.child({ module: 'consent' }), cfg.consent);
    this.verifier = new TicketVerifier(cfg.ticketPublicKey, cfg.deviceId);
    this.capture = new CaptureHub(backend, log.child({ module: 'capture' }));
    this.signalling = new SignallingClient({
      server: cfg.server,
      serverFingerprint: cfg.serverFingerprint,
      serverCertPem: cfg.serverCertPem,
      deviceToken: cfg.deviceToken,
      log: log.child({ module: 'signalling' }),
      backoff: opts.backoff,
      hello: async () => {
        const facts = await this.facts();
        this.lastFacts = facts;
        return { ...facts, activeSessions: this.activeInternetSessions() };
      },
      handlers: this.handlers,
      onOnline: (online) => {
        if (online) this.flushLanReports();
        this.publishStatus();
      },
      onRevoked: () => this.log.error('this device was revoked; re-enroll to use it again'),
    });
  }

  async start(): Promise<void> {
    this.releaseWebRtc = this.opts.webrtc?.prepare?.(this.log.child({ module: 'webrtc' }));
    if (this.opts.lan) this.lanPorts = await this.opts.lan.start(this);
    this.signalling.start();
    this.factsTimer = setInterval(() => void this.reportChanges(), this.cfg.factsIntervalSeconds * 1000);
    this.factsTimer.unref();
    this.publishStatus();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.factsTimer);
    for (const c of this.pendingConsent.values()) c.abort();
    for (const s of [...this.sessions.values()]) this.endSession(s.id, 'agent stopping', true);
    await this.opts.lan?.close();
    await this.signalling.stop();
    this.capture.closeAll();
    this.releaseWebRtc?.();
  }

  status(): AgentStatus {
    return {
      online: this.signalling.online,
      deviceId: this.cfg.deviceId,
      server: this.cfg.server,
      policy: this.consent.effective,
      sessions: [...this.sessions.values()].map((s) => ({
        id: s.id,
        mode: s.info.mode,
        transport: s.info.transport,
        operator: s.info.operator,
        since: new Date(s.startedAt).toISOString(),
      })),
      lanPorts: this.lanPorts,
    };
  }

  /** Re-reads facts and sends a `report` with what changed (also called on backend change events). */
  async reportChanges(): Promise<void> {
    if (!this.signalling.online || !this.lastFacts) return;
    let next: Facts;
    try {
      next = await this.facts();
    } catch (err) {
      this.log.error({ err }, 'could not gather facts');
      return;
    }
    const change = diffFacts(this.lastFacts, next);
    if (!change) return;
    if (this.signalling.send({ type: 'report', ...change })) {
      this.lastFacts = next;
      this.log.info({ fields: Object.keys(change) }, 'reported changed facts');
    }
  }

  /** Registers an accepted session (internet or LAN) and shows the indicator. */
  addSession(info: SessionInfo): AgentSession {
    const s = new AgentSession(
      info,
      this.backend,
      this.log.child({ sessionId: info.id }),
      (u) => this.capture.inputHint(u),
      () => this.updateIndicator(),
    );
    this.sessions.set(info.id, s);
    this.updateIndicator();
    this.publishStatus();
    return s;
  }

  /** Ends a session locally; `tellRelay` when the end starts here (not when the relay told us). */
  endSession(id: string, reason: string, tellRelay: boolean): void {
    const s = this.sessions.get(id);
    if (!s || s.ended) return;
    s.dispose();
    this.sessions.delete(id);
    this.rtc.delete(id);
    this.iceServers.delete(id);
    s.transport?.close(reason);
    if (tellRelay) {
      if (s.info.transport === 'lan') this.reportLan(id, 'ended', reason);
      else this.signalling.send({ type: 'session.end', sessionId: id, reason: reason.slice(0, 256) });
    }
    s.log.info({ reason, refused: s.refused, seconds: Math.round((Date.now() - s.startedAt) / 1000) }, 'session ended');
    this.updateIndicator();
    this.publishStatus();
  }

  /** LAN sessions are consented here; the relay only audits them, when it can be reached. */
  reportLan(sessionId: string, event: 'accepted' | 'denied' | 'ended', reason?: string): void {
    const m = { sessionId, event, ...(reason ? { reason: reason.slice(0, 256) } : {}) };
    if (this.signalling.send({ type: 'session.report', ...m })) return;
    if (this.lanReports.length >= 256) this.lanReports.shift();
    this.lanReports.push(m);
  }

  private flushLanReports() {
    for (const m of this.lanReports.splice(0)) this.signalling.send({ type: 'session.report', ...m });
  }

  private facts(): Promise<Facts> {
    return gatherFacts({
      version: AGENT_VERSION,
      hostname: this.cfg.hostname,
      os: osName(),
      certFingerprint: this.cfg.cert.fingerprint,
      lanPorts: this.lanPorts,
      backend: this.backend,
      ...(this.cfg.lan.advertise ? { addresses: () => this.cfg.lan.advertise ?? [] } : {}),
    });
  }

  /** Internet sessions the agent still carries: the relay re-binds them after a signalling outage. */
  private activeInternetSessions(): string[] {
    return [...this.sessions.values()].filter((s) => s.info.transport === 'internet').map((s) => s.id);
  }

  private updateIndicator() {
    if (!this.consent.policy.showIndicator) return this.backend.showIndicator([]);
    this.backend.showIndicator(
      [...this.sessions.values()].map((s) => ({
        sessionId: s.id,
        operator: s.info.operator,
        mode: s.info.mode,
        userSession: s.info.userSession,
      })),
    );
  }

  private publishStatus() {
    this.opts.onStatus?.(this.status());
  }

  private readonly handlers: ServerHandlers = {
    welcome: (m) => {
      this.consent.setPolicy(m.policy);
      this.updateIndicator();
    },
    policy: (m) => {
      this.consent.setPolicy(m.policy);
      this.updateIndicator();
    },
    'session.request': (m) =>
      void this.onSessionRequest(m).catch((err) => {
        // A bug or a backend failure while deciding: the request is refused, never left hanging.
        this.log.error({ err, sessionId: m.sessionId }, 'session request failed');
        this.pendingConsent.delete(m.sessionId);
        if (!this.sessions.has(m.sessionId))
          this.signalling.send({ type: 'session.deny', sessionId: m.sessionId, reason: 'busy' });
      }),
    signal: (m) => this.onSignal(m.sessionId, m.payload),
    'session.ended': (m) => {
      this.pendingConsent.get(m.sessionId)?.abort();
      this.endSession(m.sessionId, m.reason, false);
    },
    error: (m) => this.log.warn({ code: m.code, message: m.message, ref: m.ref }, 'relay error'),
    shutdown: (m) => this.log.info({ reason: m.reason, reconnectAfterMs: m.reconnectAfterMs }, 'relay shutting down'),
  };

  private async onSessionRequest(m: Extract<ServerAgentMessage, { type: 'session.request' }>) {
    const log = this.log.child({ sessionId: m.sessionId });
    log.debug('session request');
    if (this.sessions.has(m.sessionId) || this.pendingConsent.has(m.sessionId)) {
      log.warn('duplicate session request ignored');
      return;
    }
    const deny = (reason: DenyReason) => {
      this.signalling.send({ type: 'session.deny', sessionId: m.sessionId, reason });
      log.info({ reason }, 'session denied');
    };
    const t = this.verifier.verify(m.ticket, { sessionId: m.sessionId, transport: 'internet' });
    if (!t.ok || t.claims.mode !== m.mode) {
      log.warn({ reason: t.ok ? 'mode differs from the ticket' : t.reason }, 'invalid ticket');
      return deny('invalid-ticket');
    }
    const ctl = new AbortController();
    this.pendingConsent.set(m.sessionId, ctl);
    // Answer a little before the relay's own timer so the console sees our consent-timeout.
    const margin = Math.min(0.5, m.consentTimeoutSeconds * 0.1);
    const outcome = await this.consent.decide(
      { sessionId: m.sessionId, operator: t.claims.name, mode: t.claims.mode, transport: 'internet' },
      Math.max(0.05, m.consentTimeoutSeconds - margin),
      ctl.signal,
    );
    this.pendingConsent.delete(m.sessionId);
    if (ctl.signal.aborted || this.stopped) return log.info('request withdrawn while asking');
    if (!outcome.ok) return deny(outcome.reason);
    this.iceServers.set(m.sessionId, m.iceServers);
    this.addSession({
      id: m.sessionId,
      mode: t.claims.mode,
      transport: 'internet',
      operator: t.claims.name,
      userSession: await this.defaultUserSession(),
    });
    this.signalling.send({ type: 'session.accept', sessionId: m.sessionId });
    log.info({ mode: t.claims.mode, operator: t.claims.name }, 'session accepted');
  }

  /** The user session a new session views first: the active one. */
  async defaultUserSession(): Promise<string> {
    const all = await this.backend.listSessions();
    return (all.find((s) => s.active && s.supported) ?? all.find((s) => s.supported) ?? all[0])?.id ?? '';
  }

  private onSignal(sessionId: string, payload: RTCSignal) {
    const s = this.sessions.get(sessionId);
    if (s?.info.transport !== 'internet') {
      this.log.warn({ sessionId }, 'signal for an unknown session ignored');
      return;
    }
    let t = this.rtc.get(sessionId);
    if (!t) {
      if (payload.kind !== 'offer') return s.log.debug({ kind: payload.kind }, 'signal before the offer ignored');
      if (!this.opts.webrtc) {
        s.log.error('no WebRTC transport in this build; ending the session');
        return this.endSession(sessionId, 'webrtc unavailable', true);
      }
      s.log.debug('creating the WebRTC transport');
      try {
        t = this.opts.webrtc(s, {
          iceServers: this.iceServers.get(sessionId) ?? [],
          iceTransportPolicy: this.cfg.iceTransportPolicy ?? 'all',
          signal: (p) => this.signalling.send({ type: 'signal', sessionId, payload: p }),
          capture: this.capture,
        });
      } catch (err) {
        s.log.error({ err }, 'could not create the WebRTC transport');
        return this.endSession(sessionId, 'webrtc failed', true);
      }
      s.log.debug('WebRTC transport created');
      this.rtc.set(sessionId, t);
      s.transport = t;
      t.on('closed', (reason) => this.endSession(sessionId, reason, true));
    }
    t.handleSignal(payload);
  }
}

type RTCSignalIce = Extract<ServerAgentMessage, { type: 'session.request' }>['iceServers'];
