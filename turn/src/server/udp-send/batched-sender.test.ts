// The sendmmsg send path against real loopback sockets: the arena layout the kernel reads, one
// syscall per batch, IPv4/IPv6/v4-mapped/connected destinations, and every fallback to dgram
// (EAGAIN, partial sends, oversize datagrams, close). sendmmsg is the real libc call; where a kernel
// condition cannot be produced on demand (EAGAIN), a wrapper makes the call report it.
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { noopLogger } from '../../log';
import { closeQuietly } from '../port-pool';
import { ARENA_SLOTS, SendArena, SLOT_PAYLOAD_BYTES } from './arena';
import { BatchedUdpSender } from './batched-sender';
import { DgramSender, udpSenders } from './sender';
import { EAGAIN, loadSendmmsg, type SendmmsgNative } from './sendmmsg-ffi';

const loaded = loadSendmmsg();

function realNative(): SendmmsgNative {
  if (!loaded.ok) throw new Error(`sendmmsg must load on this Linux host: ${loaded.reason}`);
  return loaded.native;
}

/** The real native with every sendmmsg call's vlen recorded; `limit` caps what one call may send, `fail` makes a call fail. */
function spy(options: { limit?: number; fail?: (call: number) => number | undefined } = {}) {
  const real = realNative();
  const calls: number[] = [];
  let errno: number | undefined;
  const native: SendmmsgNative = {
    ...real,
    sendmmsg: (fd, vec, vlen, flags) => {
      calls.push(vlen);
      const failWith = options.fail?.(calls.length);
      if (failWith !== undefined) {
        errno = failWith;
        return -1;
      }
      errno = undefined;
      return real.sendmmsg(fd, vec, Math.min(vlen, options.limit ?? vlen), flags);
    },
    errno: () => errno ?? real.errno(),
  };
  return { native, calls };
}

const sockets: dgram.Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) closeQuietly(s);
});

async function bound(type: 'udp4' | 'udp6', address: string, ipv6Only = false): Promise<dgram.Socket> {
  const s = dgram.createSocket({ type, ipv6Only });
  sockets.push(s);
  await new Promise<void>((resolve) => s.bind(0, address, resolve));
  return s;
}

/** Collects datagrams on `socket` until `count` arrived or 2 s passed. */
function receive(
  socket: dgram.Socket,
  count: number,
  timeoutMs = 2000,
): Promise<{ msg: Buffer; from: dgram.RemoteInfo }[]> {
  return new Promise((resolve) => {
    const got: { msg: Buffer; from: dgram.RemoteInfo }[] = [];
    const done = () => {
      clearTimeout(timer);
      socket.off('message', onMessage);
      resolve(got);
    };
    const onMessage = (msg: Buffer, from: dgram.RemoteInfo) => {
      got.push({ msg, from });
      if (got.length >= count) done();
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('message', onMessage);
  });
}

const turn = () => new Promise((r) => setImmediate(r));
const numbered = (i: number, size = 100) => Buffer.alloc(size, i & 0xff);

describe('sendmmsg loading', () => {
  it('loads on Linux x64/arm64 and is refused elsewhere with a reason', () => {
    if (process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64'))
      expect(loaded).toMatchObject({ ok: true });
    expect(loadSendmmsg('darwin')).toEqual({ ok: false, reason: expect.stringContaining('Linux') });
    expect(loadSendmmsg('linux', 'ia32')).toEqual({ ok: false, reason: expect.stringContaining('ia32') });
  });

  it('udpSenders: sendmmsg by default here, dgram when turned off', async () => {
    expect(udpSenders(true, noopLogger).path).toBe('sendmmsg');
    expect(udpSenders(false, noopLogger)).toMatchObject({ path: 'dgram', reason: 'turned off by configuration' });
    const s = await bound('udp4', '127.0.0.1');
    expect(udpSenders(true, noopLogger).forSocket(s)).toBeInstanceOf(BatchedUdpSender);
    const unbound = dgram.createSocket('udp4');
    sockets.push(unbound);
    const warnings: string[] = [];
    const logger = { ...noopLogger, warn: (_: object, msg: string) => warnings.push(msg) };
    expect(udpSenders(true, logger).forSocket(unbound)).toBeInstanceOf(DgramSender);
    expect(warnings).toEqual(['UDP socket without a readable fd: dgram send for it']);
  });
});

describe('SendArena layout', () => {
  it('points every message at its own sockaddr, one iovec and its payload slot; lengths and addresses per datagram', () => {
    const native = realNative();
    const arena = new SendArena(native, 4, 64);
    const { mmsghdrSize, iovecSize } = native.layout;
    const iovecBase = 4 * mmsghdrSize;
    const sockaddrBase = iovecBase + 4 * iovecSize;
    const payloadBase = sockaddrBase + 4 * 32;
    arena.put(Buffer.from('hello'), -1, Uint8Array.from([10, 1, 2, 3]), 3478, '10.1.2.3');
    arena.put(Buffer.from('abc'), 0x4001, new Uint8Array(16).fill(0xfe), 50000, 'fefe::');
    arena.put(Buffer.from('xy'), -1, undefined, 0, undefined);
    expect(arena.count).toBe(3);
    for (let i = 0; i < 3; i++) {
      const h = arena.header(i);
      expect(h.name).toBe(sockaddrBase + i * 32);
      expect(h.iov).toBe(iovecBase + i * iovecSize);
      expect(h.iovlen).toBe(1);
      expect(h.iovBase).toBe(payloadBase + i * 64);
    }
    expect([0, 1, 2].map((i) => arena.header(i).namelen)).toEqual([16, 28, 0]);
    expect([0, 1, 2].map((i) => arena.header(i).iovLen)).toEqual([5, 7, 2]);
    // sockaddr_in: family AF_INET (host order), port 3478 big-endian, address, zero padding.
    const sin = Buffer.from(arena.bytes.subarray(sockaddrBase, sockaddrBase + 16));
    expect(sin.toString('hex')).toBe(`0200${(3478).toString(16).padStart(4, '0')}0a010203${'00'.repeat(8)}`);
    // sockaddr_in6: family AF_INET6, port, flowinfo 0, address, scope 0.
    const sin6 = Buffer.from(arena.bytes.subarray(sockaddrBase + 32, sockaddrBase + 32 + 28));
    expect(sin6.toString('hex')).toBe(`0a00${(50000).toString(16)}00000000${'fe'.repeat(16)}00000000`);
    // ChannelData header (RFC 8656 §12.4): channel, length of the data, then the data.
    expect(arena.datagram(1).toString('hex')).toBe(`40010003${Buffer.from('abc').toString('hex')}`);
    expect(arena.datagram(0).toString()).toBe('hello');
    expect(arena.ports[0]).toBe(3478);
    expect(arena.addresses.slice(0, 3)).toEqual(['10.1.2.3', 'fefe::', undefined]);
    arena.reset();
    expect(arena.count).toBe(0);
  });

  it('a slot reused for IPv4 after IPv6 has no IPv6 bytes left in sin_zero', () => {
    const native = realNative();
    const arena = new SendArena(native, 1, 64);
    const sockaddrBase = native.layout.mmsghdrSize + native.layout.iovecSize;
    arena.put(Buffer.from('a'), -1, new Uint8Array(16).fill(0xff), 1, 'x');
    arena.reset();
    arena.put(Buffer.from('a'), -1, Uint8Array.from([1, 2, 3, 4]), 1, 'y');
    expect(Buffer.from(arena.bytes.subarray(sockaddrBase + 8, sockaddrBase + 16)).toString('hex')).toBe('00'.repeat(8));
  });
});

describe('BatchedUdpSender', () => {
  it('sends one turn of datagrams with one sendmmsg call, in order, ChannelData framed', async () => {
    const peer = await bound('udp4', '127.0.0.1');
    const src = await bound('udp4', '127.0.0.1');
    const { native, calls } = spy();
    const sender = BatchedUdpSender.attach(src, native)!;
    const arriving = receive(peer, 10);
    for (let i = 0; i < 5; i++) sender.send(numbered(i), peer.address().port, '127.0.0.1');
    for (let i = 5; i < 10; i++) sender.sendChannelData(0x4000 + i, numbered(i), peer.address().port, '127.0.0.1');
    expect(calls).toEqual([]); // nothing before the check phase
    const got = await arriving;
    expect(calls).toEqual([10]);
    expect(got.map((g) => g.msg.length)).toEqual([100, 100, 100, 100, 100, 104, 104, 104, 104, 104]);
    expect(got.slice(0, 5).map((g) => g.msg[0])).toEqual([0, 1, 2, 3, 4]);
    expect(got.slice(5).map((g) => g.msg.readUInt16BE(0))).toEqual([0x4005, 0x4006, 0x4007, 0x4008, 0x4009]);
    expect(
      got.slice(5).every((g) => g.msg.readUInt16BE(2) === 100 && g.msg[4] === g.msg.readUInt16BE(0) - 0x4000),
    ).toBe(true);
    expect(got[0]!.from.port).toBe(src.address().port);
  });

  it('a full arena is flushed at once and the rest goes in the next call', async () => {
    const peer = await bound('udp4', '127.0.0.1');
    const src = await bound('udp4', '127.0.0.1');
    const { native, calls } = spy();
    const sender = BatchedUdpSender.attach(src, native)!;
    const n = ARENA_SLOTS + 3;
    const arriving = receive(peer, n);
    for (let i = 0; i < n; i++) sender.send(numbered(i), peer.address().port, '127.0.0.1');
    expect(calls).toEqual([ARENA_SLOTS]);
    const got = await arriving;
    expect(calls).toEqual([ARENA_SLOTS, 3]);
    expect(got.map((g) => g.msg[0])).toEqual([...Array(n).keys()]);
  });

  it('IPv6 peers, v4-mapped peers on a dual-stack socket, and connected sockets', async () => {
    const v6peer = await bound('udp6', '::1', true);
    const v6src = await bound('udp6', '::1', true);
    const v4peer = await bound('udp4', '127.0.0.1');
    const dual = await bound('udp6', '::');
    const connected = await bound('udp4', '127.0.0.1');
    await new Promise<void>((resolve) => connected.connect(v4peer.address().port, '127.0.0.1', resolve));
    const { native, calls } = spy();
    const arriving6 = receive(v6peer, 2);
    const arriving4 = receive(v4peer, 3);
    const s6 = BatchedUdpSender.attach(v6src, native)!;
    s6.send(Buffer.from('six'), v6peer.address().port, '::1');
    s6.sendChannelData(0x4100, Buffer.from('six-cd'), v6peer.address().port, '::1');
    BatchedUdpSender.attach(dual, native)!.send(Buffer.from('mapped'), v4peer.address().port, '::ffff:127.0.0.1');
    const sc = BatchedUdpSender.attach(connected, native)!;
    sc.send(Buffer.from('conn-1'));
    sc.sendChannelData(0x4200, Buffer.from('conn-2'));
    const [got6, got4] = await Promise.all([arriving6, arriving4]);
    expect(calls.sort()).toEqual([1, 2, 2]);
    expect(got6.map((g) => g.msg.toString('latin1'))).toEqual(['six', '\x41\x00\x00\x06six-cd']);
    expect(got6[0]!.from).toMatchObject({ address: '::1', port: v6src.address().port });
    const texts = got4.map((g) => g.msg.toString('latin1')).sort();
    expect(texts).toEqual(['\x42\x00\x00\x06conn-2', 'conn-1', 'mapped']);
    const mapped = got4.find((g) => g.msg.toString() === 'mapped')!;
    expect(mapped.from.port).toBe(dual.address().port);
  });

  it('EAGAIN: the batch goes through dgram, and so does what follows until dgram is done, in order', async () => {
    const peer = await bound('udp4', '127.0.0.1');
    const src = await bound('udp4', '127.0.0.1');
    const { native, calls } = spy({ fail: (call) => (call === 1 ? EAGAIN : undefined) });
    const sender = BatchedUdpSender.attach(src, native)!;
    const arriving = receive(peer, 8);
    for (let i = 0; i < 4; i++) sender.send(numbered(i), peer.address().port, '127.0.0.1');
    sender.flush(); // EAGAIN → the 4 go to dgram, whose completions come on a later tick
    for (let i = 4; i < 8; i++) sender.send(numbered(i), peer.address().port, '127.0.0.1');
    const got = await arriving;
    expect(calls).toEqual([4]); // the sends after the EAGAIN did not overtake through sendmmsg
    expect(got.map((g) => g.msg[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // Once dgram has finished, batching resumes.
    const again = receive(peer, 2);
    sender.send(numbered(8), peer.address().port, '127.0.0.1');
    sender.send(numbered(9), peer.address().port, '127.0.0.1');
    expect((await again).map((g) => g.msg[0])).toEqual([8, 9]);
    expect(calls).toEqual([4, 2]);
  });

  it('a partial send: the unsent rest is handed to dgram, nothing lost', async () => {
    const peer = await bound('udp4', '127.0.0.1');
    const src = await bound('udp4', '127.0.0.1');
    // The kernel accepts 3, then the next call fails as a full buffer would.
    const { native, calls } = spy({ limit: 3, fail: (call) => (call === 2 ? EAGAIN : undefined) });
    const sender = BatchedUdpSender.attach(src, native)!;
    const arriving = receive(peer, 10);
    for (let i = 0; i < 10; i++) sender.sendChannelData(0x4000, numbered(i), peer.address().port, '127.0.0.1');
    const got = await arriving;
    expect(calls).toEqual([10, 7]);
    expect(got.map((g) => g.msg[4])).toEqual([...Array(10).keys()]);
    expect(got.every((g) => g.msg.length === 104 && g.msg.readUInt16BE(0) === 0x4000)).toBe(true);
  });

  it('an error other than EAGAIN: that datagram fails silently as with dgram, the rest still go out', async () => {
    const peer = await bound('udp4', '127.0.0.1');
    const src = await bound('udp4', '127.0.0.1');
    const { native, calls } = spy();
    const sender = BatchedUdpSender.attach(src, native)!;
    const errors: Error[] = [];
    src.on('error', (err) => errors.push(err));
    const arriving = receive(peer, 2);
    // Broadcast without SO_BROADCAST: the kernel refuses it (EACCES), for sendmmsg and then for dgram,
    // which reports nothing for a send without callback. The datagrams around it are delivered.
    sender.send(Buffer.from('before'), peer.address().port, '127.0.0.1');
    sender.send(Buffer.from('refused'), 9, '255.255.255.255');
    sender.send(Buffer.from('after'), peer.address().port, '127.0.0.1');
    const got = await arriving;
    expect(got.map((g) => g.msg.toString())).toEqual(['before', 'after']);
    expect(calls).toEqual([3, 2]); // 1 sent, then the refusal; the rest went through dgram
    expect(errors).toEqual([]);
  });

  it('datagrams larger than a slot go through dgram after what was queued before them', async () => {
    const peer = await bound('udp4', '127.0.0.1');
    const src = await bound('udp4', '127.0.0.1');
    const { native, calls } = spy();
    const sender = BatchedUdpSender.attach(src, native)!;
    const arriving = receive(peer, 4);
    sender.send(numbered(1), peer.address().port, '127.0.0.1');
    sender.send(numbered(2), peer.address().port, '127.0.0.1');
    sender.sendChannelData(0x4000, numbered(3, SLOT_PAYLOAD_BYTES - 3), peer.address().port, '127.0.0.1');
    sender.send(numbered(4), peer.address().port, '127.0.0.1');
    const got = await arriving;
    // The two queued before it went first; the one after followed the oversize one through dgram.
    expect(calls).toEqual([2]);
    expect(got.map((g) => g.msg.length)).toEqual([100, 100, SLOT_PAYLOAD_BYTES + 1, 100]);
    expect(got[2]!.msg.readUInt16BE(2)).toBe(SLOT_PAYLOAD_BYTES - 3);
    expect(got.map((g) => g.msg.at(-1))).toEqual([1, 2, 3, 4]);
  });

  it('closeQuietly sends what was queued before the fd closes; a flush after a bare close sends nothing', async () => {
    const peer = await bound('udp4', '127.0.0.1');
    const src = await bound('udp4', '127.0.0.1');
    const { native, calls } = spy();
    const arriving = receive(peer, 3);
    const sender = BatchedUdpSender.attach(src, native)!;
    for (let i = 0; i < 3; i++) sender.send(numbered(i), peer.address().port, '127.0.0.1');
    closeQuietly(src);
    expect((await arriving).map((g) => g.msg[0])).toEqual([0, 1, 2]);
    expect(calls).toEqual([3]);

    // Closed behind the sender's back: its fd number may already belong to a new socket, which must not send.
    const other = await bound('udp4', '127.0.0.1');
    const late = BatchedUdpSender.attach(other, native)!;
    const stray = receive(peer, 1, 300);
    late.send(numbered(9), peer.address().port, '127.0.0.1');
    other.close();
    const reused = await bound('udp4', '127.0.0.1');
    await turn();
    expect(calls).toEqual([3]);
    expect(await stray).toEqual([]);
    expect(reused.address().port).toBeGreaterThan(0);
  });

  it('addresses that are not IP literals of the socket family are left to dgram', async () => {
    const peer = await bound('udp4', '127.0.0.1');
    const src = await bound('udp4', '127.0.0.1');
    const { native, calls } = spy();
    const sender = BatchedUdpSender.attach(src, native)!;
    const arriving = receive(peer, 1);
    sender.send(Buffer.from('by name'), peer.address().port, 'localhost');
    const got = await arriving;
    expect(got.map((g) => g.msg.toString())).toEqual(['by name']);
    expect(calls).toEqual([]);
  });
});
