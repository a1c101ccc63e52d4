// Offline verification of session tickets (ES256 JWTs the relay signs), in both modes, before the
// device user is asked anything. The algorithm is pinned so no other kind of token can pass.
import {
  checkTicketClaims,
  type SessionTransport,
  TICKET_ALGORITHM,
  type TicketClaims,
  TOKEN_ISSUER,
} from '@rc-relay/protocol';
import jwt from 'jsonwebtoken';

export type TicketCheck = { ok: true; claims: TicketClaims } | { ok: false; reason: string };

export interface TicketExpectation {
  /** The session the relay asked about; absent for LAN, where the ticket names it. */
  sessionId?: string;
  transport: SessionTransport;
}

export class TicketVerifier {
  constructor(
    private readonly publicKeyPem: string,
    private readonly deviceId: string,
    private readonly clockToleranceSeconds = 5,
  ) {}

  verify(ticket: string, expect: TicketExpectation): TicketCheck {
    let payload: unknown;
    try {
      payload = jwt.verify(ticket, this.publicKeyPem, {
        algorithms: [TICKET_ALGORITHM],
        issuer: TOKEN_ISSUER,
        audience: this.deviceId,
        clockTolerance: this.clockToleranceSeconds,
      });
    } catch (err) {
      // jsonwebtoken's messages ("jwt expired", "invalid signature", "jwt audience invalid…") name
      // the failed check without echoing the token.
      return { ok: false, reason: (err as Error).message };
    }
    if (!checkTicketClaims.Check(payload)) return { ok: false, reason: 'claims fail their schema' };
    const claims = payload as TicketClaims;
    if (expect.sessionId !== undefined && claims.sid !== expect.sessionId) {
      return { ok: false, reason: 'ticket is for another session' };
    }
    if (claims.transport !== expect.transport) return { ok: false, reason: `ticket is not for ${expect.transport}` };
    return { ok: true, claims };
  }
}
