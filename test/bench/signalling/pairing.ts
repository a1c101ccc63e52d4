// The console side of the pairing benchmark: a few operator consoles, HTTP/2 (TLS) or HTTP/1.1
// keep-alive (plain) for the API as a browser would use, and an open-loop schedule of pairings.
import http from 'node:http';
import http2 from 'node:http2';
import WebSocket from 'ws';

const OFFER_SDP = [
  'v=0',
  'o=- 8126571916123451234 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'a=extmap-allow-mixed',
  'a=msid-semantic: WMS',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99',
  'c=IN IP4 0.0.0.0',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=ice-ufrag:cons',
  'a=ice-pwd:consoleconsoleconsolec',
  'a=ice-options:trickle',
  `a=fingerprint:sha-256 ${Array.from({ length: 32 }, () => 'CD').join(':')}`,
  'a=setup:actpass',
  'a=mid:0',
  'a=recvonly',
  'a=rtcp-mux',
  'a=rtcp-rsize',
  'a=rtpmap:96 VP8/90000',
  'a=rtcp-fb:96 goog-remb',
  'a=rtcp-fb:96 transport-cc',
  'a=rtcp-fb:96 ccm fir',
  'a=rtcp-fb:96 nack',
  'a=rtcp-fb:96 nack pli',
  'a=rtpmap:97 rtx/90000',
  'a=fmtp:97 apt=96',
  'a=rtpmap:98 VP9/90000',
  'a=rtpmap:99 rtx/90000',
  'a=fmtp:99 apt=98',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'c=IN IP4 0.0.0.0',
  'a=ice-ufrag:cons',
  'a=ice-pwd:consoleconsoleconsolec',
  'a=mid:1',
  'a=sctp-port:5000',
  'a=max-message-size:262144',
  '',
].join('\r\n');

type Json = Record<string, any>;

/** The operator's HTTP API client: one HTTP/2 session over TLS, or keep-alive HTTP/1.1 without. */
export class ApiClient {
  token = '';
  private readonly h2: http2.ClientHttp2Session | undefined;
  private readonly agent: http.Agent | undefined;

  constructor(
    private readonly base: string,
    ca: string | null,
  ) {
    if (ca) {
      // Nagle off, as browsers have it: the request's HEADERS and DATA frames are separate writes.
      this.h2 = http2.connect(base, { ca }, (_session, socket) => socket.setNoDelay(true));
      this.h2.on('error', () => {});
    } else this.agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  }

  post(path: string, body: unknown): Promise<{ status: number; body: Json }> {
    const payload = Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': payload.length,
      ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
    };
    return new Promise((resolve, reject) => {
      const done = (status: number, parts: Buffer[]) => {
        const text = Buffer.concat(parts).toString('utf8');
        try {
          resolve({ status, body: text ? JSON.parse(text) : {} });
        } catch {
          resolve({ status, body: { text } });
        }
      };
      const parts: Buffer[] = [];
      if (this.h2) {
        const req = this.h2.request({ ':method': 'POST', ':path': path, ...headers });
        let status = 0;
        req.on('response', (h) => {
          status = Number(h[':status']);
        });
        req.on('data', (d: Buffer) => parts.push(d));
        req.on('end', () => done(status, parts));
        req.on('error', reject);
        req.end(payload);
        return;
      }
      const req = http.request(`${this.base}${path}`, { method: 'POST', agent: this.agent, headers }, (res) => {
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => done(res.statusCode ?? 0, parts));
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  close() {
    this.h2?.close();
    this.agent?.destroy();
  }
}

interface Pending {
  onMessage: (m: Json) => void;
}

/** One console socket; routes messages to the pairing that owns their session id. */
class ConsoleConn {
  ws!: WebSocket;
  readonly routes = new Map<string, Pending>();
  snapshotDevices = 0;
  snapshotBytes = 0;
  errors: Record<string, number> = {};
  private seq = 0;

  async connect(wsBase: string, ca: string | null, token: string): Promise<number> {
    const t0 = performance.now();
    this.ws = new WebSocket(`${wsBase}/ws/console`, ['rc-relay.v1', `bearer.${token}`], {
      ...(ca ? { ca } : {}),
      perMessageDeflate: false,
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('console: no presence.snapshot within 30 s')), 30_000);
      this.ws.on('message', (data) => {
        const text = String(data);
        const m = JSON.parse(text) as Json;
        if (m.type === 'presence.snapshot') {
          // Chunks until `more` is false: the console is ready once it has them all.
          this.snapshotDevices += m.devices.length;
          this.snapshotBytes += text.length;
          if (!m.more) {
            clearTimeout(timer);
            resolve();
          }
          return;
        }
        if (m.type === 'error') this.errors[m.code] = (this.errors[m.code] ?? 0) + 1;
        if (typeof m.sessionId === 'string') this.routes.get(m.sessionId)?.onMessage(m);
      });
      this.ws.once('error', reject);
    });
    return performance.now() - t0;
  }

  send(m: Json) {
    this.ws.send(JSON.stringify({ ...m, id: `c${(++this.seq).toString(36)}` }));
  }
}

export interface PairingResult {
  attempted: number;
  completed: number;
  failed: number;
  failures: Record<string, number>;
  /** ms from POST start to answer received. */
  total: number[];
  /** ms from POST start to the POST reply. */
  post: number[];
  /** ms from POST start to `session.state accepted` at the console. */
  accepted: number[];
  /** How late the client started pairings against the schedule (client-side saturation check). */
  maxStartLagMs: number;
  consoleConnectMs: number[];
  snapshotDevices: number;
  snapshotBytes: number;
  wallSeconds: number;
}

/** What the consoles need to log in and connect. */
export interface ConsolesOptions {
  base: string;
  ca: string | null;
  password: string;
  consoles: number;
}

/** The pairing schedule. */
export interface ScheduleOptions {
  deviceIds: string[];
  ratePerSecond: number;
  count: number;
}

/**
 * The consoles of the pairing benchmark: `connect` logs in and opens the consoles (each receives the
 * whole presence snapshot), `run` drives the open-loop schedule of pairings. Two steps, so that the
 * orchestrator starts its measurement windows between them.
 */
export class PairingConsoles {
  private api: ApiClient | undefined;
  private readonly consoles: ConsoleConn[] = [];
  private consoleConnectMs: number[] = [];

  async connect(opts: ConsolesOptions): Promise<void> {
    const api = new ApiClient(opts.base, opts.ca);
    this.api = api;
    const login = await api.post('/api/v1/auth/login', { username: 'admin', password: opts.password });
    if (login.status !== 200) throw new Error(`login: ${login.status} ${JSON.stringify(login.body)}`);
    api.token = login.body.token;
    const wsBase = opts.base.replace(/^http/, 'ws');
    for (let i = 0; i < opts.consoles; i++) {
      const c = new ConsoleConn();
      this.consoleConnectMs.push(await c.connect(wsBase, opts.ca, api.token));
      this.consoles.push(c);
    }
  }

  async run(opts: ScheduleOptions): Promise<PairingResult> {
    const { api, consoles } = this;
    if (!api || consoles.length === 0) throw new Error('run before connect');
    const r: PairingResult = {
      attempted: 0,
      completed: 0,
      failed: 0,
      failures: {},
      total: [],
      post: [],
      accepted: [],
      maxStartLagMs: 0,
      consoleConnectMs: this.consoleConnectMs,
      snapshotDevices: consoles[0]?.snapshotDevices ?? 0,
      snapshotBytes: consoles[0]?.snapshotBytes ?? 0,
      wallSeconds: 0,
    };
    const fail = (why: string) => {
      r.failed++;
      r.failures[why] = (r.failures[why] ?? 0) + 1;
    };

    const pairOnce = async (i: number): Promise<void> => {
      const c = consoles[i % consoles.length]!;
      const deviceId = opts.deviceIds[i % opts.deviceIds.length]!;
      const t0 = performance.now();
      const res = await api.post('/api/v1/sessions', { deviceId, mode: 'control', transport: 'internet' });
      const tPost = performance.now();
      if (res.status !== 201) return fail(`POST ${res.status} ${res.body?.error?.code ?? ''}`);
      const sessionId: string = res.body.sessionId;
      let tAccepted = 0;
      const answered = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(tAccepted ? 'no answer in 5 s' : 'no accept in 5 s')), 5000);
        c.routes.set(sessionId, {
          onMessage: (m) => {
            if (m.type === 'session.state' && m.state === 'accepted' && !tAccepted) {
              tAccepted = performance.now();
              c.send({ type: 'signal', sessionId, payload: { kind: 'offer', sdp: OFFER_SDP } });
            } else if (m.type === 'session.state' && m.state !== 'pending' && m.state !== 'accepted') {
              clearTimeout(timer);
              reject(new Error(`state ${m.state}`));
            } else if (m.type === 'signal' && m.payload?.kind === 'answer') {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
      c.send({ type: 'session.attach', sessionId });
      try {
        await answered;
      } catch (err) {
        c.routes.delete(sessionId);
        return fail((err as Error).message);
      }
      const tAnswer = performance.now();
      c.routes.delete(sessionId);
      c.send({ type: 'session.end', sessionId });
      r.completed++;
      r.total.push(tAnswer - t0);
      r.post.push(tPost - t0);
      r.accepted.push(tAccepted - t0);
    };

    // Open loop: pairing i starts at i / rate seconds whether or not earlier ones finished.
    const intervalMs = 1000 / opts.ratePerSecond;
    const inflight: Promise<void>[] = [];
    const start = performance.now();
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const now = performance.now();
        const due = Math.min(opts.count, Math.floor((now - start) / intervalMs) + 1);
        while (r.attempted < due) {
          const i = r.attempted++;
          r.maxStartLagMs = Math.max(r.maxStartLagMs, now - (start + i * intervalMs));
          inflight.push(pairOnce(i).catch((err: Error) => fail(err.message)));
        }
        if (r.attempted >= opts.count) {
          clearInterval(timer);
          resolve();
        }
      }, 1);
    });
    await Promise.all(inflight);
    r.wallSeconds = (performance.now() - start) / 1000;
    for (const c of consoles) for (const [k, v] of Object.entries(c.errors)) r.failures[`error ${k}`] = v;
    return r;
  }

  close() {
    for (const c of this.consoles) c.ws?.terminate();
    this.api?.close();
  }
}
