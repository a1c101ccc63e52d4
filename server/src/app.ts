// Builds the relay (store, keys, hub, HTTP routes, sockets) without listening; `listen()` binds the
// one TCP port (and the TURN UDP socket), `close()` drains. Tests build many relays in one process.
import type { AddressInfo } from 'node:net';
import websocket from '@fastify/websocket';
import { ErrorCodes, MAX_SIGNAL_FRAME_BYTES, WS_SUBPROTOCOL } from '@rc-relay/protocol';
import Fastify, { type FastifyError, type FastifyInstance, LogController } from 'fastify';
import { hashPassword, randomPassword } from './auth/passwords';
import { RateLimiter } from './auth/rate-limit';
import { TokenService } from './auth/tokens';
import type { RelayConfig } from './config';
import type { RelayContext } from './context';
import { ApiError } from './http/errors';
import { Presence } from './hub/presence';
import { SessionHub } from './hub/sessions';
import { loadKeyMaterial, loadTlsMaterial, type TlsMaterial } from './keys';
import { createLogger, type Logger } from './logger';
import { RelayMetrics } from './metrics';
import { createFrontListener, type StunStreamHandler } from './net/front';
import { authRoutes } from './routes/auth';
import { deviceRoutes } from './routes/devices';
import { enrollmentRoutes } from './routes/enrollment';
import { groupRoutes } from './routes/groups';
import { healthRoutes } from './routes/health';
import { operatorRoutes } from './routes/operators';
import { rootRoutes } from './routes/root';
import { sessionRoutes } from './routes/sessions';
import { socketRoutes } from './routes/sockets';
import { Store } from './store';
import { HeartbeatScheduler } from './ws/heartbeat';

/** What the relay embeds beside HTTP on its port (the TURN server, issue 3). */
export interface PortSharer {
  onStunStream?: StunStreamHandler;
  listenUdp?(port: number, host: string): Promise<void>;
  metricsText?(): string;
  close(): Promise<void>;
}

export interface RelayOptions {
  logger?: Logger;
  /** Built once the config and key material are known. */
  portSharer?: (ctx: RelayContext, tls: TlsMaterial | null) => Promise<PortSharer | undefined> | PortSharer | undefined;
}

export interface Relay {
  app: FastifyInstance;
  ctx: RelayContext;
  tls: TlsMaterial | null;
  /** Set when this start created the first admin with a generated password (shown once). */
  initialAdminPassword: string | null;
  listen(): Promise<{ port: number; url: string }>;
  close(reason?: string): Promise<void>;
}

async function ensureFirstAdmin(store: Store, configured: string | null, log: Logger): Promise<string | null> {
  if (store.operators.count() > 0) return null;
  const password = configured ?? randomPassword();
  store.operators.create({
    username: 'admin',
    passwordHash: await hashPassword(password),
    role: 'admin',
    groupIds: [],
  });
  log.info('created the first operator: admin');
  return configured ? null : password;
}

export async function buildRelay(config: RelayConfig, opts: RelayOptions = {}): Promise<Relay> {
  const log = opts.logger ?? createLogger(config.logLevel);
  const store = Store.open(config.dataDir, (reason) => log.warn({ reason }, 'WAL checkpoints run on the event loop'));
  const keys = loadKeyMaterial(config.dataDir, config.turnSecret);
  const tls = config.tls
    ? await loadTlsMaterial(config.dataDir, config.tlsCert, config.tlsKey, config.publicHost ? [config.publicHost] : [])
    : null;
  const initialAdminPassword = await ensureFirstAdmin(store, config.adminPassword, log);
  const metrics = new RelayMetrics();
  const tokens = new TokenService(
    keys.operatorJwtSecret,
    keys.ticketPrivateKeyPem,
    keys.ticketPublicKeyPem,
    config.operatorTokenTtlSeconds,
  );
  const presence = new Presence(store, metrics);
  const sessions = new SessionHub(store, presence, tokens, metrics, log.child({ mod: 'sessions' }), {
    consentTimeoutSeconds: config.consentTimeoutSeconds,
    graceSeconds: config.sessionGraceSeconds,
  });
  const restored = sessions.restore();
  if (restored > 0) log.info({ sessions: restored }, 'waiting for the peers of sessions open before the restart');
  let boundPort = config.port;
  let draining = false;
  const ctx: RelayContext = {
    config,
    store,
    tokens,
    presence,
    sessions,
    metrics,
    keys,
    log,
    limits: {
      loginByAddress: new RateLimiter(20, 60_000),
      loginByUser: new RateLimiter(5, 5 * 60_000),
      enrollByAddress: new RateLimiter(20, 60_000),
    },
    publicPort: () => boundPort,
    draining: () => draining,
  };
  const heartbeat = new HeartbeatScheduler(config.heartbeatSeconds, config.heartbeatMissed);

  const common = {
    loggerInstance: log,
    bodyLimit: MAX_SIGNAL_FRAME_BYTES,
    // Refuse unknown fields instead of silently dropping them (Fastify's default strips them).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array' as const, allErrors: false } },
    // Per-request lines at debug (onResponse below) instead of Fastify's two info lines per request.
    logController: new LogController({ disableRequestLogging: true }),
  };
  // HTTP/2 where the client offers it; HTTP/1.1 on the same TLS port for WebSocket upgrades.
  const app = (tls
    ? Fastify({ ...common, http2: true, https: { allowHTTP1: true, key: tls.key, cert: tls.cert } })
    : Fastify(common)) as unknown as FastifyInstance;

  app.addHook('onResponse', async (req, reply) => {
    req.log.debug({ method: req.method, url: req.url.split('?')[0], status: reply.statusCode }, 'request');
  });

  app.setErrorHandler((err: FastifyError | ApiError, req, reply) => {
    if (err instanceof ApiError) {
      metrics.errors.inc({ code: err.code });
      return reply
        .code(err.status)
        .headers(err.headers)
        .send({ error: { code: err.code, message: err.message } });
    }
    if ('validation' in err && err.validation) {
      metrics.errors.inc({ code: 'bad_request' });
      return reply.code(400).send({ error: { code: 'bad_request', message: err.message } });
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      metrics.errors.inc({ code: 'bad_request' });
      return reply.code(status).send({ error: { code: 'bad_request', message: err.message } });
    }
    metrics.errors.inc({ code: 'internal' });
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: { code: 'internal', message: ErrorCodes.internal.doc } });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` } }),
  );

  await app.register(websocket, {
    options: {
      maxPayload: MAX_SIGNAL_FRAME_BYTES,
      // Select our subprotocol when offered; the bearer entry is a credential, never selected.
      handleProtocols: (protocols: Set<string>) => (protocols.has(WS_SUBPROTOCOL) ? WS_SUBPROTOCOL : false),
    },
  });
  const sharer = await opts.portSharer?.(ctx, tls);
  await app.register(healthRoutes, { ctx, extraMetrics: sharer?.metricsText?.bind(sharer) });
  await app.register(rootRoutes, { ctx });
  await app.register(authRoutes, { ctx });
  await app.register(operatorRoutes, { ctx });
  await app.register(groupRoutes, { ctx });
  await app.register(enrollmentRoutes, { ctx });
  await app.register(deviceRoutes, { ctx });
  await app.register(sessionRoutes, { ctx });
  await app.register(socketRoutes, { ctx, heartbeat });
  await app.ready();

  const front = createFrontListener({
    httpServer: app.server as never,
    tls: tls !== null,
    log,
    onStunStream: sharer?.onStunStream,
  });

  let closing: Promise<void> | undefined;

  return {
    app,
    ctx,
    tls,
    initialAdminPassword,
    async listen() {
      await new Promise<void>((resolve, reject) => {
        front.server.once('error', reject);
        front.server.listen(config.port, config.host, () => {
          front.server.off('error', reject);
          resolve();
        });
      });
      boundPort = (front.server.address() as AddressInfo).port;
      await sharer?.listenUdp?.(boundPort, config.host);
      const shownHost =
        config.publicHost ?? (config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host);
      const url = `${tls ? 'https' : 'http'}://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${boundPort}/`;
      log.info({ port: boundPort, tls: tls !== null, turn: sharer !== undefined }, 'relay listening');
      return { port: boundPort, url };
    },
    close(reason = 'relay shutting down') {
      closing ??= (async () => {
        draining = true;
        front.server.close();
        const reconnectAfterMs = 1000 + Math.floor(Math.random() * 2000);
        const peers = [...presence.allAgents(), ...presence.allConsoles()];
        for (const p of peers) p.send({ type: 'shutdown', reason, reconnectAfterMs });
        sessions.suspendAll(reason);
        for (const p of peers) p.close(1001, reason);
        const deadline = Date.now() + config.shutdownTimeoutSeconds * 1000;
        while (front.sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        for (const s of front.sockets) s.destroy();
        heartbeat.stop();
        await sharer?.close();
        await app.close();
        store.close();
        log.info('relay stopped');
      })();
      return closing;
    },
  };
}
