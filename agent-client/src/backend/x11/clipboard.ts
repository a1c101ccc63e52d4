// The CLIPBOARD selection of one X display, UTF-8 text and PNG images. X has no clipboard storage:
// whoever copied keeps the data and answers requests, so after a console writes, the agent owns the
// selection (an unmapped window of its own) and serves it until someone else copies. Reads convert
// the selection to our window's property (INCR transfers included); XFixes reports a new owner.
import type { Logger } from '../../log';
import type { ClipboardData } from '../types';
import type { XConnection } from './display';
import { X11Error } from './errors';
import { isNull, koffi, type Ptr, readULong, writeULong, X, XEVENT_BYTES, Xfixes } from './native';

const SelectionClear = 29;
const SelectionRequest = 30;
const SelectionNotify = 31;
const PropertyNotify = 28;
const PropertyChangeMask = 1 << 22;
const PropertyNewValue = 0;
const XA_ATOM = 4;
const XA_STRING = 31;
const PropModeReplace = 0;
const XFixesSetSelectionOwnerNotifyMask = 1;
const XFixesSelectionNotify = 0;
const TIMEOUT_MS = 2000;
const TEXT_TARGETS = ['UTF8_STRING', 'text/plain;charset=utf-8', 'TEXT', 'STRING', 'text/plain'];

interface Prop {
  type: number;
  format: number;
  data: Buffer;
}

export class X11Clipboard {
  private readonly win: number;
  private owned: ClipboardData | null = null;
  private readonly offs: (() => void)[] = [];
  private readonly watchers = new Set<(c: ClipboardData) => void>();
  private readonly waiters = new Set<{ match: (ev: Buffer) => boolean; resolve: (ev: Buffer) => void }>();
  private readonly sel: number;
  private closed = false;
  private busy: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly conn: XConnection,
    private readonly log: Logger,
    private readonly maxBytes: number,
  ) {
    const x = X();
    this.win = x.XCreateSimpleWindow(conn.dpy, conn.root, -10, -10, 1, 1, 0, 0, 0) as number;
    x.XSelectInput(conn.dpy, this.win, PropertyChangeMask);
    this.sel = conn.atom('CLIPBOARD');
    const base = Buffer.alloc(8);
    Xfixes().XFixesQueryExtension(conn.dpy, base.subarray(0, 4), base.subarray(4));
    Xfixes().XFixesSelectSelectionInput(conn.dpy, conn.root, this.sel, XFixesSetSelectionOwnerNotifyMask);
    this.offs.push(
      conn.on(SelectionRequest, (ev) => this.onRequest(ev)),
      conn.on(SelectionClear, (ev) => {
        if (readULong(ev, 32) === this.win && readULong(ev, 40) === this.sel) this.owned = null;
      }),
      conn.on(base.readInt32LE(0) + XFixesSelectionNotify, (ev) => this.onOwnerChange(ev)),
      conn.on(SelectionNotify, (ev) => this.dispatch(ev)),
      conn.on(PropertyNotify, (ev) => this.dispatch(ev)),
    );
    conn.flush();
  }

  /** What the device's clipboard holds now (PNG preferred over text when both are offered). */
  read(): Promise<ClipboardData | null> {
    // One conversion at a time: they share our window's property.
    const p = this.busy.then(() => this.readNow());
    this.busy = p.catch(() => {});
    return p;
  }

  async write(data: ClipboardData): Promise<void> {
    if (data.data.length > this.maxBytes)
      throw new X11Error('too_large', `clipboard content over ${this.maxBytes} bytes`);
    this.owned = { mime: data.mime, data: Buffer.from(data.data) };
    X().XSetSelectionOwner(this.conn.dpy, this.sel, this.win, 0);
    this.conn.sync();
    if (readOwner(this.conn, this.sel) !== this.win) {
      this.owned = null;
      throw new X11Error('clipboard', 'could not take the clipboard selection');
    }
  }

  watch(fn: (c: ClipboardData) => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.offs) off();
    for (const w of this.waiters) w.resolve(Buffer.alloc(0));
    if (this.conn.alive) {
      X().XDestroyWindow(this.conn.dpy, this.win);
      this.conn.flush();
    }
  }

  private onOwnerChange(ev: Buffer) {
    // XFixesSelectionNotifyEvent: window @32, int subtype @40, Window owner @48, Atom selection @56.
    const owner = readULong(ev, 48);
    if (readULong(ev, 56) !== this.sel || owner === this.win || owner === 0 || this.watchers.size === 0) return;
    this.read()
      .then((c) => {
        if (!c) return;
        for (const w of this.watchers) w(c);
      })
      .catch((err) =>
        this.log.warn({ code: (err as X11Error).code, msg: (err as Error).message }, 'clipboard read failed'),
      );
  }

  private async readNow(): Promise<ClipboardData | null> {
    if (this.closed || !this.conn.alive) return null;
    const owner = readOwner(this.conn, this.sel);
    if (owner === 0) return null;
    if (owner === this.win) return this.owned ? { mime: this.owned.mime, data: Buffer.from(this.owned.data) } : null;
    const targets = await this.convert('TARGETS');
    const names =
      targets && targets.format === 32
        ? decodeLongsFromBuffer(targets.data).map((a) => this.conn.atomName(a))
        : TEXT_TARGETS;
    if (names.includes('image/png')) {
      const png = await this.convert('image/png');
      if (png?.data.length) return { mime: 'image/png', data: png.data };
    }
    const text = TEXT_TARGETS.find((t) => names.includes(t));
    if (!text) return null;
    const got = await this.convert(text);
    if (!got) return null;
    // STRING is Latin-1 by the ICCCM; everything else we ask for is UTF-8.
    const data = got.type === XA_STRING ? Buffer.from(got.data.toString('latin1'), 'utf8') : got.data;
    return { mime: 'text/plain', data };
  }

  private async convert(target: string): Promise<Prop | null> {
    const prop = this.conn.atom('RC_RELAY_SEL');
    const tgt = this.conn.atom(target);
    X().XConvertSelection(this.conn.dpy, this.sel, tgt, prop, this.win, 0);
    this.conn.flush();
    const ev = await this.wait((e) => e.readInt32LE(0) === SelectionNotify && readULong(e, 32) === this.win);
    if (!ev || readULong(ev, 56) === 0) return null;
    const first = this.getProperty(prop);
    if (!first) return null;
    if (first.type !== this.conn.atom('INCR')) return first;
    // INCR (ICCCM 2.7.2): deleting the property asks for the next chunk; an empty chunk ends it.
    const total = first.data.length >= 4 ? first.data.readUInt32LE(0) : 0;
    if (total > this.maxBytes) throw new X11Error('too_large', `clipboard content over ${this.maxBytes} bytes`);
    const chunks: Buffer[] = [];
    let size = 0;
    let type = 0;
    for (;;) {
      const pe = await this.wait(
        (e) =>
          e.readInt32LE(0) === PropertyNotify &&
          readULong(e, 32) === this.win &&
          readULong(e, 40) === prop &&
          e.readInt32LE(56) === PropertyNewValue,
      );
      if (!pe) return null;
      const chunk = this.getProperty(prop);
      if (!chunk || chunk.data.length === 0) break;
      type = chunk.type;
      size += chunk.data.length;
      if (size > this.maxBytes) throw new X11Error('too_large', `clipboard content over ${this.maxBytes} bytes`);
      chunks.push(chunk.data);
    }
    return { type, format: 8, data: Buffer.concat(chunks) };
  }

  /** Reads and deletes a property of our window. */
  private getProperty(prop: number): Prop | null {
    const o = Buffer.alloc(40);
    const longs = Math.ceil(this.maxBytes / 4) + 1;
    const rc = X().XGetWindowProperty(
      this.conn.dpy,
      this.win,
      prop,
      0,
      longs,
      1,
      0,
      o.subarray(0, 8),
      o.subarray(8, 12),
      o.subarray(16, 24),
      o.subarray(24, 32),
      o.subarray(32, 40),
    ) as number;
    if (rc !== 0) return null;
    const type = readULong(o, 0);
    const format = o.readInt32LE(8);
    const nitems = readULong(o, 16);
    const after = readULong(o, 24);
    const ptr: Ptr = koffi.decode(o.subarray(32, 40), 'void*');
    try {
      if (after > 0) throw new X11Error('too_large', `clipboard content over ${this.maxBytes} bytes`);
      if (type === 0 || isNull(ptr)) return { type, format, data: Buffer.alloc(0) };
      // Format 32 items are C longs in Xlib's buffer; 8 and 16 are packed.
      const bytes = format === 32 ? nitems * 8 : (nitems * format) / 8;
      return { type, format, data: Buffer.from(new Uint8Array(koffi.view(ptr, bytes))) };
    } finally {
      if (!isNull(ptr)) X().XFree(ptr);
    }
  }

  private onRequest(ev: Buffer) {
    // XSelectionRequestEvent: owner @32, requestor @40, selection @48, target @56, property @64, time @72.
    const requestor = readULong(ev, 40);
    const selection = readULong(ev, 48);
    const target = readULong(ev, 56);
    let property = readULong(ev, 64) || target; // obsolete clients pass None
    const d = this.conn.dpy;
    const owned = this.owned;
    const name = this.conn.atomName(target);
    const offered = !owned ? [] : owned.mime === 'image/png' ? ['image/png'] : TEXT_TARGETS;
    if (selection !== this.sel || !owned) property = 0;
    else if (name === 'TARGETS') {
      const atoms = ['TARGETS', ...offered].map((n) => this.conn.atom(n));
      const buf = Buffer.alloc(atoms.length * 8);
      for (const [i, a] of atoms.entries()) writeULong(buf, i * 8, a);
      X().XChangeProperty(d, requestor, property, XA_ATOM, 32, PropModeReplace, buf, atoms.length);
    } else if (offered.includes(name)) {
      const latin1 = name === 'STRING';
      const data = latin1 ? Buffer.from(owned.data.toString('utf8'), 'latin1') : owned.data;
      const type = latin1 ? XA_STRING : name === 'TEXT' ? this.conn.atom('UTF8_STRING') : target;
      X().XChangeProperty(d, requestor, property, type, 8, PropModeReplace, data, data.length);
    } else property = 0;
    const reply = Buffer.alloc(XEVENT_BYTES);
    reply.writeInt32LE(SelectionNotify, 0);
    writeULong(reply, 32, requestor);
    writeULong(reply, 40, selection);
    writeULong(reply, 48, target);
    writeULong(reply, 56, property);
    reply.set(ev.subarray(72, 80), 64);
    X().XSendEvent(d, requestor, 0, 0, reply);
    this.conn.flush();
  }

  private wait(match: (ev: Buffer) => boolean): Promise<Buffer | null> {
    return new Promise((resolve) => {
      const w = {
        match,
        resolve: (ev: Buffer) => {
          clearTimeout(t);
          this.waiters.delete(w);
          resolve(ev.length ? Buffer.from(ev) : null);
        },
      };
      const t = setTimeout(() => {
        this.waiters.delete(w);
        resolve(null);
      }, TIMEOUT_MS);
      this.waiters.add(w);
    });
  }

  private dispatch(ev: Buffer) {
    for (const w of [...this.waiters]) if (w.match(ev)) w.resolve(ev);
  }
}

function readOwner(conn: XConnection, sel: number): number {
  return X().XGetSelectionOwner(conn.dpy, sel) as number;
}

function decodeLongsFromBuffer(b: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i + 8 <= b.length; i += 8) out.push(readULong(b, i));
  return out;
}
