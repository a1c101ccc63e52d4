// sendmmsg(2) from libc through koffi (its binary ships inside the npm package, nothing is compiled),
// and the struct layout read from koffi rather than hard-coded, so the arena matches this ABI.
// Loaded once per thread; any failure (not Linux, no koffi, no libc symbol) is reported as a reason
// and the caller keeps Node's dgram send.
import { createRequire } from 'node:module';

export interface SendmmsgLayout {
  /** sizeof(struct mmsghdr): the stride of the message vector. */
  mmsghdrSize: number;
  msgName: number;
  msgNamelen: number;
  msgIov: number;
  msgIovlen: number;
  iovecSize: number;
  iovBase: number;
  iovLen: number;
  /** sizeof(size_t) and of a pointer: 8 on the 64-bit targets this is enabled for. */
  wordSize: number;
}

export interface SendmmsgNative {
  /**
   * int sendmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags); -1 and errno on failure.
   * `vec` is a native address as a number (user-space addresses fit in 53 bits), so a retry can start
   * mid-vector without making a pointer object.
   */
  sendmmsg(fd: number, vec: number, vlen: number, flags: number): number;
  errno(): number;
  /** Zeroed native memory that stays put (the kernel reads it during the call). */
  alloc(bytes: number): unknown;
  view(ptr: unknown, bytes: number): ArrayBuffer;
  address(ptr: unknown): bigint;
  layout: SendmmsgLayout;
}

export type SendmmsgLoad = { ok: true; native: SendmmsgNative } | { ok: false; reason: string };

/** Linux values (asm-generic and x86): flags and errno. */
export const MSG_DONTWAIT = 0x40;
export const EAGAIN = 11;
export const EINTR = 4;

let cached: SendmmsgLoad | undefined;

export function loadSendmmsg(platform: string = process.platform, arch: string = process.arch): SendmmsgLoad {
  if (platform !== 'linux') return { ok: false, reason: `sendmmsg batching needs Linux, this is ${platform}` };
  // The errno and flag values above and the 8-byte pointer writes in the arena assume 64-bit Linux.
  if (arch !== 'x64' && arch !== 'arm64') return { ok: false, reason: `sendmmsg batching not enabled on ${arch}` };
  cached ??= tryLoad();
  return cached;
}

function tryLoad(): SendmmsgLoad {
  try {
    // koffi is loaded only here, so a missing or broken binary costs the fast path, not the server.
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
    const lib = koffi.load('libc.so.6');
    const sendmmsg = lib.func('int sendmmsg(int fd, uintptr_t msgvec, unsigned int vlen, int flags)') as (
      fd: number,
      vec: number,
      vlen: number,
      flags: number,
    ) => number;
    const iovec = koffi.struct('rc_turn_iovec', { iov_base: 'void *', iov_len: 'size_t' });
    const msghdr = koffi.struct('rc_turn_msghdr', {
      msg_name: 'void *',
      msg_namelen: 'uint32_t',
      msg_iov: 'void *',
      msg_iovlen: 'size_t',
      msg_control: 'void *',
      msg_controllen: 'size_t',
      msg_flags: 'int',
    });
    const mmsghdr = koffi.struct('rc_turn_mmsghdr', { msg_hdr: msghdr, msg_len: 'unsigned int' });
    const layout: SendmmsgLayout = {
      mmsghdrSize: koffi.sizeof(mmsghdr),
      msgName: koffi.offsetof(msghdr, 'msg_name'),
      msgNamelen: koffi.offsetof(msghdr, 'msg_namelen'),
      msgIov: koffi.offsetof(msghdr, 'msg_iov'),
      msgIovlen: koffi.offsetof(msghdr, 'msg_iovlen'),
      iovecSize: koffi.sizeof(iovec),
      iovBase: koffi.offsetof(iovec, 'iov_base'),
      iovLen: koffi.offsetof(iovec, 'iov_len'),
      wordSize: koffi.sizeof('size_t'),
    };
    if (layout.wordSize !== 8) return { ok: false, reason: `size_t is ${layout.wordSize} bytes, expected 8` };
    return {
      ok: true,
      native: {
        sendmmsg,
        errno: () => koffi.errno(),
        alloc: (bytes) => koffi.alloc('uint8_t', bytes),
        view: (ptr, bytes) => koffi.view(ptr, bytes),
        address: (ptr) => koffi.address(ptr),
        layout,
      },
    };
  } catch (err) {
    return { ok: false, reason: `sendmmsg unavailable: ${(err as Error).message.split('\n')[0]}` };
  }
}
