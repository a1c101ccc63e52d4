// ChannelData messages, RFC 8656 §12.4: 2-byte channel number (see CHANNEL_MIN/MAX), 2-byte length, data.
// Over UDP the datagram may carry trailing padding; over TCP/TLS the message is padded to a
// multiple of 4 bytes (§12.5) and the padding is not counted in the length.
import { CHANNEL_MAX, CHANNEL_MIN } from './constants';

export const CHANNEL_DATA_HEADER = 4;

export function isChannelNumber(n: number): boolean {
  return n >= CHANNEL_MIN && n <= CHANNEL_MAX;
}

/** Whether the first byte marks a ChannelData message (top two bits 01, §12). */
export function looksLikeChannelData(buf: Buffer): boolean {
  return buf.length >= CHANNEL_DATA_HEADER && (buf[0]! & 0xc0) === 0x40;
}

/** Length of a ChannelData frame on a stream, padding included (§12.5). */
export function channelDataFrameLength(buf: Buffer): number {
  return (CHANNEL_DATA_HEADER + buf.readUInt16BE(2) + 3) & ~3;
}

/** Header + payload, padded for streams when `pad` is set. */
export function encodeChannelData(channel: number, data: Buffer, pad: boolean): Buffer {
  const length = CHANNEL_DATA_HEADER + data.length;
  const out = Buffer.allocUnsafe(pad ? (length + 3) & ~3 : length);
  out.writeUInt16BE(channel, 0);
  out.writeUInt16BE(data.length, 2);
  data.copy(out, CHANNEL_DATA_HEADER);
  if (pad) out.fill(0, length);
  return out;
}
