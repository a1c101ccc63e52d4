// The two signalling WebSockets. Auth happens before the upgrade (401 instead of a socket);
// after it, bad input gets a typed `error` and the socket stays; only oversize frames (1009) close it.

import type {} from '@fastify/websocket';
import {
  type AgentMessage,
  CloseCode,
  type ConsoleMessage,
  type DecodeResult,
  type DeviceSummary,
  decodeAgentMessage,
  decodeConsoleMessage,
} from '@rc-relay/protocol';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import type { RelayContext } from '../context';
import { authenticateDevice, authenticateOperator, scopeOf } from '../http/auth';
import { ApiError } from '../http/errors';
import { AgentPeer, ConsolePeer } from '../hub/peers';
import type { DeviceRecord, OperatorRecord } from '../store';
import type { HeartbeatScheduler } from '../ws/heartbeat';
import type { Peer } from '../ws/peer';
import { releaseUpgrade } from '../ws/release-upgrade';

const HELLO_TIMEOUT_MS = 10_000;
const SNAPSHOT_CHUNK = 500;

type Handlers<M extends { type: string }, P> = { [K in M['type']]: (peer: P, m: Extract<M, { type: K }>) => void };

declare module 'fastify' {
  interface FastifyRequest {
    device: DeviceRecord;
  }
}

export const socketRoutes: FastifyPluginAsync<{ ctx: RelayContext; heartbeat: HeartbeatScheduler }> = async (
  app,
  { ctx, heartbeat },
) => {
  const { store, presence, sessions, metrics, config } = ctx;

  /** During shutdown new sockets get 503 before any auth work; returns the reply to end the hook. */
  function refuseWhileDraining(reply: FastifyReply) {
    return reply.code(503).send({ error: { code: 'shutting_down', message: 'the relay is stopping' } });
  }

  /** Reads a frame into a decoded message or answers the error; binary frames are not signalling. */
  function decode<M extends { type: string }>(
    peer: Peer,
    data: RawData,
    isBinary: boolean,
    decoder: (raw: Buffer) => DecodeResult<M>,
  ): M | undefined {
    if (isBinary) {
      peer.sendError('bad_message', 'binary frames are not accepted; send JSON text');
      return undefined;
    }
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    const r = decoder(buf);
    if (!r.ok) {
      peer.sendError(r.code, r.message, r.ref);
      return undefined;
    }
    metrics.messages.inc({ peer: peer.kind, type: r.msg.type });
    return r.msg;
  }

  function watch(peer: Peer, onClose: () => void) {
    heartbeat.add(peer);
    peer.socket.on('close', () => {
      peer.closed = true;
      heartbeat.remove(peer);
      onClose();
    });
    // Replaces @fastify/websocket's listener (releaseUpgrade), which did the same: log, then cut.
    peer.socket.on('error', (err) => {
      peer.log.warn({ err: err.message }, 'socket error');
      peer.socket.terminate();
    });
  }

  // --- agents ---

  const agentHandlers: Handlers<AgentMessage, AgentPeer> = {
    hello: (peer, m) => {
      const facts = { sessions: m.sessions, monitors: m.monitors, lanAddresses: m.lanAddresses, lanPorts: m.lanPorts };
      store.devices.updateFacts(peer.device.id, {
        hostname: m.hostname,
        agentVersion: m.version,
        certFingerprint: m.certFingerprint,
        facts,
      });
      peer.device = store.devices.get(peer.device.id) ?? peer.device;
      peer.ready = true;
      peer.send({
        type: 'welcome',
        deviceId: peer.device.id,
        heartbeatSeconds: config.heartbeatSeconds,
        policy: store.groups.policy(peer.device.groupId, config.consentTimeoutSeconds),
        serverTime: new Date().toISOString(),
      });
      sessions.agentReady(peer, m.activeSessions);
      presence.publish(peer.device.id);
      peer.log.info({ version: m.version, hostname: m.hostname }, 'agent online');
    },
    report: (peer, m) => {
      const cur = peer.device.facts;
      store.devices.updateFacts(peer.device.id, {
        ...(m.hostname ? { hostname: m.hostname } : {}),
        ...(m.certFingerprint ? { certFingerprint: m.certFingerprint } : {}),
        facts: {
          sessions: m.sessions ?? cur.sessions,
          monitors: m.monitors ?? cur.monitors,
          lanAddresses: m.lanAddresses ?? cur.lanAddresses,
          lanPorts: m.lanPorts ?? cur.lanPorts,
        },
      });
      peer.device = store.devices.get(peer.device.id) ?? peer.device;
      presence.publish(peer.device.id);
    },
    'session.accept': (peer, m) => sessions.accept(peer, m.sessionId, m.id),
    'session.deny': (peer, m) => sessions.deny(peer, m.sessionId, m.reason, m.id),
    signal: (peer, m) => sessions.signal(peer, m.sessionId, m.payload, m.id),
    'session.end': (peer, m) => sessions.end(peer, m.sessionId, m.reason ?? 'ended', m.id),
    'session.report': (peer, m) => sessions.lanReport(peer, m.sessionId, m.event, m.reason),
  };

  app.get(
    '/ws/agent',
    {
      websocket: true,
      preValidation: async (req, reply) => {
        if (ctx.draining()) return refuseWhileDraining(reply);
        req.device = authenticateDevice(ctx, req);
      },
    },
    (socket: WebSocket, req: FastifyRequest) => {
      releaseUpgrade(socket, req);
      const device = req.device;
      const peer = new AgentPeer([socket, ctx.log.child({ deviceId: device.id }), metrics], device);
      const replaced = presence.addAgent(peer);
      replaced?.close(CloseCode.replaced, 'replaced by a newer connection of this device');
      const helloTimer = setTimeout(() => {
        if (!peer.ready) peer.close(4000, 'no hello');
      }, HELLO_TIMEOUT_MS);
      watch(peer, () => {
        clearTimeout(helloTimer);
        if (presence.removeAgent(peer)) {
          store.devices.touch(device.id);
          presence.publish(device.id);
          peer.log.info('agent offline');
        }
        sessions.agentGone(peer);
      });
      socket.on('message', (data, isBinary) => {
        const m = decode<AgentMessage>(peer, data, isBinary, decodeAgentMessage);
        if (!m) return;
        if (!peer.ready && m.type !== 'hello') {
          peer.sendError('bad_message', `send hello before '${m.type}'`, m.id);
          return;
        }
        dispatch(agentHandlers, peer, m);
      });
    },
  );

  // --- consoles ---

  const consoleHandlers: Handlers<ConsoleMessage, ConsolePeer> = {
    'session.attach': (peer, m) => sessions.attach(peer, m.sessionId, m.id),
    signal: (peer, m) => sessions.signal(peer, m.sessionId, m.payload, m.id),
    'session.end': (peer, m) => sessions.end(peer, m.sessionId, m.reason ?? 'ended', m.id),
  };

  app.get(
    '/ws/console',
    {
      websocket: true,
      preValidation: async (req, reply) => {
        if (ctx.draining()) return refuseWhileDraining(reply);
        req.operator = authenticateOperator(ctx, req);
      },
    },
    (socket: WebSocket, req: FastifyRequest) => {
      releaseUpgrade(socket, req);
      const op: OperatorRecord = req.operator;
      const scope = scopeOf(op);
      const peer = new ConsolePeer([socket, ctx.log.child({ operator: op.username }), metrics], scope);
      presence.addConsole(peer);
      watch(peer, () => {
        presence.removeConsole(peer);
        sessions.consoleGone(peer);
      });
      peer.send({
        type: 'welcome',
        operator: { id: op.id, username: op.username, role: op.role },
        heartbeatSeconds: config.heartbeatSeconds,
      });
      sendSnapshot(peer, presence.summaries(store.devices.list(scope.groupIds ? [...scope.groupIds] : undefined)));
      socket.on('message', (data, isBinary) => {
        const m = decode<ConsoleMessage>(peer, data, isBinary, decodeConsoleMessage);
        if (m) dispatch(consoleHandlers, peer, m);
      });
    },
  );

  /** The snapshot in chunks, yielding to the event loop between them (signalling goes on meanwhile). */
  function sendSnapshot(peer: ConsolePeer, devices: DeviceSummary[], from = 0): void {
    if (peer.closed) return;
    const to = Math.min(from + SNAPSHOT_CHUNK, devices.length);
    peer.send({ type: 'presence.snapshot', devices: devices.slice(from, to), more: to < devices.length });
    if (to < devices.length) setImmediate(() => sendSnapshot(peer, devices, to));
  }

  function dispatch<M extends { type: string; id: string }, P extends Peer>(h: Handlers<M, P>, peer: P, m: M) {
    try {
      (h[m.type as M['type']] as (p: P, m: M) => void)(peer, m);
    } catch (err) {
      // A bug in one handler answers `internal` to that message; the socket and the relay go on.
      const code = err instanceof ApiError ? err.code : 'internal';
      if (code === 'internal') peer.log.error({ err, type: m.type }, 'handler failed');
      peer.sendError(code, err instanceof ApiError ? err.message : 'internal error', m.id);
    }
  }
};
