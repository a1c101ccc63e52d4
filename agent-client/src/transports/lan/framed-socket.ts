// A TLS socket that speaks frames: decoding errors are answered and counted (the connection
// stays), lost framing (an oversize length) closes it, and so do too many errors in a row.
import type { TLSSocket } from 'node:tls';
import { encodeFrame, type Frame, FrameReader } from '@rc-relay/protocol';
import type { Logger } from '../../log';
import { Emitter } from '../../util/emitter';

const MAX_ERRORS = 16;

export class FramedSocket extends Emitter<{ frame: [Frame]; closed: [] }> {
  private readonly reader = new FrameReader();
  private errors = 0;
  private closed = false;
  bytesIn = 0;
  bytesOut = 0;

  constructor(
    readonly socket: TLSSocket,
    private readonly log: Logger,
  ) {
    super((err, event) => log.error({ err, event }, 'frame listener failed'));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => log.debug({ err: err.message }, 'LAN socket error'));
    socket.on('close', () => {
      this.closed = true;
      this.emit('closed');
      this.removeAllListeners();
    });
  }

  get isClosed() {
    return this.closed;
  }

  send(f: Frame | Buffer): void {
    if (this.closed || this.socket.destroyed) return;
    const b = Buffer.isBuffer(f) ? f : encodeFrame(f);
    this.bytesOut += b.length;
    this.socket.write(b);
  }

  backlogBytes(): number {
    return this.socket.writableLength;
  }

  /** Sends a last frame (when given) and closes after it is flushed. */
  close(last?: Frame): void {
    if (this.closed) return;
    if (last) this.send(last);
    this.socket.end();
    // A peer that does not read must not keep the socket: the flush gets a moment, then it goes.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer) {
    this.bytesIn += chunk.length;
    const results = this.reader.push(chunk);
    if (results === 'overflow') {
      this.log.warn('LAN frame over the size limit; closing');
      this.close({ type: 'error', code: 'too_large', message: 'frame length over the limit; framing lost' });
      return;
    }
    for (const r of results) {
      if (this.closed) return;
      if (r.ok) {
        this.errors = 0;
        this.emit('frame', r.frame);
        continue;
      }
      this.log.warn({ reason: r.message }, 'bad LAN frame');
      if (++this.errors > MAX_ERRORS) {
        this.close({ type: 'error', code: 'bad_frame', message: 'too many bad frames' });
        return;
      }
      this.send({ type: 'error', code: 'bad_frame', message: r.message.slice(0, 200) });
    }
  }
}
