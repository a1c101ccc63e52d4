// The relay's HTTP API v1 as rc-console uses it, over HTTPS with the pinned certificate. Every
// failure becomes a CliError with the exit code the user's script can act on.
import https from 'node:https';
import type { DeviceSummary, LoginReply, SessionCreateReply, SessionMode } from '@rc-relay/protocol';
import { CliError, fromApiError } from './errors';
import { PIN_MISMATCH, type RelayPin, relayTlsOptions } from './relay-tls';

const REQUEST_TIMEOUT_MS = 15_000;

export type LanTicket = NonNullable<SessionCreateReply['lan']>;

export class RelayApi {
  constructor(
    readonly server: string,
    private readonly pin: RelayPin,
    private readonly token?: string,
  ) {}

  login(username: string, password: string, totp?: string): Promise<LoginReply> {
    return this.call<LoginReply>('POST', '/api/v1/auth/login', { username, password, ...(totp ? { totp } : {}) });
  }

  devices(): Promise<DeviceSummary[]> {
    return this.call<DeviceSummary[]>('GET', '/api/v1/devices');
  }

  /** A device by id, or by host name (case-insensitive; ambiguous names are refused). */
  async device(ref: string): Promise<DeviceSummary> {
    const all = await this.devices();
    const byId = all.find((d) => d.id === ref);
    if (byId) return byId;
    const named = all.filter((d) => d.hostname.toLowerCase() === ref.toLowerCase());
    if (named.length === 1) return named[0]!;
    if (named.length > 1) {
      throw new CliError(
        'usage',
        `${named.length} devices are named ${ref}; use an id: ${named.map((d) => d.id).join(', ')}`,
      );
    }
    throw new CliError('not_found', `no device ${ref} (by id or host name) among the ${all.length} this login can see`);
  }

  lanSession(deviceId: string, mode: SessionMode): Promise<SessionCreateReply & { lan: LanTicket }> {
    return this.call('POST', '/api/v1/sessions', { deviceId, mode, transport: 'lan' });
  }

  internetSession(
    deviceId: string,
    mode: SessionMode,
  ): Promise<{ sessionId: string; iceServers?: { urls: string[]; username?: string; credential?: string }[] }> {
    return this.call('POST', '/api/v1/sessions', { deviceId, mode, transport: 'internet' });
  }

  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise<T>((resolve, reject) => {
      const req = https.request(
        `${this.server}${path}`,
        {
          method,
          agent: false,
          ...relayTlsOptions(this.pin),
          headers: {
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
            ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          },
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.on('error', (err) => reject(new CliError('unreachable', `the relay connection broke: ${err.message}`)));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            let parsed: unknown;
            try {
              parsed = JSON.parse(Buffer.concat(parts).toString('utf8'));
            } catch {
              parsed = undefined;
            }
            if (status >= 200 && status < 300) return resolve(parsed as T);
            const e = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
            reject(fromApiError(status, e?.code, e?.message));
          });
        },
      );
      req.setTimeout(REQUEST_TIMEOUT_MS, () =>
        req.destroy(
          new CliError('timeout', `the relay did not answer ${method} ${path} in ${REQUEST_TIMEOUT_MS / 1000} s`),
        ),
      );
      req.on('error', (err: Error & { code?: string }) => reject(networkError(err, this.server)));
      req.end(payload);
    });
  }
}

function networkError(err: Error & { code?: string }, server: string): CliError {
  if (err instanceof CliError) return err;
  if (err.code === PIN_MISMATCH) {
    return new CliError(
      'tls_pin',
      `${server} presented a different certificate than the one pinned at login; if the relay's certificate was ` +
        'replaced on purpose, log in again with --server to pin the new one',
    );
  }
  if (err.code?.startsWith('ERR_TLS') || err.code?.includes('CERT') || err.code === 'DEPTH_ZERO_SELF_SIGNED_CERT') {
    return new CliError('tls_pin', `the relay's certificate is not trusted (${err.code}); log in again to pin it`);
  }
  return new CliError('unreachable', `cannot reach the relay at ${server}: ${err.message}`);
}
