// One block of native memory laid out for one sendmmsg(2) call: a vector of `struct mmsghdr`, one
// iovec and one sockaddr per message, and a payload slot per message. Every pointer is written once
// here; per datagram only the address, the lengths and the payload bytes change, so queuing a
// datagram is a few typed-array writes and one copy, and the whole batch is one FFI call.
import type { SendmmsgNative } from './sendmmsg-ffi';

/** Messages per sendmmsg call. libuv reads at most 32 datagrams per socket wakeup. */
export const ARENA_SLOTS = 32;
/** Larger datagrams bypass the arena (dgram send); relayed media stays well under an MTU. */
export const SLOT_PAYLOAD_BYTES = 2048;
/** sockaddr_in6 is 28 bytes; 32 keeps every slot 8-byte aligned. */
const SOCKADDR_STRIDE = 32;
const AF_INET = 2;
const AF_INET6 = 10;
const SOCKADDR_IN_BYTES = 16;
const SOCKADDR_IN6_BYTES = 28;
const CHANNEL_HEADER_BYTES = 4;

export class SendArena {
  /** Datagrams queued, in order, in slots 0..count-1. */
  count = 0;
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly base: number;
  private readonly iovecBase: number;
  private readonly sockaddrBase: number;
  private readonly payloadBase: number;
  /** Where each queued datagram was going, kept to hand unsent ones to dgram as they were. */
  readonly ports: Int32Array;
  readonly addresses: (string | undefined)[];

  constructor(
    private readonly native: SendmmsgNative,
    readonly slots = ARENA_SLOTS,
    readonly slotBytes = SLOT_PAYLOAD_BYTES,
  ) {
    const { layout } = native;
    this.iovecBase = slots * layout.mmsghdrSize;
    this.sockaddrBase = this.iovecBase + slots * layout.iovecSize;
    this.payloadBase = this.sockaddrBase + slots * SOCKADDR_STRIDE;
    const total = this.payloadBase + slots * slotBytes;
    const ptr = native.alloc(total);
    this.bytes = new Uint8Array(native.view(ptr, total));
    this.bytes.fill(0);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, total);
    this.base = Number(native.address(ptr));
    this.ports = new Int32Array(slots);
    this.addresses = new Array(slots).fill(undefined);
    for (let i = 0; i < slots; i++) {
      const hdr = i * layout.mmsghdrSize;
      const iov = this.iovecBase + i * layout.iovecSize;
      this.view.setBigUint64(hdr + layout.msgName, BigInt(this.base + this.sockaddrBase + i * SOCKADDR_STRIDE), true);
      this.view.setBigUint64(hdr + layout.msgIov, BigInt(this.base + iov), true);
      this.view.setBigUint64(hdr + layout.msgIovlen, 1n, true);
      this.view.setBigUint64(iov + layout.iovBase, BigInt(this.base + this.payloadBase + i * slotBytes), true);
    }
  }

  get full(): boolean {
    return this.count === this.slots;
  }

  /** Native address of message `index` in the vector: where a (re)try of sendmmsg starts. */
  messageAddress(index: number): number {
    return this.base + index * this.native.layout.mmsghdrSize;
  }

  /**
   * Queues one datagram; the caller checked there is room and that it fits a slot. `ip` undefined
   * means a connected socket (msg_namelen 0: the kernel then ignores msg_name). `channel` ≥ 0
   * prefixes a ChannelData header (RFC 8656 §12.4, UDP: no padding).
   */
  put(data: Uint8Array, channel: number, ip: Uint8Array | undefined, port: number, address: string | undefined): void {
    const i = this.count++;
    const { layout } = this.native;
    const hdr = i * layout.mmsghdrSize;
    const view = this.view;
    if (ip === undefined) {
      view.setUint32(hdr + layout.msgNamelen, 0, true);
    } else {
      const sa = this.sockaddrBase + i * SOCKADDR_STRIDE;
      const v6 = ip.length === 16;
      // sa_family is host order (little-endian on the targets this runs on), the port network order.
      view.setUint16(sa, v6 ? AF_INET6 : AF_INET, true);
      view.setUint16(sa + 2, port, false);
      if (v6) {
        view.setUint32(sa + 4, 0); // sin6_flowinfo
        this.bytes.set(ip, sa + 8);
        view.setUint32(sa + 24, 0); // sin6_scope_id
      } else {
        this.bytes.set(ip, sa + 4);
        view.setUint32(sa + 8, 0); // sin_zero
        view.setUint32(sa + 12, 0);
      }
      view.setUint32(hdr + layout.msgNamelen, v6 ? SOCKADDR_IN6_BYTES : SOCKADDR_IN_BYTES, true);
    }
    const payload = this.payloadBase + i * this.slotBytes;
    let length = data.length;
    if (channel >= 0) {
      view.setUint16(payload, channel, false);
      view.setUint16(payload + 2, data.length, false);
      this.bytes.set(data, payload + CHANNEL_HEADER_BYTES);
      length += CHANNEL_HEADER_BYTES;
    } else {
      this.bytes.set(data, payload);
    }
    // iov_len is a size_t; the upper half stays 0 (slots are far below 4 GiB).
    view.setUint32(this.iovecBase + i * layout.iovecSize + layout.iovLen, length, true);
    this.ports[i] = port;
    this.addresses[i] = address;
  }

  /** A copy of queued datagram `index` as it would go on the wire (header included). */
  datagram(index: number): Buffer {
    const { layout } = this.native;
    const length = this.view.getUint32(this.iovecBase + index * layout.iovecSize + layout.iovLen, true);
    const start = this.payloadBase + index * this.slotBytes;
    return Buffer.from(this.bytes.subarray(start, start + length));
  }

  /** Raw view of the message header fields, for tests of the layout. */
  header(index: number): {
    namelen: number;
    name: number;
    iov: number;
    iovlen: number;
    iovBase: number;
    iovLen: number;
  } {
    const { layout } = this.native;
    const hdr = index * layout.mmsghdrSize;
    const iov = Number(this.view.getBigUint64(hdr + layout.msgIov, true));
    const iovOffset = iov - this.base;
    return {
      namelen: this.view.getUint32(hdr + layout.msgNamelen, true),
      name: Number(this.view.getBigUint64(hdr + layout.msgName, true)) - this.base,
      iov: iovOffset,
      iovlen: Number(this.view.getBigUint64(hdr + layout.msgIovlen, true)),
      iovBase: Number(this.view.getBigUint64(iovOffset + layout.iovBase, true)) - this.base,
      iovLen: Number(this.view.getBigUint64(iovOffset + layout.iovLen, true)),
    };
  }

  reset(): void {
    for (let i = 0; i < this.count; i++) this.addresses[i] = undefined;
    this.count = 0;
  }
}
