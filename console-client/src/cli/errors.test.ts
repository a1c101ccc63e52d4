import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, FrameErrorCode } from '@rc-relay/protocol';
import { describe, expect, it } from 'vitest';
import { CliError, ExitCode, fromApiError, fromFrameError } from './errors';

describe('rc-console exit codes', () => {
  it('are distinct and all listed in the README', () => {
    const codes = Object.values(ExitCode);
    expect(new Set(codes).size).toBe(codes.length);
    const readme = readFileSync(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## rc-console'));
    for (const [name, code] of Object.entries(ExitCode)) expect(section, name).toMatch(new RegExp(`\\b${code} \\w`));
  });

  it.each([
    ['unauthorized', 'auth', /expired .*login` again/],
    ['invalid_credentials', 'auth', /wrong username or password/],
    ['totp_required', 'auth', /--totp/],
    ['not_found', 'not_found', /not found/],
    ['device_offline', 'offline', /offline/],
    ['mode_not_allowed', 'denied', /not allowed/],
    ['lan_unavailable', 'unreachable', /LAN/],
    ['internal', 'remote', /500 internal/],
  ] as const)('relay %s → %s', (code, kind, text) => {
    const e = fromApiError(code === 'internal' ? 500 : 400, code, 'detail');
    expect(e.kind).toBe(kind);
    expect(e.message).toMatch(text);
  });

  it('every relay and agent error code gives a CliError with a message', () => {
    for (const code of Object.keys(ErrorCodes)) expect(fromApiError(400, code, 'm')).toBeInstanceOf(CliError);
    for (const code of Object.keys(FrameErrorCode)) expect(fromFrameError(code, 'm').message).not.toBe('');
    expect(fromFrameError('denied', 'policy').kind).toBe('denied');
    expect(fromFrameError('consent_timeout', '').kind).toBe('timeout');
    expect(fromFrameError('view_only', '').kind).toBe('denied');
  });
});
