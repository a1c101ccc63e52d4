// One Xlib connection to one X display: opened with our error handlers installed (an X error is
// logged, never fatal; a lost connection marks this display dead instead of exit()ing the agent),
// atoms cached, and a small event pump that hands events to listeners by type. Xlib is only called
// from the Node main thread. close() is idempotent and runs the owners' cleanups first.
import type { Logger } from '../../log';
import { X11Error } from './errors';
import { isNull, koffi, type Ptr, readULong, X, XEVENT_BYTES } from './native';

export type EventListener = (ev: Buffer) => void;

const open = new Map<bigint, XConnection>();
let handlersInstalled = false;
// Kept referenced for the life of the process: Xlib holds these function pointers.
let errorCb: unknown;
let ioErrorCb: unknown;
let ioExitCb: unknown;
let lastErrorLog = 0;
let suppressedErrors = 0;

function installHandlers(log: Logger) {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const ErrorHandler = koffi.proto('int XErrorHandlerRc(void *dpy, void *ev)');
  const IOErrorHandler = koffi.proto('int XIOErrorHandlerRc(void *dpy)');
  const IOExitHandler = koffi.proto('void XIOErrorExitHandlerRc(void *dpy, void *data)');
  errorCb = koffi.register((dpy: Ptr, ev: Ptr) => {
    // XErrorEvent: int type; Display*; XID resourceid; ulong serial; uchar error_code, request_code, minor_code.
    const raw = Buffer.from(koffi.decode(ev, 'uint8_t', 40) as number[]);
    const conn = open.get(koffi.address(dpy));
    const errorCode = raw[32]!;
    const requestCode = raw[33]!;
    const minorCode = raw[34]!;
    conn?.onXError(errorCode, requestCode, minorCode);
    // Errors can come in bursts (a window vanishing under a request): log at most one per second.
    const now = Date.now();
    if (now - lastErrorLog < 1000) {
      suppressedErrors++;
      return 0;
    }
    lastErrorLog = now;
    (conn?.log ?? log).warn({ errorCode, requestCode, minorCode, suppressed: suppressedErrors }, 'X protocol error');
    suppressedErrors = 0;
    return 0;
  }, koffi.pointer(ErrorHandler));
  ioErrorCb = koffi.register((dpy: Ptr) => {
    open.get(koffi.address(dpy))?.markDead();
    return 0;
  }, koffi.pointer(IOErrorHandler));
  ioExitCb = koffi.register((dpy: Ptr) => {
    // Returning (instead of exit()) leaves the Display flagged as broken; we only close it after.
    open.get(koffi.address(dpy))?.markDead();
  }, koffi.pointer(IOExitHandler));
  X().XSetErrorHandler(errorCb);
  X().XSetIOErrorHandler(ioErrorCb);
}

export class XConnection {
  readonly screen: number;
  readonly root: number;
  private readonly atoms = new Map<string, number>();
  private readonly listeners = new Map<number, Set<EventListener>>();
  private readonly cleanups = new Set<() => void>();
  private readonly ev = Buffer.alloc(XEVENT_BYTES);
  private readonly pumpTimer: NodeJS.Timeout;
  private closed = false;
  private dead = false;
  /** Set by the error handler; callers that need to know whether a request failed reset and check it. */
  lastError: { errorCode: number; requestCode: number; minorCode: number } | undefined;
  onDead: () => void = () => {};

  private constructor(
    readonly name: string,
    readonly dpy: Ptr,
    readonly log: Logger,
  ) {
    this.screen = X().XDefaultScreen(dpy) as number;
    this.root = X().XRootWindow(dpy, this.screen) as number;
    // Events are read every 20 ms and before each grab; XPending costs one non-blocking read.
    this.pumpTimer = setInterval(() => this.pump(), 20);
    this.pumpTimer.unref();
  }

  static open(name: string, log: Logger, xauthority?: string): XConnection {
    installHandlers(log);
    // Xlib reads XAUTHORITY when it connects; it is only ever set around the call.
    const prev = process.env.XAUTHORITY;
    if (xauthority) process.env.XAUTHORITY = xauthority;
    let dpy: Ptr;
    try {
      dpy = X().XOpenDisplay(name);
    } finally {
      if (xauthority) {
        if (prev === undefined) delete process.env.XAUTHORITY;
        else process.env.XAUTHORITY = prev;
      }
    }
    if (isNull(dpy)) {
      throw new X11Error(
        'no_display',
        `cannot open X display ${name} (is it running, and may this user read its Xauthority?)`,
      );
    }
    const conn = new XConnection(name, dpy, log.child({ display: name }));
    open.set(koffi.address(dpy), conn);
    X().XSetIOErrorExitHandler(dpy, ioExitCb, null);
    return conn;
  }

  get alive(): boolean {
    return !this.closed && !this.dead;
  }

  get width(): number {
    return X().XDisplayWidth(this.dpy, this.screen) as number;
  }

  get height(): number {
    return X().XDisplayHeight(this.dpy, this.screen) as number;
  }

  atom(name: string): number {
    let a = this.atoms.get(name);
    if (a === undefined) {
      a = X().XInternAtom(this.dpy, name, 0) as number;
      this.atoms.set(name, a);
    }
    return a;
  }

  atomName(atom: number): string {
    for (const [n, a] of this.atoms) if (a === atom) return n;
    const p = X().XGetAtomName(this.dpy, atom);
    if (isNull(p)) return '';
    const s = koffi.decode(p, 'char', -1) as string;
    X().XFree(p);
    this.atoms.set(s, atom);
    return s;
  }

  on(type: number, fn: EventListener): () => void {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(fn);
    return () => set.delete(fn);
  }

  /** Hands every queued event to its listeners. */
  pump(): void {
    if (!this.alive) return;
    while (this.alive && (X().XPending(this.dpy) as number) > 0) {
      X().XNextEvent(this.dpy, this.ev);
      const type = this.ev.readInt32LE(0) & 0x7f;
      for (const fn of this.listeners.get(type) ?? []) {
        try {
          fn(this.ev);
        } catch (err) {
          this.log.error({ err, type }, 'X event listener failed');
        }
      }
    }
  }

  flush(): void {
    if (this.alive) X().XFlush(this.dpy);
  }

  /** Round trip: every request so far has been processed (and its errors reported). */
  sync(): void {
    if (this.alive) X().XSync(this.dpy, 0);
  }

  /** Runs `fn` and reports whether the X server answered any of its requests with an error. */
  checked(fn: () => void): boolean {
    this.lastError = undefined;
    fn();
    this.sync();
    return this.lastError === undefined;
  }

  onXError(errorCode: number, requestCode: number, minorCode: number): void {
    this.lastError = { errorCode, requestCode, minorCode };
  }

  markDead(): void {
    if (this.dead) return;
    this.dead = true;
    this.log.warn('X connection lost');
    try {
      this.onDead();
    } catch (err) {
      this.log.error({ err }, 'onDead failed');
    }
  }

  /** Registers a cleanup to run (newest first) before the display closes; returns its removal. */
  addCleanup(fn: () => void): () => void {
    this.cleanups.add(fn);
    return () => this.cleanups.delete(fn);
  }

  close(): void {
    if (this.closed) return;
    clearInterval(this.pumpTimer);
    for (const fn of [...this.cleanups].reverse()) {
      try {
        fn();
      } catch (err) {
        this.log.error({ err }, 'X cleanup failed');
      }
    }
    this.closed = true;
    // XCloseDisplay on a dead connection still frees the client-side structures.
    X().XCloseDisplay(this.dpy);
    open.delete(koffi.address(this.dpy));
  }
}

export { readULong };
