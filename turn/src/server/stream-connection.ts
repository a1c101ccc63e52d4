// TURN over TCP or TLS (RFC 8656 §3.1, §12.5): one connection is one 5-tuple. Frames are STUN
// messages (20 + length) or ChannelData padded to 4 bytes. A byte that starts neither is a framing
// error: the stream cannot be resynchronised, so the connection is closed (and its allocation with it).
import type { Duplex } from 'node:stream';
import type { Logger } from '../log';
import type { TurnStats } from '../stats';
import type { TransportAddress } from '../stun/attributes/address';
import { channelDataFrameLength, encodeChannelData } from '../stun/channel-data';
import { HEADER_LENGTH } from '../stun/constants';
import type { AllocationTable } from './allocation-table';
import type { Dispatcher } from './dispatch';
import type { ClientLink, ClientTransport } from './link';

/** A connection idle this long without an allocation is closed, so idle sockets cannot pile up. */
export const IDLE_WITHOUT_ALLOCATION_MS = 60_000;
/** Relay data is dropped, not queued, past this much unsent output (a slow reader must not grow memory). */
const MAX_QUEUED_BYTES = 1024 * 1024;
let connectionCounter = 0;

export class StreamConnection implements ClientLink {
  readonly key: string;
  private pending: Buffer | undefined;
  private ended = false;
  /** TLS only: frames waiting for the write in flight (see writeFrame). */
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private writing = false;

  constructor(
    private readonly socket: Duplex,
    readonly remote: TransportAddress,
    readonly transport: Exclude<ClientTransport, 'udp'>,
    readonly localAddress: string | undefined,
    private readonly table: AllocationTable,
    private readonly dispatcher: Dispatcher,
    private readonly stats: TurnStats,
    private readonly logger: Logger,
    private readonly onEnd: (c: StreamConnection) => void,
  ) {
    this.key = `${transport}${++connectionCounter}|${remote.address}|${remote.port}`;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => {
      logger.debug({ client: this.key, err: err.message }, 'stream error');
      this.end();
    });
    socket.on('close', () => this.end());
    socket.on('end', () => this.end());
    // The sniffer paused the stream; an explicit pause survives adding a 'data' listener.
    socket.resume();
    const timeouts = socket as Duplex & { setTimeout?: (ms: number, cb: () => void) => void };
    timeouts.setTimeout?.(IDLE_WITHOUT_ALLOCATION_MS, () => {
      if (!this.table.get(this.key)) {
        logger.debug({ client: this.key }, 'closing idle stream without allocation');
        this.close();
      }
    });
  }

  send(message: Buffer): void {
    if (!this.ended) this.writeFrame(message);
  }

  sendChannelData(channel: number, data: Buffer): void {
    if (this.ended) return;
    if (this.socket.writableLength + this.queuedBytes > MAX_QUEUED_BYTES) {
      this.stats.streamBackpressureDrops++;
      return;
    }
    this.writeFrame(encodeChannelData(channel, data, true));
  }

  /**
   * Over TLS, one record per frame. Node encrypts writes that queued up behind a pending one as a
   * single record, and coturn's turnutils_uclient handles only the first frame of a record: with two
   * frames per record it lost every second one (measured: 51 % lost), so under load the TLS interop
   * run lost a few messages. The stream is correct either way, but coturn itself writes one message
   * per record; so here only one write is in flight and the others wait in `queue`.
   */
  private writeFrame(frame: Buffer): void {
    if (this.transport !== 'tls') {
      this.socket.write(frame);
      return;
    }
    if (this.writing) {
      this.queue.push(frame);
      this.queuedBytes += frame.length;
      return;
    }
    this.writing = true;
    this.socket.write(frame, () => this.afterWrite());
  }

  private afterWrite(): void {
    this.writing = false;
    const next = this.queue.shift();
    if (!next) return;
    this.queuedBytes -= next.length;
    if (this.ended) return;
    this.writing = true;
    this.socket.write(next, () => this.afterWrite());
  }

  onData(chunk: Buffer): void {
    if (this.ended) return;
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    while (buf.length >= 4) {
      const top = buf[0]! & 0xc0;
      let frameLength: number;
      if (top === 0) {
        const length = buf.readUInt16BE(2);
        if (length % 4 !== 0) {
          this.framingError('STUN length not a multiple of 4');
          return;
        }
        frameLength = HEADER_LENGTH + length;
      } else if (top === 0x40) {
        frameLength = channelDataFrameLength(buf);
      } else {
        this.framingError('neither STUN nor ChannelData');
        return;
      }
      if (buf.length < frameLength) break;
      const frame = buf.subarray(0, frameLength);
      buf = buf.subarray(frameLength);
      if (top === 0) this.dispatcher.handle(frame, this);
      else this.table.get(this.key)?.channelDataFromClient(frame, Date.now());
      if (this.ended) return;
    }
    // Copy the remainder so a large chunk is not kept alive by a few trailing bytes.
    if (buf.length > 0) this.pending = Buffer.from(buf);
  }

  close(): void {
    this.socket.destroy();
    this.end();
  }

  private framingError(why: string): void {
    this.stats.malformed++;
    this.logger.warn({ client: this.key, why }, 'closing stream after framing error');
    this.close();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.pending = undefined;
    this.queue.length = 0;
    this.queuedBytes = 0;
    const allocation = this.table.get(this.key);
    // RFC 8656 §3.1/§7: an allocation over TCP/TLS lives as long as its connection.
    if (allocation) this.table.delete(allocation, 'connection closed');
    if (!this.socket.destroyed) this.socket.destroy();
    this.onEnd(this);
  }
}
