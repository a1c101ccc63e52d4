// One signalling socket (agent or console) with the send path every part of the hub uses.
import type { ErrorCode } from '@rc-relay/protocol';
import type { WebSocket } from 'ws';
import type { Logger } from '../logger';
import type { RelayMetrics } from '../metrics';

let serverMessageSeq = 0;
/** Ids of relay-originated messages: unique per process, cheap, never confused with client ids. */
export const nextServerId = () => `r${(++serverMessageSeq).toString(36)}`;

type Outgoing = { type: string } & Record<string, unknown>;

export abstract class Peer {
  /** Heartbeat state, owned by HeartbeatScheduler. */
  awaitingPong = false;
  missedPongs = 0;
  closed = false;

  constructor(
    readonly socket: WebSocket,
    readonly log: Logger,
    protected readonly metrics: RelayMetrics,
  ) {
    socket.on('pong', () => {
      this.awaitingPong = false;
      this.missedPongs = 0;
    });
  }

  abstract readonly kind: 'agent' | 'console';

  /** Sends one message; a socket that is closing drops it (its close handler ends what depended on it). */
  send(msg: Outgoing): boolean {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) {
      this.log.debug({ type: msg.type }, 'dropped message to a closed socket');
      return false;
    }
    const framed = 'id' in msg ? msg : { ...msg, id: nextServerId() };
    this.socket.send(JSON.stringify(framed), (err) => {
      if (err) this.log.debug({ err: err.message, type: msg.type }, 'send failed');
    });
    return true;
  }

  sendError(code: ErrorCode, message: string, ref?: string): void {
    this.metrics.errors.inc({ code });
    this.log.warn({ code, ref }, message);
    this.send({ type: 'error', code, message, ...(ref ? { ref } : {}) });
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close(code, reason);
    // A peer that never answers the close handshake is cut after a bound.
    setTimeout(() => this.socket.terminate(), 2000).unref();
  }
}
