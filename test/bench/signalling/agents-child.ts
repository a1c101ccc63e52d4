// Simulated agents: many idle WebSockets in one process. Against the relay each says `hello`, waits
// for `welcome`, answers pings (ws does by default), accepts every session request and answers every
// offer. Against the floor server each only opens its socket.
import { createHash } from 'node:crypto';
import tls from 'node:tls';
import WebSocket from 'ws';
import { loopHandlers, serve } from './proc';

// A plausible answer SDP (~1.2 KB): the relay forwards it opaquely, its size is what matters.
const ANSWER_SDP = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'a=msid-semantic: WMS stream',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99',
  'c=IN IP4 0.0.0.0',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=ice-ufrag:benc',
  'a=ice-pwd:benchbenchbenchbenchbe',
  'a=ice-options:trickle',
  `a=fingerprint:sha-256 ${Array.from({ length: 32 }, () => 'AB').join(':')}`,
  'a=setup:active',
  'a=mid:0',
  'a=sendonly',
  'a=rtcp-mux',
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
  'a=ice-ufrag:benc',
  'a=ice-pwd:benchbenchbenchbenchbe',
  'a=mid:1',
  'a=sctp-port:5000',
  'a=max-message-size:262144',
  '',
].join('\r\n');

type Mode = 'relay' | 'floor';
let url = '';
let mode: Mode = 'relay';
let secureContext: tls.SecureContext | undefined;
const sockets = new Set<WebSocket>();
let seq = 0;
const nid = () => `a${(++seq).toString(36)}`;
const counters = { requests: 0, offers: 0, closedAfterOpen: 0, badMessages: 0 };

function onMessage(ws: WebSocket, data: WebSocket.RawData) {
  let m: { type?: string; sessionId?: string; payload?: { kind?: string } };
  try {
    m = JSON.parse(String(data));
  } catch {
    counters.badMessages++;
    return;
  }
  if (m.type === 'session.request') {
    counters.requests++;
    ws.send(JSON.stringify({ type: 'session.accept', id: nid(), sessionId: m.sessionId }));
  } else if (m.type === 'signal' && m.payload?.kind === 'offer') {
    counters.offers++;
    ws.send(
      JSON.stringify({
        type: 'signal',
        id: nid(),
        sessionId: m.sessionId,
        payload: { kind: 'answer', sdp: ANSWER_SDP },
      }),
    );
  }
}

/** One agent: resolves once it is usable (welcome received, or open for the floor). */
function openAgent(token: string, index: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const hostname = `bench-${index}`;
    const ws = new WebSocket(mode === 'relay' ? `${url}/ws/agent` : `${url}/`, {
      ...(secureContext ? { secureContext } : {}),
      ...(mode === 'relay' ? { headers: { authorization: `Bearer ${token}` } } : {}),
      perMessageDeflate: false,
      handshakeTimeout: timeoutMs,
    });
    let settled = false;
    const timer = setTimeout(() => settle(new Error('timeout')), timeoutMs);
    const settle = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        ws.terminate();
        reject(err);
      } else {
        sockets.add(ws);
        resolve();
      }
    };
    ws.on('open', () => {
      if (mode === 'floor') return settle();
      ws.send(
        JSON.stringify({
          type: 'hello',
          id: nid(),
          version: '0.1.0-bench',
          hostname,
          os: 'linux',
          sessions: [{ id: ':0', user: 'ann', kind: 'x11', active: true, supported: true }],
          monitors: [{ id: '0', name: 'VIRTUAL-1', x: 0, y: 0, width: 1920, height: 1080, primary: true }],
          lanAddresses: ['192.0.2.10'],
          certFingerprint: createHash('sha256').update(hostname).digest('hex'),
          activeSessions: [],
        }),
      );
    });
    ws.on('message', (data) => {
      if (!settled) {
        if (String(data).includes('"welcome"')) settle();
        return;
      }
      onMessage(ws, data);
    });
    ws.on('unexpected-response', (_req, res) => settle(new Error(`HTTP ${res.statusCode}`)));
    ws.on('error', (err) => settle(err));
    ws.on('close', (code) => {
      if (!settled) settle(new Error(`closed ${code} before welcome`));
      else if (sockets.delete(ws)) counters.closedAfterOpen++;
    });
  });
}

serve({
  init: (m) => {
    url = String(m.url);
    mode = m.mode as Mode;
    secureContext = typeof m.ca === 'string' ? tls.createSecureContext({ ca: m.ca }) : undefined;
    return {};
  },
  /** Opens agents for `tokens` with at most `concurrency` handshakes in flight. */
  connect: async (m) => {
    const tokens = m.tokens as string[];
    const firstIndex = m.firstIndex as number;
    const concurrency = (m.concurrency as number) ?? 64;
    const stopAfterFailures = (m.stopAfterFailures as number) ?? Number.POSITIVE_INFINITY;
    const errors: Record<string, number> = {};
    let ok = 0;
    let failed = 0;
    let next = 0;
    const t0 = performance.now();
    const worker = async () => {
      while (next < tokens.length && failed < stopAfterFailures) {
        const i = next++;
        try {
          await openAgent(tokens[i]!, firstIndex + i, 20_000);
          ok++;
        } catch (err) {
          failed++;
          const key = err instanceof Error ? err.message.replace(/\d+\.\d+\.\d+\.\d+:\d+/, 'addr') : String(err);
          errors[key] = (errors[key] ?? 0) + 1;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return { ok, failed, errors, ms: performance.now() - t0, open: sockets.size };
  },
  stats: () => ({ open: sockets.size, ...counters }),
  ...loopHandlers(),
});
process.send?.({ type: 'ready' });
