// What a new stream speaks, from its first bytes (DESIGN.md: one port for HTTPS, WebSocket and TURN).

export type StreamKind = 'tls' | 'stun' | 'http' | 'unknown';

/** Needs at least 1 byte; returns undefined when more bytes are needed to decide. */
export function sniffStream(buf: Buffer): StreamKind | undefined {
  if (buf.length === 0) return undefined;
  const b0 = buf[0]!;
  if (b0 === 0x16) return 'tls'; // TLS handshake record (RFC 8446 §5.1)
  if ((b0 & 0xc0) === 0) {
    // STUN: top two bits zero and the magic cookie at offset 4 (RFC 8489 §5).
    if (buf.length < 8) return undefined;
    return buf.readUInt32BE(4) === 0x2112a442 ? 'stun' : 'unknown';
  }
  // HTTP/1.x request lines and the HTTP/2 preface start with an upper-case ASCII letter.
  return b0 >= 0x41 && b0 <= 0x5a ? 'http' : 'unknown';
}
