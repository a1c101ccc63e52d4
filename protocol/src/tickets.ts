// Claims of the session ticket: an ES256 JWT the relay signs and the agent verifies offline
// (signature with the key from enrollment, audience = its device id, expiry, session id).
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { Id, SessionMode, SessionTransport } from './common';

export const TicketClaims = Type.Object({
  iss: Type.String(),
  /** The device id: a ticket for one device is refused by every other. */
  aud: Id,
  /** The operator's id. */
  sub: Id,
  /** The operator's username, shown to the device user when asking for consent. */
  name: Type.String({ maxLength: 128 }),
  sid: Id,
  mode: SessionMode,
  transport: SessionTransport,
  iat: Type.Integer(),
  exp: Type.Integer(),
});
export type TicketClaims = Static<typeof TicketClaims>;

export const checkTicketClaims = Compile(TicketClaims);
