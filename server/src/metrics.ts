// Prometheus metrics on a registry per relay instance (tests run several relays in one process).
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

export class RelayMetrics {
  readonly registry = new Registry();
  readonly agentsConnected = new Gauge({
    name: 'rc_agents_connected',
    help: 'Agents with a live signalling socket.',
    registers: [this.registry],
  });
  readonly consolesConnected = new Gauge({
    name: 'rc_consoles_connected',
    help: 'Console signalling sockets.',
    registers: [this.registry],
  });
  readonly sessions = new Counter({
    name: 'rc_sessions_total',
    help: 'Sessions by outcome (requested, accepted, denied, timeout, cancelled, ended, lan_issued).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly sessionsActive = new Gauge({
    name: 'rc_sessions_active',
    help: 'Sessions pending or accepted right now.',
    registers: [this.registry],
  });
  readonly messages = new Counter({
    name: 'rc_signal_messages_total',
    help: 'Signalling messages received, by peer kind and type.',
    labelNames: ['peer', 'type'] as const,
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'rc_errors_total',
    help: 'Errors answered to clients, by code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly logins = new Counter({
    name: 'rc_logins_total',
    help: 'Login attempts by result.',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor(defaultMetrics = true) {
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }
}
