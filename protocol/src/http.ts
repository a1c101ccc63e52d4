// HTTP API v1 bodies and replies (DESIGN.md "HTTP API"): the relay's routes use these schemas
// for validation and the clients use their types.
import Type, { type Static } from 'typebox';
import {
  CertFingerprint,
  ConsentPolicy,
  DeviceSummary,
  IceServer,
  Id,
  LanAddress,
  OsName,
  SessionMode,
  SessionTransport,
} from './common';

const strict = { additionalProperties: false } as const;
export const Role = Type.Union([Type.Literal('admin'), Type.Literal('operator'), Type.Literal('viewer')]);
export type Role = Static<typeof Role>;

export const Username = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.@-]+$' });
export const Password = Type.String({ minLength: 1, maxLength: 1024 });

export const ErrorBody = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) });
export type ErrorBody = Static<typeof ErrorBody>;

export const LoginBody = Type.Object(
  { username: Type.String({ maxLength: 64 }), password: Password, totp: Type.Optional(Type.String({ maxLength: 16 })) },
  strict,
);
export const LoginReply = Type.Object({ token: Type.String(), expiresIn: Type.Integer() });
export type LoginReply = Static<typeof LoginReply>;

export const TotpSetupReply = Type.Object({ secret: Type.String(), otpauthUrl: Type.String() });
export const TotpCodeBody = Type.Object({ code: Type.String({ maxLength: 16 }) }, strict);
/** An operator's own password change: the current one proves it is them, not a stolen token. */
export const PasswordChangeBody = Type.Object(
  { currentPassword: Password, newPassword: Type.String({ minLength: 10, maxLength: 1024 }) },
  strict,
);

export const OperatorView = Type.Object({
  id: Id,
  username: Type.String(),
  role: Role,
  groups: Type.Array(Type.String()),
  totpEnabled: Type.Boolean(),
  disabled: Type.Boolean(),
  createdAt: Type.String(),
});
export type OperatorView = Static<typeof OperatorView>;

export const OperatorCreateBody = Type.Object(
  {
    username: Username,
    password: Type.String({ minLength: 10, maxLength: 1024 }),
    role: Role,
    groups: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 256 })),
  },
  strict,
);
export const OperatorPatchBody = Type.Object(
  {
    password: Type.Optional(Type.String({ minLength: 10, maxLength: 1024 })),
    role: Type.Optional(Role),
    groups: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 256 })),
    disabled: Type.Optional(Type.Boolean()),
    /** false: the operator's two-step login is turned off (a lost authenticator); they may set it up again. */
    totp: Type.Optional(Type.Literal(false)),
  },
  strict,
);

export const GroupName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9 _.-]+$' });
export const GroupView = Type.Object({
  id: Id,
  name: Type.String(),
  consent: ConsentPolicy,
  /** null: the relay's default (RC_CONSENT_TIMEOUT_SECONDS). */
  consentTimeoutSeconds: Type.Union([Type.Number(), Type.Null()]),
  showIndicator: Type.Boolean(),
});
export type GroupView = Static<typeof GroupView>;
export const GroupCreateBody = Type.Object(
  {
    name: GroupName,
    consent: Type.Optional(ConsentPolicy),
    consentTimeoutSeconds: Type.Optional(Type.Union([Type.Number({ minimum: 1, maximum: 600 }), Type.Null()])),
    showIndicator: Type.Optional(Type.Boolean()),
  },
  strict,
);
export const GroupPatchBody = Type.Object(
  {
    name: Type.Optional(GroupName),
    consent: Type.Optional(ConsentPolicy),
    consentTimeoutSeconds: Type.Optional(Type.Union([Type.Number({ minimum: 1, maximum: 600 }), Type.Null()])),
    showIndicator: Type.Optional(Type.Boolean()),
  },
  strict,
);

export const EnrollmentTokenBody = Type.Object(
  {
    group: Type.Optional(Type.String({ maxLength: 64 })),
    /** Seconds until the token expires (default one day, at most 30 days). */
    expiresIn: Type.Optional(Type.Integer({ minimum: 60, maximum: 30 * 86400 })),
    maxUses: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })),
  },
  strict,
);
export const EnrollmentTokenReply = Type.Object({ id: Id, token: Type.String(), expiresAt: Type.String() });
export type EnrollmentTokenReply = Static<typeof EnrollmentTokenReply>;
export const EnrollmentTokenView = Type.Object({
  id: Id,
  group: Type.String(),
  expiresAt: Type.String(),
  maxUses: Type.Integer(),
  uses: Type.Integer(),
  revoked: Type.Boolean(),
  createdBy: Type.String(),
});

export const EnrollBody = Type.Object(
  {
    enrollmentToken: Type.String({ minLength: 1, maxLength: 256 }),
    hostname: Type.String({ minLength: 1, maxLength: 255 }),
    os: OsName,
    certFingerprint: CertFingerprint,
  },
  strict,
);
export const EnrollReply = Type.Object({
  deviceId: Id,
  /** Shown once; the relay keeps only its hash. Sent as `Authorization: Bearer` on /ws/agent. */
  deviceToken: Type.String(),
  /** PEM (SPKI) of the relay's ES256 ticket-signing key. */
  ticketPublicKey: Type.String(),
});
export type EnrollReply = Static<typeof EnrollReply>;

export const DeviceQuery = Type.Object(
  {
    online: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
    os: Type.Optional(OsName),
    group: Type.Optional(Type.String({ maxLength: 64 })),
    q: Type.Optional(Type.String({ maxLength: 128 })),
  },
  strict,
);
export const DeviceView = Type.Object({
  ...DeviceSummary.properties,
  enrolledAt: Type.String(),
  lanAddresses: Type.Array(LanAddress),
  certFingerprint: Type.String(),
});
export type DeviceView = Static<typeof DeviceView>;
export const DevicePatchBody = Type.Object({ group: Type.String({ maxLength: 64 }) }, strict);

export const SessionCreateBody = Type.Object({ deviceId: Id, mode: SessionMode, transport: SessionTransport }, strict);
export const LanTicketInfo = Type.Object({
  ticket: Type.String(),
  addresses: Type.Array(LanAddress),
  ports: Type.Object({ connect: Type.Integer(), screen: Type.Integer(), sessions: Type.Integer() }),
  certFingerprint: CertFingerprint,
  expiresAt: Type.String(),
});
export const SessionCreateReply = Type.Object({
  sessionId: Id,
  state: Type.String(),
  iceServers: Type.Optional(Type.Array(IceServer)),
  lan: Type.Optional(LanTicketInfo),
});
export type SessionCreateReply = Static<typeof SessionCreateReply>;

export const SessionQuery = Type.Object(
  {
    deviceId: Type.Optional(Id),
    operator: Type.Optional(Type.String({ maxLength: 64 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  strict,
);
export const AuditEntry = Type.Object({
  sessionId: Id,
  operatorId: Type.String(),
  operator: Type.String(),
  deviceId: Type.String(),
  hostname: Type.String(),
  mode: SessionMode,
  transport: SessionTransport,
  outcome: Type.String(),
  reason: Type.Union([Type.String(), Type.Null()]),
  requestedAt: Type.String(),
  answeredAt: Type.Union([Type.String(), Type.Null()]),
  endedAt: Type.Union([Type.String(), Type.Null()]),
  endReason: Type.Union([Type.String(), Type.Null()]),
});
export type AuditEntry = Static<typeof AuditEntry>;
