// The relay's one TCP listener. Reads the first bytes of each connection and hands it on:
// TLS → the HTTP/2 server (which terminates TLS; HTTP/1.1 for WebSocket upgrades), and after the
// handshake a client without ALPN whose first decrypted bytes are STUN → TURN over TLS;
// plain STUN → TURN over TCP; plain HTTP → answered "use HTTPS" (or served when TLS is off).
import type { Server as HttpServer } from 'node:http';
import type { Http2SecureServer } from 'node:http2';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../logger';
import { maxConnections, openFilesLimit } from './fd-limit';
import { sniffStream } from './sniff';

export interface StreamRemote {
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}
export type StunStreamHandler = (socket: Duplex, remote: StreamRemote, transport: 'tcp' | 'tls', first: Buffer) => void;

export interface FrontOptions {
  httpServer: Http2SecureServer | HttpServer;
  tls: boolean;
  log: Logger;
  /** TURN over TCP/TLS; without it STUN streams are closed. */
  onStunStream?: StunStreamHandler | undefined;
  sniffTimeoutMs?: number;
}

const MAX_SNIFF_BYTES = 64;

/** Collects the first bytes of a stream; the caller unshifts them back or hands them on. */
function peek(sock: Duplex, timeoutMs: number, decide: (buf: Buffer) => boolean, done: (buf: Buffer | null) => void) {
  let buf: Buffer = Buffer.alloc(0);
  const finish = (result: Buffer | null) => {
    clearTimeout(timer);
    sock.off('readable', onReadable);
    sock.off('end', onEnd);
    done(result);
  };
  const onEnd = () => finish(null);
  const onReadable = () => {
    for (let chunk = sock.read() as Buffer | null; chunk !== null; chunk = sock.read() as Buffer | null) {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    }
    if (decide(buf) || buf.length >= MAX_SNIFF_BYTES) finish(buf);
  };
  const timer = setTimeout(() => finish(null), timeoutMs);
  sock.on('readable', onReadable);
  sock.on('end', onEnd);
}

function remoteOf(s: net.Socket): StreamRemote {
  return {
    address: s.remoteAddress ?? '',
    port: s.remotePort ?? 0,
    family: s.remoteFamily === 'IPv6' ? 'IPv6' : 'IPv4',
  };
}

export function createFrontListener(opts: FrontOptions): { server: net.Server; sockets: Set<net.Socket> } {
  const { httpServer, log } = opts;
  const sniffTimeout = opts.sniffTimeoutMs ?? 10_000;
  const sockets = new Set<net.Socket>();

  /** Hands a stream that starts with STUN to TURN, with the bytes already read. */
  const toTurn = (stream: Duplex, raw: net.Socket, transport: 'tcp' | 'tls', first: Buffer) => {
    if (!opts.onStunStream) {
      stream.destroy();
      return;
    }
    opts.onStunStream(stream, remoteOf(raw), transport, first);
  };

  if (opts.tls) {
    // Replace http2's own secureConnection listener with one that can divert TURN-over-TLS first.
    const h2 = httpServer as Http2SecureServer;
    const original = h2.listeners('secureConnection') as ((s: TLSSocket) => void)[];
    h2.removeAllListeners('secureConnection');
    h2.on('secureConnection', (tlsSocket: TLSSocket) => {
      const toHttp = (sniffed?: Buffer) => {
        if (sniffed) tlsSocket.unshift(sniffed);
        for (const l of original) l.call(h2, tlsSocket);
      };
      // Only h2 is certain: TURN clients offer no ALPN or, like coturn's, 'http/1.1' too, so those
      // are peeked at. (h2 must not be: Node 20's http2 session cannot take unshifted bytes.)
      if (tlsSocket.alpnProtocol === 'h2') return toHttp();
      peek(
        tlsSocket,
        sniffTimeout,
        (b) => sniffStream(b) !== undefined,
        (b) => {
          if (!b) return tlsSocket.destroy();
          if (sniffStream(b) === 'stun') toTurn(tlsSocket, tlsSocket, 'tls', b);
          else toHttp(b);
        },
      );
    });
    h2.on('tlsClientError', (err) => log.debug({ err: err.message }, 'TLS handshake failed'));
  }

  const server = net.createServer({ noDelay: true }, (sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', (err) => log.debug({ err: err.message }, 'client socket error'));
    peek(
      sock,
      sniffTimeout,
      (b) => sniffStream(b) !== undefined,
      (b) => {
        const kind = b && sniffStream(b);
        if (b && (kind === 'tls' ? opts.tls : kind === 'http' && !opts.tls)) {
          sock.unshift(b);
          httpServer.emit('connection', sock);
        } else if (kind === 'stun') toTurn(sock, sock, 'tcp', b!);
        else if (kind === 'http') {
          sock.end(
            'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nThis port speaks HTTPS.\n',
          );
        } else sock.destroy();
      },
    );
  });
  // Refuse connections past the fd budget instead of failing every open() in the process (EMFILE).
  const cap = maxConnections(openFilesLimit());
  if (cap !== undefined) server.maxConnections = cap;
  server.on('drop', () => log.warn({ cap }, 'connection refused: at the connection limit'));
  return { server, sockets };
}
