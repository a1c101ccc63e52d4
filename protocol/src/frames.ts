// The remote-desktop channel: length-prefixed binary frames shared by agent and console, carried on
// LAN TCP (ports 42187–42189, inside TLS) and on WebRTC data channels (one frame per message).
//
//   frame = u32 BE length | u8 kind | body      (length counts kind + body, ≤ MAX_FRAME_BYTES)
//
// Integers are big-endian; `str8`/`str16` are a u8/u16 byte length followed by UTF-8.
//
// WebRTC roles: the console is the offerer (it creates the data channels `input`, `clipboard` and
// `control` and a recvonly video transceiver); the agent answers and adds its screen track. Over WebRTC
// the screen is the video track, so `tile`/`frame.end`/`ack` are used on LAN only.
//
// LAN: on 42189 the console sends `lan.connect` (the ticket) and gets `lan.accepted` (a random 32-byte
// session key) or `error`; on 42187 and 42188 its first frame is `bind` with that key. 42187 then
// carries screen (`screen.info`, `tile`, `frame.end`, `cursor`) one way and `ack`, `settings`,
// `refresh`, `pointer`, `key`, `clipboard`, `clipboard.get` the other (`clipboard` both ways); 42188 carries `sessions.get`/`sessions`/`session.switch`.
// Monitors: the agent sends `monitors` (the list and the selection) after `screen.info` on 42187, or
// when WebRTC's `control` channel opens, and whenever either changes; the console picks one with
// `monitor.select` (42187 / `control`). Pointer coordinates are always relative to the picture shown.
// Screen updates are flow-controlled: the agent sends a frame only while it holds credits, which
// `ack` grants, so a slow link skips stale frames instead of queueing them.

import type { Monitor, UserSession } from './common';
import { isMonitorList, isSessionList } from './frame-checks';
import { Invalid, Reader, Truncated, Writer } from './frame-io';

/** Largest frame (kind + body). Fits the 256 KiB message size libwebrtc data channels negotiate. */
export const MAX_FRAME_BYTES = 256 * 1024;
/** Largest clipboard payload carried in one frame; larger clipboards are refused, not truncated. */
export const MAX_CLIPBOARD_BYTES = MAX_FRAME_BYTES - 16;
export const SESSION_KEY_BYTES = 32;
const HEADER_BYTES = 4;

export const TileEncoding = { jpeg: 1, raw: 2, deflate: 3 } as const;
export type TileEncodingName = keyof typeof TileEncoding;
export const ClipboardMime = { 'text/plain': 1, 'image/png': 2 } as const;
export type ClipboardMimeName = keyof typeof ClipboardMime;

/** Pointer buttons as a bit mask, as in the DOM's MouseEvent.buttons. */
export const PointerButton = { left: 1, right: 2, middle: 4, back: 8, forward: 16 } as const;
/** Key modifiers as a bit mask. */
export const Modifier = { shift: 1, ctrl: 2, alt: 4, meta: 8 } as const;

/** Error codes carried in `error` frames. */
export const FrameErrorCode = {
  bad_frame: 'the frame could not be decoded',
  unexpected: 'the frame is not valid on this port or in this state',
  invalid_ticket: 'the ticket is forged, expired, for another device or not a LAN ticket',
  denied: 'the device user or the policy refused the session',
  consent_timeout: 'the device user did not answer in time',
  bad_key: 'the session key is unknown or its session has ended',
  view_only: 'input and clipboard writes are refused in a view-only session',
  too_large: 'the payload exceeds its limit',
  not_found: 'the user session does not exist',
  unsupported: 'the backend cannot do this',
  internal: 'a bug on the agent; the request was not carried out',
} as const;
export type FrameErrorCode = keyof typeof FrameErrorCode;

export type Frame =
  | { type: 'lan.connect'; ticket: string }
  | { type: 'lan.accepted'; sessionId: string; mode: 'view' | 'control'; key: Buffer }
  | { type: 'bind'; key: Buffer }
  | { type: 'screen.info'; width: number; height: number }
  | {
      type: 'tile';
      seq: number;
      x: number;
      y: number;
      w: number;
      h: number;
      encoding: TileEncodingName;
      data: Buffer;
    }
  /** The end of one screen update; captureTime is ms since the epoch, for latency measurements. */
  | { type: 'frame.end'; seq: number; captureTime: number; tiles: number }
  /** The console has shown frame `seq` and may take `credits` more frames beyond it. */
  | { type: 'ack'; seq: number; credits: number }
  | { type: 'settings'; quality: number; fps: number }
  | { type: 'refresh' }
  | { type: 'pointer'; x: number; y: number; buttons: number; wheelX: number; wheelY: number }
  | { type: 'key'; code: string; key: string; down: boolean; modifiers: number }
  | { type: 'clipboard'; mime: ClipboardMimeName; data: Buffer }
  /** Asks for the device's clipboard; answered with `clipboard` (or `error`). */
  | { type: 'clipboard.get' }
  | {
      type: 'cursor';
      x: number;
      y: number;
      visible: boolean;
      /** RGBA pixels of the shape, w*h*4 bytes; empty when only the position changed. */
      shape: { w: number; h: number; hotX: number; hotY: number; rgba: Buffer } | null;
    }
  | { type: 'sessions.get' }
  | { type: 'sessions'; sessions: UserSession[] }
  | { type: 'session.switch'; id: string }
  /** Shows one monitor (a `Monitor.id` from `monitors`), or all of them with `''`. */
  | { type: 'monitor.select'; id: string }
  | { type: 'monitors'; monitors: Monitor[]; selected: string }
  | { type: 'error'; code: FrameErrorCode; message: string };

export type FrameType = Frame['type'];
export type FrameOf<K extends FrameType> = Extract<Frame, { type: K }>;

interface Codec<K extends FrameType> {
  kind: number;
  encode: (w: Writer, f: FrameOf<K>) => void;
  decode: (r: Reader) => FrameOf<K>;
}

const nameOf = <T extends Record<string, number>>(table: T, v: number): keyof T => {
  for (const [k, code] of Object.entries(table)) if (code === v) return k as keyof T;
  throw new Invalid(`unknown enum value ${v}`);
};

function checkRange(name: string, v: number, min: number, max: number) {
  if (!Number.isInteger(v) || v < min || v > max) throw new Invalid(`${name} ${v} outside ${min}..${max}`);
  return v;
}

/** Rare and small frames carry JSON checked against the schema the signalling `report` uses. */
function parseJson(r: Reader, what: string): unknown {
  try {
    return JSON.parse(r.rest().toString('utf8'));
  } catch {
    throw new Invalid(`${what} is not JSON`);
  }
}

const codecs: { [K in FrameType]: Codec<K> } = {
  'lan.connect': {
    kind: 1,
    encode: (w, f) => w.str16(f.ticket),
    decode: (r) => ({ type: 'lan.connect', ticket: r.str16() }),
  },
  'lan.accepted': {
    kind: 2,
    encode: (w, f) =>
      w
        .str8(f.sessionId)
        .u8(f.mode === 'control' ? 1 : 0)
        .bytes(f.key),
    decode: (r) => {
      const sessionId = r.str8();
      const mode = r.u8();
      if (mode > 1) throw new Invalid('mode');
      return { type: 'lan.accepted', sessionId, mode: mode ? 'control' : 'view', key: r.bytes(SESSION_KEY_BYTES) };
    },
  },
  bind: {
    kind: 3,
    encode: (w, f) => w.bytes(f.key),
    decode: (r) => ({ type: 'bind', key: r.bytes(SESSION_KEY_BYTES) }),
  },
  'screen.info': {
    kind: 4,
    encode: (w, f) => w.u16(f.width).u16(f.height),
    decode: (r) => ({ type: 'screen.info', width: r.u16(), height: r.u16() }),
  },
  tile: {
    kind: 5,
    encode: (w, f) => w.u32(f.seq).u16(f.x).u16(f.y).u16(f.w).u16(f.h).u8(TileEncoding[f.encoding]).bytes(f.data),
    decode: (r) => {
      const seq = r.u32();
      const x = r.u16();
      const y = r.u16();
      const w = checkRange('w', r.u16(), 1, 4096);
      const h = checkRange('h', r.u16(), 1, 4096);
      const encoding = nameOf(TileEncoding, r.u8());
      const data = r.rest();
      if (encoding === 'raw' && data.length !== w * h * 4) throw new Invalid('raw tile size mismatch');
      return { type: 'tile', seq, x, y, w, h, encoding, data };
    },
  },
  'frame.end': {
    kind: 6,
    encode: (w, f) => w.u32(f.seq).f64(f.captureTime).u16(f.tiles),
    decode: (r) => ({ type: 'frame.end', seq: r.u32(), captureTime: r.f64(), tiles: r.u16() }),
  },
  ack: {
    kind: 7,
    encode: (w, f) => w.u32(f.seq).u16(f.credits),
    decode: (r) => ({ type: 'ack', seq: r.u32(), credits: checkRange('credits', r.u16(), 0, 64) }),
  },
  settings: {
    kind: 8,
    encode: (w, f) => w.u8(f.quality).u8(f.fps),
    decode: (r) => ({
      type: 'settings',
      quality: checkRange('quality', r.u8(), 1, 100),
      fps: checkRange('fps', r.u8(), 1, 60),
    }),
  },
  refresh: { kind: 9, encode: () => {}, decode: () => ({ type: 'refresh' }) },
  pointer: {
    kind: 10,
    encode: (w, f) => w.i32(f.x).i32(f.y).u8(f.buttons).i16(f.wheelX).i16(f.wheelY),
    decode: (r) => ({
      type: 'pointer',
      x: r.i32(),
      y: r.i32(),
      buttons: r.u8() & 0x1f,
      wheelX: r.i16(),
      wheelY: r.i16(),
    }),
  },
  key: {
    kind: 11,
    encode: (w, f) =>
      w
        .u8(f.down ? 1 : 0)
        .u8(f.modifiers)
        .str8(f.code)
        .str8(f.key),
    decode: (r) => {
      const down = r.u8();
      if (down > 1) throw new Invalid('down');
      const modifiers = r.u8() & 0x0f;
      return { type: 'key', down: down === 1, modifiers, code: r.str8(), key: r.str8() };
    },
  },
  clipboard: {
    kind: 12,
    encode: (w, f) => {
      if (f.data.length > MAX_CLIPBOARD_BYTES) throw new RangeError('clipboard payload too large');
      w.u8(ClipboardMime[f.mime]).bytes(f.data);
    },
    decode: (r) => {
      const mime = nameOf(ClipboardMime, r.u8());
      return { type: 'clipboard', mime, data: r.rest() };
    },
  },
  cursor: {
    kind: 13,
    encode: (w, f) => {
      w.i32(f.x)
        .i32(f.y)
        .u8(f.visible ? 1 : 0);
      if (f.shape) w.u16(f.shape.w).u16(f.shape.h).u16(f.shape.hotX).u16(f.shape.hotY).bytes(f.shape.rgba);
    },
    decode: (r) => {
      const x = r.i32();
      const y = r.i32();
      const visible = r.u8() === 1;
      const rest = r.rest();
      if (rest.length === 0) return { type: 'cursor', x, y, visible, shape: null };
      const s = new Reader(rest);
      const w = checkRange('cursor w', s.u16(), 1, 256);
      const h = checkRange('cursor h', s.u16(), 1, 256);
      const hotX = checkRange('hotX', s.u16(), 0, w - 1);
      const hotY = checkRange('hotY', s.u16(), 0, h - 1);
      const rgba = s.bytes(w * h * 4);
      s.end();
      return { type: 'cursor', x, y, visible, shape: { w, h, hotX, hotY, rgba } };
    },
  },
  'clipboard.get': { kind: 18, encode: () => {}, decode: () => ({ type: 'clipboard.get' }) },
  'sessions.get': { kind: 14, encode: () => {}, decode: () => ({ type: 'sessions.get' }) },
  sessions: {
    kind: 15,
    encode: (w, f) => w.bytes(Buffer.from(JSON.stringify(f.sessions))),
    decode: (r) => {
      const v = parseJson(r, 'sessions');
      if (!isSessionList(v)) throw new Invalid('sessions fail their schema');
      return { type: 'sessions', sessions: v as UserSession[] };
    },
  },
  'session.switch': {
    kind: 16,
    encode: (w, f) => w.str8(f.id),
    decode: (r) => ({ type: 'session.switch', id: r.str8() }),
  },
  'monitor.select': {
    kind: 19,
    encode: (w, f) => w.str8(f.id),
    decode: (r) => ({ type: 'monitor.select', id: r.str8() }),
  },
  monitors: {
    kind: 20,
    encode: (w, f) => w.str8(f.selected).bytes(Buffer.from(JSON.stringify(f.monitors))),
    decode: (r) => {
      const selected = r.str8();
      const v = parseJson(r, 'monitors');
      if (!isMonitorList(v)) throw new Invalid('monitors fail their schema');
      return { type: 'monitors', monitors: v as Monitor[], selected };
    },
  },
  error: {
    kind: 17,
    encode: (w, f) => w.str8(f.code).str16(f.message),
    decode: (r) => {
      const code = r.str8();
      if (!Object.hasOwn(FrameErrorCode, code)) throw new Invalid('unknown error code');
      return { type: 'error', code: code as FrameErrorCode, message: r.str16() };
    },
  },
};

const byKind = new Map<number, Codec<FrameType>>();
for (const c of Object.values(codecs)) byKind.set(c.kind, c as Codec<FrameType>);

/** Encodes a frame with its length prefix. Throws RangeError for a frame this side must not build. */
export function encodeFrame(f: Frame): Buffer {
  const codec = codecs[f.type] as Codec<typeof f.type>;
  const w = new Writer();
  codec.encode(w, f);
  const body = w.done();
  const len = 1 + body.reduce((n, b) => n + b.length, 0);
  if (len > MAX_FRAME_BYTES) throw new RangeError(`frame of ${len} bytes exceeds ${MAX_FRAME_BYTES}`);
  const head = Buffer.alloc(HEADER_BYTES + 1);
  head.writeUInt32BE(len);
  head.writeUInt8(codec.kind, HEADER_BYTES);
  return Buffer.concat([head, ...body], HEADER_BYTES + len);
}

export type FrameResult = { ok: true; frame: Frame } | { ok: false; message: string };

/** Decodes one frame's kind + body (the length prefix already removed). Never throws. */
export function decodeFrameBody(body: Buffer): FrameResult {
  if (body.length === 0) return { ok: false, message: 'empty frame' };
  if (body.length > MAX_FRAME_BYTES) return { ok: false, message: 'frame too large' };
  const codec = byKind.get(body[0]!);
  if (!codec) return { ok: false, message: `unknown frame kind ${body[0]}` };
  try {
    const r = new Reader(body.subarray(1));
    const frame = codec.decode(r);
    r.end();
    return { ok: true, frame };
  } catch (err) {
    if (err instanceof Truncated || err instanceof Invalid) return { ok: false, message: err.message };
    return { ok: false, message: 'undecodable frame' };
  }
}

/** Decodes one whole message (a data-channel message: prefix + kind + body). Never throws. */
export function decodeFrame(msg: Buffer): FrameResult {
  if (msg.length < HEADER_BYTES + 1) return { ok: false, message: 'shorter than a frame header' };
  const len = msg.readUInt32BE(0);
  if (len !== msg.length - HEADER_BYTES) return { ok: false, message: 'length prefix does not match the message' };
  return decodeFrameBody(msg.subarray(HEADER_BYTES));
}

/**
 * Splits a byte stream (TCP) into frames. A length over MAX_FRAME_BYTES is a framing error the
 * caller must answer by closing: the stream can no longer be resynchronised.
 */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  private broken = false;

  /** Feeds bytes; returns decoded results in order, or 'overflow' once the framing is lost. */
  push(chunk: Buffer): FrameResult[] | 'overflow' {
    if (this.broken) return 'overflow';
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: FrameResult[] = [];
    while (this.buf.length >= HEADER_BYTES) {
      const len = this.buf.readUInt32BE(0);
      if (len === 0 || len > MAX_FRAME_BYTES) {
        this.broken = true;
        this.buf = Buffer.alloc(0);
        return 'overflow';
      }
      if (this.buf.length < HEADER_BYTES + len) break;
      out.push(decodeFrameBody(this.buf.subarray(HEADER_BYTES, HEADER_BYTES + len)));
      this.buf = this.buf.subarray(HEADER_BYTES + len);
    }
    return out;
  }

  get buffered(): number {
    return this.buf.length;
  }
}
