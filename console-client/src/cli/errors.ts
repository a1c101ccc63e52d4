// What can go wrong for an rc-console user, each with its own exit code so scripts can tell an
// expired login from an offline device from a refused certificate.

export const ExitCode = {
  ok: 0,
  /** A bug in rc-console; the stack is printed. */
  internal: 1,
  usage: 2,
  /** Not logged in, wrong password or TOTP, or the login expired. */
  auth: 3,
  /** No such device (or outside the operator's groups), or the user session does not exist. */
  not_found: 4,
  /** The device has no live connection to the relay. */
  offline: 5,
  /** The device user or its policy refused, or the role does not allow it (e.g. a viewer asking for control). */
  denied: 6,
  /** Nobody answered in time (consent, the agent, the relay). */
  timeout: 7,
  /** The relay or the device's LAN ports could not be reached. */
  unreachable: 8,
  /** The relay or the agent presented a certificate other than the pinned one. */
  tls_pin: 9,
  /** The relay or the agent answered with an error not covered above. */
  remote: 10,
} as const;
export type ExitCodeName = keyof typeof ExitCode;

export class CliError extends Error {
  constructor(
    readonly kind: ExitCodeName,
    message: string,
  ) {
    super(message);
  }

  get exitCode(): number {
    return ExitCode[this.kind];
  }
}

/** Maps a relay API error code (protocol/src/errors.ts) to what the CLI user is told. */
export function fromApiError(status: number, code: string | undefined, message: string | undefined): CliError {
  const detail = message ? `: ${message}` : '';
  switch (code) {
    case 'unauthorized':
      return new CliError('auth', 'the login expired or is not valid; run `rc-console login` again');
    case 'invalid_credentials':
      return new CliError('auth', 'wrong username or password');
    case 'totp_required':
      return new CliError('auth', 'this operator has two-factor login enabled; pass --totp CODE');
    case 'totp_invalid':
      return new CliError('auth', 'the TOTP code is wrong or expired');
    case 'rate_limited':
      return new CliError('auth', `too many login attempts; wait and try again${detail}`);
    case 'not_found':
      return new CliError('not_found', `not found${detail}`);
    case 'device_offline':
      return new CliError('offline', 'the device is offline (no connection to the relay)');
    case 'forbidden':
    case 'mode_not_allowed':
      return new CliError('denied', `not allowed for this operator${detail}`);
    case 'lan_unavailable':
      return new CliError('unreachable', `the device has no LAN addresses known to the relay${detail}`);
    default:
      return new CliError('remote', `the relay answered ${status} ${code ?? ''}${detail}`);
  }
}

/** Maps an agent's `error` frame code (FrameErrorCode) to the CLI's exit kinds. */
export function fromFrameError(code: string, message: string): CliError {
  switch (code) {
    case 'denied':
      return new CliError('denied', `the session was refused on the device (${message})`);
    case 'consent_timeout':
      return new CliError('timeout', 'the device user did not answer the consent request in time');
    case 'view_only':
      return new CliError('denied', `refused in a view-only session (${message})`);
    case 'not_found':
      return new CliError('not_found', `the device answered: ${message}`);
    case 'invalid_ticket':
      return new CliError('denied', `the agent refused the ticket (${message}); try again`);
    default:
      return new CliError('remote', `the agent answered ${code}: ${message}`);
  }
}
