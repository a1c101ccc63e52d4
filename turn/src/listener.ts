// The standalone TCP listener (npm run turn): one port for TURN over TCP and TURN over TLS. The first
// bytes decide: a TLS ClientHello is terminated here and the decrypted stream must start with STUN;
// a plain stream must start with STUN; anything else is closed. The relay's HTTPS listener does the
// same sniff itself (looksLikeStun / isTlsClientHello) and calls TurnServer.handleStream.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { Logger } from './log';
import { noopLogger } from './log';
import type { TurnServer } from './server';
import { HEADER_LENGTH } from './stun/constants';
import { isTlsClientHello, looksLikeStun } from './stun/sniff';

export interface TurnStreamListenerOptions {
  server: TurnServer;
  /** PEM certificate and key; without them TLS ClientHellos are refused. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  logger?: Logger;
  /** A connection that has not sent its first bytes by then is closed. */
  sniffTimeoutMs?: number;
}

export function createTurnStreamListener(options: TurnStreamListenerOptions): net.Server {
  const logger = options.logger ?? noopLogger;
  const timeoutMs = options.sniffTimeoutMs ?? 10_000;
  const secure = options.tls ? tls.createSecureContext({ cert: options.tls.cert, key: options.tls.key }) : undefined;

  // No Nagle: a relayed media packet goes out the moment it is written, not after the previous
  // one's ACK (as coturn does with TCP_NODELAY; the relay's shared HTTPS port does the same).
  return net.createServer({ noDelay: true }, (socket) => {
    const remote = {
      address: socket.remoteAddress ?? '',
      port: socket.remotePort ?? 0,
      family: socket.remoteFamily === 'IPv6' ? ('IPv6' as const) : ('IPv4' as const),
    };
    socket.on('error', (err) => logger.debug({ err: err.message, remote }, 'tcp error before sniff'));
    readPrefix(socket, 6, timeoutMs).then(
      (first) => {
        if (!first) {
          socket.destroy();
          return;
        }
        if (isTlsClientHello(first)) {
          if (!secure) {
            logger.warn({ remote }, 'TLS ClientHello but no certificate configured');
            socket.destroy();
            return;
          }
          // TLSSocket feeds bytes already buffered on the socket into the handshake, so unshift is enough.
          socket.unshift(first);
          const tlsSocket = new tls.TLSSocket(socket, { isServer: true, secureContext: secure });
          tlsSocket.on('error', (err) => logger.debug({ err: err.message, remote }, 'tls error'));
          return readPrefix(tlsSocket, HEADER_LENGTH, timeoutMs).then((inner) => {
            if (inner && looksLikeStun(inner)) options.server.handleStream(tlsSocket, remote, 'tls', inner);
            else tlsSocket.destroy();
          });
        }
        return readPrefix(socket, HEADER_LENGTH - first.length, timeoutMs, first).then((all) => {
          if (all && looksLikeStun(all)) options.server.handleStream(socket, remote, 'tcp', all);
          else socket.destroy();
        });
      },
      (err: unknown) => {
        logger.warn({ err: String(err), remote }, 'sniff failed');
        socket.destroy();
      },
    );
  });
}

/** Reads until at least `n` more bytes arrived (appended to `already`), or undefined on end/timeout. */
function readPrefix(stream: Duplex, n: number, timeoutMs: number, already?: Buffer): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = already ? [already] : [];
    let got = 0;
    const done = (result: Buffer | undefined) => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      stream.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= n) done(Buffer.concat(chunks));
    };
    const onEnd = () => done(undefined);
    const timer = setTimeout(() => done(undefined), timeoutMs);
    if (n <= 0) {
      done(Buffer.concat(chunks));
      return;
    }
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('close', onEnd);
    stream.resume();
  });
}
