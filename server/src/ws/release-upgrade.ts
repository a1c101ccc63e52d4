// What the upgrade leaves behind. @fastify/websocket (11.x) keeps, for the whole life of a socket,
// an 'error' listener that closes over the Fastify request and reply: the upgrade's IncomingMessage
// with its headers, a ServerResponse, their stream states, a child logger. The raw socket also still
// points at that ServerResponse. For a relay holding 10k idle agents that is ~2.5 KB of heap each
// (a heap-snapshot diff between 200 and 1000 agents); the signalling routes need none of it after
// the handshake, so they let go of it here and install their own 'error' listener (sockets.ts).
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';

export function releaseUpgrade(socket: WebSocket, req: FastifyRequest): void {
  socket.removeAllListeners('error');
  const raw = req.raw.socket as (Socket & { _httpMessage?: ServerResponse | null }) | null;
  if (raw?._httpMessage) raw._httpMessage.detachSocket(raw);
}
