// Wire constants shared by relay, agent and console. Changing one is a protocol change.

/** Signalling WebSocket subprotocol; a bearer token may ride along as `bearer.<token>` (browsers cannot set headers). */
export const WS_SUBPROTOCOL = 'rc-relay.v1';
export const WS_BEARER_PREFIX = 'bearer.';

/** Largest signalling frame accepted; larger ones close the socket with 1009 (RFC 6455 §7.4.1). */
export const MAX_SIGNAL_FRAME_BYTES = 64 * 1024;

/** WebSocket close codes used by the relay (4000–4999 are application codes, RFC 6455 §7.4.2). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  tooBig: 1009,
  revoked: 4003,
  replaced: 4009,
  heartbeatTimeout: 4008,
} as const;

/** LAN mode: the agent's TCP ports (DESIGN.md "Modes and ports"). */
export const LAN_PORTS = { connect: 42189, screen: 42187, sessions: 42188 } as const;

export const DEFAULT_HEARTBEAT_SECONDS = 25;
export const DEFAULT_HEARTBEAT_MISSED = 2;
export const DEFAULT_CONSENT_TIMEOUT_SECONDS = 30;

/** JWT audiences and issuer: one issuer, one audience per kind of token so none is accepted as another. */
export const TOKEN_ISSUER = 'rc-relay';
export const OPERATOR_TOKEN_AUDIENCE = 'rc-relay:operator';
export const TICKET_ALGORITHM = 'ES256';
