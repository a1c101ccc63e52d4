// Every error code that crosses the wire (WebSocket `error` messages and HTTP error bodies).
// Each entry documents when it is sent; errors.test.ts fails when one is undocumented.

export const ErrorCodes = {
  bad_json: { http: 400, doc: 'The frame is not valid UTF-8 JSON.' },
  bad_message: { http: 400, doc: 'The message is not an object with a string `type` and `id`.' },
  unknown_type: { http: 400, doc: 'The message `type` is not one this endpoint accepts.' },
  invalid_fields: { http: 400, doc: 'A field is missing, has the wrong type, or is out of range; `message` names it.' },
  bad_request: { http: 400, doc: 'The HTTP request body, query or parameters fail their schema.' },
  unauthorized: { http: 401, doc: 'No credential, or the credential (JWT, device token) is invalid or expired.' },
  invalid_credentials: { http: 401, doc: 'Wrong username or password at login, or a wrong current password.' },
  totp_required: { http: 401, doc: 'The operator has TOTP enabled and the login carried no code.' },
  totp_invalid: { http: 401, doc: 'The TOTP code is wrong or outside the allowed time window.' },
  forbidden: { http: 403, doc: "The caller's role does not allow this call." },
  device_revoked: { http: 403, doc: 'The device was revoked; its credential no longer works.' },
  not_found: { http: 404, doc: 'The resource does not exist or is outside the caller’s device-group scope.' },
  conflict: { http: 409, doc: 'The resource already exists (e.g. a username or group name).' },
  enrollment_token_invalid: { http: 403, doc: 'The enrollment token is unknown, expired, revoked or used up.' },
  device_offline: { http: 409, doc: 'The device has no live connection to the relay, so it cannot be asked.' },
  session_not_found: {
    http: 404,
    doc: 'No session with that id belongs to this connection; also sent for sessions of others, so ids are not probed.',
  },
  session_not_active: { http: 409, doc: 'The session is not accepted yet, or has ended; signalling is refused.' },
  session_already_attached: { http: 409, doc: 'Another console connection already carries this session.' },
  mode_not_allowed: { http: 403, doc: 'The role may not open this mode (viewers may only view).' },
  lan_unavailable: { http: 409, doc: 'The device has not reported LAN addresses and a certificate fingerprint.' },
  rate_limited: { http: 429, doc: 'Too many attempts; retry after the number of seconds in `Retry-After`.' },
  shutting_down: { http: 503, doc: 'The relay is stopping; reconnect after the announced delay.' },
  internal: { http: 500, doc: 'A bug on the relay; the request was not carried out. Logged with its id.' },
} as const satisfies Record<string, { http: number; doc: string }>;

export type ErrorCode = keyof typeof ErrorCodes;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ErrorCodes, code);
}
