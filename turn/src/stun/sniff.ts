// Telling STUN from TLS and HTTP on a shared port (DESIGN.md "Modes and ports", RFC 8489 §6.3
// for the STUN test, RFC 8446 §5.1 for the TLS record header).
import { HEADER_LENGTH, MAGIC_COOKIE } from './constants';

/** True when buf starts with a STUN header: top two bits zero, the magic cookie, a 4-aligned length. */
export function looksLikeStun(buf: Buffer): boolean {
  return (
    buf.length >= HEADER_LENGTH &&
    (buf[0]! & 0xc0) === 0 &&
    buf.readUInt32BE(4) === MAGIC_COOKIE &&
    buf.readUInt16BE(2) % 4 === 0
  );
}

/** True when buf starts with a TLS handshake record carrying a ClientHello. */
export function isTlsClientHello(buf: Buffer): boolean {
  // ContentType handshake (22), legacy version 3.x, then handshake type client_hello (1).
  return buf.length >= 6 && buf[0] === 0x16 && buf[1] === 0x03 && buf[5] === 0x01;
}
