// Console ⇄ relay signalling messages. Sessions are created over HTTP (POST /api/v1/sessions);
// the console then attaches the session to its WebSocket to receive its state and signalling.
import Type from 'typebox';
import { DeviceSummary, ErrorMessageFields, Id, SignalPayload } from './common';
import { message } from './message';

export const ConsoleToServer = {
  /** Bind a session this operator created to this connection; also re-binds after a reconnect. */
  'session.attach': message('session.attach', { sessionId: Id }),
  signal: message('signal', { sessionId: Id, payload: SignalPayload }),
  'session.end': message('session.end', { sessionId: Id, reason: Type.Optional(Type.String({ maxLength: 256 })) }),
};

export const SessionState = Type.Union([
  Type.Literal('pending'),
  Type.Literal('accepted'),
  Type.Literal('denied'),
  Type.Literal('timeout'),
  Type.Literal('ended'),
]);

export const ServerToConsole = {
  welcome: message('welcome', {
    operator: Type.Object({ id: Id, username: Type.String(), role: Type.String() }),
    heartbeatSeconds: Type.Number(),
  }),
  /**
   * Every device in the operator's scope, after `welcome`, in chunks: `more` is true on all but the
   * last, so a large fleet does not stall the relay (or the browser) on one multi-megabyte frame.
   */
  'presence.snapshot': message('presence.snapshot', { devices: Type.Array(DeviceSummary), more: Type.Boolean() }),
  'presence.update': message('presence.update', { device: DeviceSummary }),
  /** The device left the operator's scope (revoked, deleted, moved to another group). */
  'presence.remove': message('presence.remove', { deviceId: Id }),
  'session.state': message('session.state', {
    sessionId: Id,
    state: SessionState,
    reason: Type.Optional(Type.String({ maxLength: 256 })),
  }),
  signal: message('signal', { sessionId: Id, payload: SignalPayload }),
  error: message('error', ErrorMessageFields),
  shutdown: message('shutdown', { reason: Type.String(), reconnectAfterMs: Type.Integer({ minimum: 0 }) }),
};
