// One MIT-SHM image: a System V shared-memory segment the X server writes the screen into, seen from
// JS as a Buffer over that memory (koffi.view), so a grab copies nothing on our side. The segment is
// marked for removal as soon as both sides are attached, so a crashed agent leaks nothing.
import type { XConnection } from './display';
import { X11Error } from './errors';
import { isNull, koffi, Libc, type Ptr, X, Xext } from './native';

const IPC_PRIVATE = 0;
const IPC_CREAT = 0o1000;
const IPC_RMID = 0;
const ZPIXMAP = 2;
/** AllPlanes as an unsigned long. */
const ALL_PLANES = 0xffffffffffffffffn;

export class ShmImage {
  readonly data: Buffer;
  readonly stride: number;
  private readonly image: Ptr;
  private readonly shminfo = Buffer.alloc(32);
  private readonly addr: Ptr;
  private closed = false;

  constructor(
    private readonly conn: XConnection,
    readonly width: number,
    readonly height: number,
  ) {
    const x = X();
    const visual = x.XDefaultVisual(conn.dpy, conn.screen);
    const depth = x.XDefaultDepth(conn.dpy, conn.screen) as number;
    const image = Xext().XShmCreateImage(conn.dpy, visual, depth, ZPIXMAP, null, this.shminfo, width, height);
    if (isNull(image)) throw new X11Error('no_extension', `XShmCreateImage failed on ${conn.name}`);
    this.image = image;
    // XImage (LP64): char *data @16, int bytes_per_line @44, int bits_per_pixel @48.
    const fields = Buffer.from(koffi.view(image, 56));
    this.stride = fields.readInt32LE(44);
    const bpp = fields.readInt32LE(48);
    if (bpp !== 32) {
      x.XFree(image);
      throw new X11Error('no_extension', `${conn.name} has ${bpp} bits per pixel; only 32 (BGRX) is supported`);
    }
    const size = this.stride * height;
    const libc = Libc();
    const shmid = libc.shmget(IPC_PRIVATE, size, IPC_CREAT | 0o600) as number;
    if (shmid < 0) {
      x.XFree(image);
      throw new X11Error('no_extension', `shmget of ${size} bytes failed (kernel.shmmax?)`);
    }
    const addr = libc.shmat(shmid, null, 0);
    if (koffi.address(addr) === ALL_PLANES) {
      libc.shmctl(shmid, IPC_RMID, null);
      x.XFree(image);
      throw new X11Error('no_extension', 'shmat failed');
    }
    this.addr = addr;
    // XShmSegmentInfo: ShmSeg shmseg @0, int shmid @8, char *shmaddr @16, Bool readOnly @24.
    this.shminfo.writeInt32LE(shmid, 8);
    this.shminfo.writeBigUInt64LE(koffi.address(addr), 16);
    this.shminfo.writeInt32LE(0, 24);
    fields.writeBigUInt64LE(koffi.address(addr), 16);
    const attached = conn.checked(() => Xext().XShmAttach(conn.dpy, this.shminfo));
    // Removal is deferred by the kernel until the last detach; from here nothing can leak.
    libc.shmctl(shmid, IPC_RMID, null);
    if (!attached) {
      libc.shmdt(addr);
      fields.writeBigUInt64LE(0n, 16);
      x.XFree(image);
      throw new X11Error('no_extension', `the X server ${conn.name} cannot attach our shared memory (not local?)`);
    }
    this.data = Buffer.from(koffi.view(addr, size));
  }

  /** Reads the root window's pixels at (x, y) into this image; false if the X server refused. */
  grab(rootX: number, rootY: number): boolean {
    if (this.closed || !this.conn.alive) return false;
    return (Xext().XShmGetImage(this.conn.dpy, this.conn.root, this.image, rootX, rootY, ALL_PLANES) as number) !== 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.conn.alive) {
      Xext().XShmDetach(this.conn.dpy, this.shminfo);
      this.conn.sync();
    }
    Libc().shmdt(this.addr);
    // The image struct is Xlib's; its data pointer is ours and must not be freed by Xlib.
    Buffer.from(koffi.view(this.image, 24)).writeBigUInt64LE(0n, 16);
    X().XFree(this.image);
  }
}
