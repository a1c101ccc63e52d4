// Operator JWTs (HS256 with a secret kept in the data dir) and session tickets (ES256, verified
// offline by agents with the public key they got at enrollment). Algorithms are pinned on both
// sign and verify so a token of one kind can never pass as the other.

import { createPrivateKey, createSecretKey, type KeyObject } from 'node:crypto';
import {
  OPERATOR_TOKEN_AUDIENCE,
  type SessionMode,
  type SessionTransport,
  TICKET_ALGORITHM,
  type TicketClaims,
  TOKEN_ISSUER,
} from '@rc-relay/protocol';
import jwt from 'jsonwebtoken';

export interface OperatorClaims {
  sub: string;
  name: string;
  role: string;
}

export class TokenService {
  // Key objects made once: given a Buffer or PEM, jsonwebtoken parses the key on every call
  // (measured: verify 463 → 10 µs, ES256 sign 669 → 61 µs).
  private readonly operatorKey: KeyObject;
  private readonly ticketKey: KeyObject;

  constructor(
    operatorSecret: Buffer,
    ticketPrivateKeyPem: string,
    readonly ticketPublicKeyPem: string,
    readonly operatorTtlSeconds: number,
  ) {
    this.operatorKey = createSecretKey(operatorSecret);
    this.ticketKey = createPrivateKey(ticketPrivateKeyPem);
  }

  signOperator(c: OperatorClaims): string {
    return jwt.sign({ name: c.name, role: c.role }, this.operatorKey, {
      algorithm: 'HS256',
      issuer: TOKEN_ISSUER,
      audience: OPERATOR_TOKEN_AUDIENCE,
      subject: c.sub,
      expiresIn: this.operatorTtlSeconds,
    });
  }

  /** Returns the claims, or undefined for anything wrong (bad signature, expired, other issuer/audience/alg). */
  verifyOperator(token: string): OperatorClaims | undefined {
    try {
      const p = jwt.verify(token, this.operatorKey, {
        algorithms: ['HS256'],
        issuer: TOKEN_ISSUER,
        audience: OPERATOR_TOKEN_AUDIENCE,
      });
      if (typeof p !== 'object' || typeof p.sub !== 'string') return undefined;
      return { sub: p.sub, name: String(p.name), role: String(p.role) };
    } catch {
      return undefined;
    }
  }

  signTicket(t: {
    deviceId: string;
    operatorId: string;
    operatorName: string;
    sessionId: string;
    mode: SessionMode;
    transport: SessionTransport;
    ttlSeconds: number;
  }): { ticket: string; expiresAt: Date } {
    const payload: Omit<TicketClaims, 'iss' | 'aud' | 'sub' | 'iat' | 'exp'> = {
      name: t.operatorName,
      sid: t.sessionId,
      mode: t.mode,
      transport: t.transport,
    };
    const ticket = jwt.sign(payload, this.ticketKey, {
      algorithm: TICKET_ALGORITHM,
      issuer: TOKEN_ISSUER,
      audience: t.deviceId,
      subject: t.operatorId,
      expiresIn: t.ttlSeconds,
    });
    return { ticket, expiresAt: new Date(Date.now() + t.ttlSeconds * 1000) };
  }
}
