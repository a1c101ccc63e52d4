// Agent ⇄ relay signalling messages (DESIGN.md flows 1–4).
import Type, { type Static } from 'typebox';
import {
  CertFingerprint,
  ConsentPolicy,
  ErrorMessageFields,
  IceServer,
  Id,
  LanAddress,
  Monitor,
  OsName,
  SessionMode,
  SessionTransport,
  SignalPayload,
  UserSession,
} from './common';
import { message } from './message';

const Port = Type.Integer({ minimum: 1, maximum: 65535 });

export const LanPorts = Type.Object({ connect: Port, screen: Port, sessions: Port }, { additionalProperties: false });

const DeviceFacts = {
  version: Type.String({ maxLength: 64 }),
  hostname: Type.String({ minLength: 1, maxLength: 255 }),
  os: OsName,
  sessions: Type.Array(UserSession, { maxItems: 64 }),
  monitors: Type.Array(Monitor, { maxItems: 32 }),
  lanAddresses: Type.Array(LanAddress, { maxItems: 32 }),
  lanPorts: Type.Optional(LanPorts),
  certFingerprint: CertFingerprint,
};

export const DenyReason = Type.Union([
  Type.Literal('user-denied'),
  Type.Literal('consent-timeout'),
  Type.Literal('policy'),
  Type.Literal('invalid-ticket'),
  Type.Literal('busy'),
]);
export type DenyReason = Static<typeof DenyReason>;

/** Messages an agent may send. */
export const AgentToServer = {
  /** First message after connecting: everything the relay shows about this PC. */
  hello: message('hello', {
    ...DeviceFacts,
    /** Sessions whose media is still up after a signalling outage; the relay re-binds them. */
    activeSessions: Type.Array(Id, { maxItems: 64 }),
  }),
  /** A change of any reported fact (a user logged on, a monitor was plugged in, an address changed). */
  report: message('report', {
    hostname: Type.Optional(DeviceFacts.hostname),
    sessions: Type.Optional(DeviceFacts.sessions),
    monitors: Type.Optional(DeviceFacts.monitors),
    lanAddresses: Type.Optional(DeviceFacts.lanAddresses),
    lanPorts: Type.Optional(LanPorts),
    certFingerprint: Type.Optional(CertFingerprint),
  }),
  'session.accept': message('session.accept', { sessionId: Id }),
  'session.deny': message('session.deny', { sessionId: Id, reason: DenyReason }),
  signal: message('signal', { sessionId: Id, payload: SignalPayload }),
  'session.end': message('session.end', { sessionId: Id, reason: Type.Optional(Type.String({ maxLength: 256 })) }),
  /** LAN sessions are consented on the agent without the relay; it reports them so they are audited. */
  'session.report': message('session.report', {
    sessionId: Id,
    event: Type.Union([Type.Literal('accepted'), Type.Literal('denied'), Type.Literal('ended')]),
    reason: Type.Optional(Type.String({ maxLength: 256 })),
  }),
};

export const DevicePolicy = Type.Object(
  {
    consent: ConsentPolicy,
    consentTimeoutSeconds: Type.Number({ minimum: 0.1, maximum: 600 }),
    /** Show the device user that a session is active (off only for unattended kiosks). */
    showIndicator: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type DevicePolicy = Static<typeof DevicePolicy>;

/** Messages the relay sends to an agent. */
export const ServerToAgent = {
  welcome: message('welcome', {
    deviceId: Id,
    heartbeatSeconds: Type.Number(),
    policy: DevicePolicy,
    serverTime: Type.String(),
  }),
  policy: message('policy', { policy: DevicePolicy }),
  'session.request': message('session.request', {
    sessionId: Id,
    /** ES256 JWT signed by the relay; the agent verifies it before showing anything. */
    ticket: Type.String({ maxLength: 4096 }),
    operator: Type.Object({ id: Id, username: Type.String({ maxLength: 128 }) }),
    mode: SessionMode,
    transport: SessionTransport,
    iceServers: Type.Array(IceServer),
    consentTimeoutSeconds: Type.Number(),
  }),
  signal: message('signal', { sessionId: Id, payload: SignalPayload }),
  'session.ended': message('session.ended', { sessionId: Id, reason: Type.String({ maxLength: 256 }) }),
  error: message('error', ErrorMessageFields),
  shutdown: message('shutdown', { reason: Type.String(), reconnectAfterMs: Type.Integer({ minimum: 0 }) }),
};
