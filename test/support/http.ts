// A small HTTPS JSON client that trusts exactly the relay's (self-signed) certificate.
import https from 'node:https';

export interface HttpReply<T = unknown> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
}

export class Api {
  token: string | undefined;
  constructor(
    readonly base: string,
    readonly ca: string,
  ) {}

  request<T = any>(method: string, path: string, body?: unknown, token = this.token): Promise<HttpReply<T>> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = https.request(
        `${this.base}${path}`,
        {
          method,
          ca: this.ca,
          agent: false,
          headers: {
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.on('end', () => {
            const text = Buffer.concat(parts).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              // not JSON (e.g. /metrics): the text itself is the body
            }
            resolve({ status: res.statusCode ?? 0, body: parsed as T, headers: res.headers });
          });
        },
      );
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  get<T = any>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T = any>(path: string, body?: unknown) {
    return this.request<T>('POST', path, body ?? {});
  }
  patch<T = any>(path: string, body: unknown) {
    return this.request<T>('PATCH', path, body);
  }
  delete<T = any>(path: string) {
    return this.request<T>('DELETE', path);
  }

  async login(username: string, password: string, totp?: string): Promise<this> {
    const r = await this.post<{ token: string }>('/api/v1/auth/login', {
      username,
      password,
      ...(totp ? { totp } : {}),
    });
    if (r.status !== 200) throw new Error(`login ${username} failed: ${r.status} ${JSON.stringify(r.body)}`);
    this.token = r.body.token;
    return this;
  }

  /** One unlabelled counter or gauge from the relay's /metrics (NaN when it is not there). */
  async metric(name: string): Promise<number> {
    const m = (await this.get('/metrics')).body as string;
    return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(m)?.[1] ?? Number.NaN);
  }
}
