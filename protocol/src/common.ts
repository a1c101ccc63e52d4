// Schemas used by more than one message: identifiers, device facts, WebRTC signalling payloads.
import Type, { type Static } from 'typebox';

export const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' });
const ShortText = (maxLength = 256) => Type.String({ maxLength });

export const OsName = Type.Union([
  Type.Literal('linux'),
  Type.Literal('windows'),
  Type.Literal('macos'),
  Type.Literal('other'),
]);
export type OsName = Static<typeof OsName>;

/** A user session on the managed PC (an X display, a logind or Windows session). */
export const UserSession = Type.Object(
  {
    id: ShortText(128),
    user: ShortText(128),
    kind: Type.Union([Type.Literal('x11'), Type.Literal('wayland'), Type.Literal('console'), Type.Literal('other')]),
    active: Type.Boolean(),
    supported: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type UserSession = Static<typeof UserSession>;

export const Monitor = Type.Object(
  {
    id: ShortText(64),
    name: ShortText(128),
    x: Type.Integer({ minimum: -65536, maximum: 65536 }),
    y: Type.Integer({ minimum: -65536, maximum: 65536 }),
    width: Type.Integer({ minimum: 1, maximum: 65536 }),
    height: Type.Integer({ minimum: 1, maximum: 65536 }),
    primary: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type Monitor = Static<typeof Monitor>;

/** SHA-256 of the agent's TLS certificate (DER), as 64 hex digits. */
export const CertFingerprint = Type.String({ pattern: '^[0-9a-f]{64}$' });

export const LanAddress = Type.String({ minLength: 2, maxLength: 64, pattern: '^[0-9A-Fa-f.:]+$' });

export const ConsentPolicy = Type.Union([Type.Literal('auto-accept'), Type.Literal('ask'), Type.Literal('deny')]);
export type ConsentPolicy = Static<typeof ConsentPolicy>;

export const SessionMode = Type.Union([Type.Literal('view'), Type.Literal('control')]);
export type SessionMode = Static<typeof SessionMode>;
export const SessionTransport = Type.Union([Type.Literal('internet'), Type.Literal('lan')]);
export type SessionTransport = Static<typeof SessionTransport>;

/** What the relay knows of a device, as consoles see it. */
export const DeviceSummary = Type.Object({
  id: Id,
  hostname: ShortText(),
  os: OsName,
  group: ShortText(),
  online: Type.Boolean(),
  lastSeen: Type.Union([Type.String(), Type.Null()]),
  agentVersion: Type.Union([Type.String(), Type.Null()]),
  sessions: Type.Array(UserSession),
  monitors: Type.Array(Monitor),
});
export type DeviceSummary = Static<typeof DeviceSummary>;

export const IceServer = Type.Object({
  urls: Type.Array(Type.String({ maxLength: 512 }), { minItems: 1, maxItems: 8 }),
  username: Type.Optional(Type.String({ maxLength: 256 })),
  credential: Type.Optional(Type.String({ maxLength: 256 })),
});
export type IceServer = Static<typeof IceServer>;

/** WebRTC signalling relayed verbatim between the two ends of a session. */
export const SignalPayload = Type.Union([
  Type.Object(
    { kind: Type.Literal('offer'), sdp: Type.String({ maxLength: 48 * 1024 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('answer'), sdp: Type.String({ maxLength: 48 * 1024 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('candidate'),
      candidate: Type.String({ maxLength: 1024 }),
      sdpMid: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
      sdpMLineIndex: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 64 }), Type.Null()])),
    },
    { additionalProperties: false },
  ),
  Type.Object({ kind: Type.Literal('end-of-candidates') }, { additionalProperties: false }),
]);
export type SignalPayload = Static<typeof SignalPayload>;

export const ErrorMessageFields = {
  code: Type.String({ maxLength: 64 }),
  message: Type.String({ maxLength: 1024 }),
  ref: Type.Optional(Type.String({ maxLength: 64 })),
};
