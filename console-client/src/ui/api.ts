// The relay's HTTP API (same origin), with the operator's JWT kept in sessionStorage so a reload
// keeps the login but closing the tab ends it.
import type { DeviceSummary, LoginReply } from '@rc-relay/protocol';

const TOKEN_KEY = 'rc-relay.token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * What to tell the operator about a failed call: the view's own wording for the error code, else
 * the relay's message; anything that is not an answer from the relay means it cannot be reached.
 */
export function errorText(err: unknown, messages: Record<string, string>): string {
  const code = err instanceof ApiError ? err.code : 'network';
  return messages[code] ?? (code === 'network' ? 'The relay cannot be reached.' : (err as Error).message);
}

export interface Me {
  id: string;
  username: string;
  role: 'admin' | 'operator' | 'viewer';
  totpEnabled: boolean;
}

export interface SessionReply {
  sessionId: string;
  iceServers?: RTCIceServer[];
}

export class Api {
  token: string | null = sessionStorage.getItem(TOKEN_KEY);
  /** Called when the relay says the credential is no longer good. */
  onUnauthorized: () => void = () => {};

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
        body: body === undefined ? null : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, 'network', 'The relay cannot be reached.');
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const e = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      const err = new ApiError(res.status, e?.code ?? 'http', e?.message ?? `HTTP ${res.status}`);
      // Only a token the relay no longer takes ends the login; a wrong password or TOTP code does not.
      if (res.status === 401 && err.code === 'unauthorized') this.onUnauthorized();
      throw err;
    }
    return parsed as T;
  }

  async login(username: string, password: string, totp?: string): Promise<void> {
    const r = await this.request<LoginReply>('POST', '/api/v1/auth/login', {
      username,
      password,
      ...(totp ? { totp } : {}),
    });
    this.token = r.token;
    sessionStorage.setItem(TOKEN_KEY, r.token);
  }

  logout(): void {
    this.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
  }

  me = () => this.request<Me>('GET', '/api/v1/me');
  changePassword = (currentPassword: string, newPassword: string) =>
    this.request<void>('POST', '/api/v1/auth/password', { currentPassword, newPassword });
  totpSetup = () => this.request<{ secret: string; otpauthUrl: string }>('POST', '/api/v1/auth/totp/setup');
  totpEnable = (code: string) => this.request<void>('POST', '/api/v1/auth/totp/enable', { code });
  totpDisable = (code: string) => this.request<void>('POST', '/api/v1/auth/totp/disable', { code });
  device = (id: string) => this.request<DeviceSummary>('GET', `/api/v1/devices/${encodeURIComponent(id)}`);
  openSession = (deviceId: string, mode: 'view' | 'control') =>
    this.request<SessionReply>('POST', '/api/v1/sessions', { deviceId, mode, transport: 'internet' });
}
