// rc-console's own diagnostics: pino to stderr, quiet (warn) unless RC_LOG_LEVEL asks for more.
// Frames, clipboard text, tokens and tickets are never logged.
import pino, { type Logger } from 'pino';

export function createLogger(level = process.env.RC_LOG_LEVEL ?? 'warn'): Logger {
  return pino(
    {
      name: 'rc-console',
      level,
      redact: { paths: ['token', 'ticket', 'password', '*.token', '*.ticket'], censor: '[redacted]' },
    },
    pino.destination(2),
  );
}
