// pino loggers: one root per process, child loggers per module with context in fields. Paths that
// could carry secrets are redacted as a second line of defence; code never logs them on purpose.
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

export function createLogger(level = 'info', dest?: DestinationStream): Logger {
  const opts = {
    level,
    base: { app: 'rc-agent' },
    // ISO times, as the relay logs them: one clock format when the two logs are read side by side.
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: ['deviceToken', 'ticket', 'token', 'key', 'enrollmentToken', '*.deviceToken', '*.ticket', '*.keyPem'],
  };
  return dest ? pino(opts, dest) : pino(opts);
}
