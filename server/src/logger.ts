// pino with redaction: credentials, tokens, SDP and clipboard never reach a log line.
import pino, { type Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["sec-websocket-protocol"]',
  'password',
  '*.password',
  'token',
  '*.token',
  'deviceToken',
  '*.deviceToken',
  'enrollmentToken',
  '*.enrollmentToken',
  'ticket',
  '*.ticket',
  'credential',
  '*.credential',
  'secret',
  '*.secret',
  'totp',
  '*.totp',
  'sdp',
  '*.sdp',
  'payload',
  '*.payload',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { svc: 'rc-relay' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
