import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decodeFrame,
  encodeFrame,
  type Frame,
  FrameReader,
  MAX_CLIPBOARD_BYTES,
  MAX_FRAME_BYTES,
  SESSION_KEY_BYTES,
} from './frames';

const key = randomBytes(SESSION_KEY_BYTES);
const valid: Frame[] = [
  { type: 'lan.connect', ticket: 'a.b.c' },
  { type: 'lan.accepted', sessionId: 's_123', mode: 'control', key },
  { type: 'lan.accepted', sessionId: 's_1', mode: 'view', key },
  { type: 'bind', key },
  { type: 'screen.info', width: 1920, height: 1080 },
  { type: 'tile', seq: 7, x: 64, y: 128, w: 2, h: 1, encoding: 'raw', data: Buffer.alloc(8, 3) },
  { type: 'tile', seq: 2 ** 32 - 1, x: 0, y: 0, w: 64, h: 64, encoding: 'jpeg', data: Buffer.from([0xff, 0xd8]) },
  { type: 'frame.end', seq: 7, captureTime: 1_700_000_000_123.5, tiles: 12 },
  { type: 'ack', seq: 7, credits: 2 },
  { type: 'settings', quality: 80, fps: 30 },
  { type: 'refresh' },
  { type: 'pointer', x: -10, y: 2000, buttons: 5, wheelX: 0, wheelY: -120 },
  { type: 'key', code: 'KeyA', key: 'ä', down: true, modifiers: 3 },
  { type: 'key', code: 'Enter', key: 'Enter', down: false, modifiers: 0 },
  { type: 'clipboard', mime: 'text/plain', data: Buffer.from('hello ✓') },
  { type: 'clipboard', mime: 'image/png', data: Buffer.alloc(100, 1) },
  { type: 'cursor', x: 5, y: 6, visible: true, shape: null },
  { type: 'cursor', x: 5, y: 6, visible: false, shape: { w: 2, h: 2, hotX: 1, hotY: 0, rgba: Buffer.alloc(16, 9) } },
  { type: 'clipboard.get' },
  { type: 'sessions.get' },
  { type: 'sessions', sessions: [{ id: ':0', user: 'ann', kind: 'x11', active: true, supported: true }] },
  { type: 'session.switch', id: ':1' },
  { type: 'monitor.select', id: 'DP-1' },
  { type: 'monitor.select', id: '' },
  {
    type: 'monitors',
    monitors: [{ id: 'DP-1', name: 'DP-1', x: 1920, y: 0, width: 1280, height: 1024, primary: false }],
    selected: 'DP-1',
  },
  { type: 'monitors', monitors: [], selected: '' },
  { type: 'error', code: 'view_only', message: 'no input in a view session' },
];

describe('frame codec', () => {
  it.each(valid.map((f) => [f.type, f] as const))('round-trips %s', (_t, f) => {
    const r = decodeFrame(encodeFrame(f));
    expect(r).toEqual({ ok: true, frame: f });
  });

  const bad: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['header only', Buffer.from([0, 0, 0, 0])],
    ['length mismatch', Buffer.from([0, 0, 0, 9, 9])],
    ['unknown kind', Buffer.from([0, 0, 0, 1, 200])],
    ['truncated tile', encodeFrame(valid[6]!).subarray(0, 10)],
    ['raw tile of wrong size', withBody(5, Buffer.concat([Buffer.alloc(4), u16s(0, 0, 2, 2), Buffer.from([2, 1, 2])]))],
    ['zero-width tile', withBody(5, Buffer.concat([Buffer.alloc(4), u16s(0, 0, 0, 2), Buffer.from([1])]))],
    ['bad tile encoding', withBody(5, Buffer.concat([Buffer.alloc(4), u16s(0, 0, 1, 1), Buffer.from([9])]))],
    ['fps 0', withBody(8, Buffer.from([50, 0]))],
    ['quality 101', withBody(8, Buffer.from([101, 30]))],
    ['credits over 64', withBody(7, Buffer.from([0, 0, 0, 1, 0, 65]))],
    ['key down 2', withBody(11, Buffer.from([2, 0, 0, 0]))],
    ['trailing bytes', withBody(9, Buffer.from([1]))],
    ['short bind key', withBody(3, Buffer.alloc(31))],
    ['unknown clipboard mime', withBody(12, Buffer.from([7, 1]))],
    ['sessions not JSON', withBody(15, Buffer.from('{'))],
    ['sessions wrong shape', withBody(15, Buffer.from('[{"id":1}]'))],
    ['monitors not JSON', withBody(20, Buffer.concat([Buffer.from([0]), Buffer.from('[')]))],
    ['monitors wrong shape', withBody(20, Buffer.concat([Buffer.from([0]), Buffer.from('[{"id":"a","width":0}]')]))],
    ['monitor.select id truncated', withBody(19, Buffer.from([5, 65]))],
    ['unknown error code', withBody(17, Buffer.concat([Buffer.from([3]), Buffer.from('abc'), Buffer.from([0, 0])]))],
    ['cursor hotspot outside', withBody(13, Buffer.concat([Buffer.alloc(9), u16s(1, 1, 1, 0), Buffer.alloc(4)]))],
  ];
  it.each(bad)('refuses %s', (_name, msg) => {
    const r = decodeFrame(msg);
    expect(r.ok).toBe(false);
  });

  it('refuses to build frames past the limits', () => {
    expect(() =>
      encodeFrame({ type: 'clipboard', mime: 'text/plain', data: Buffer.alloc(MAX_CLIPBOARD_BYTES + 1) }),
    ).toThrow(RangeError);
    const big = { type: 'tile', seq: 0, x: 0, y: 0, w: 1, h: 1, encoding: 'jpeg', data: Buffer.alloc(MAX_FRAME_BYTES) };
    expect(() => encodeFrame(big as Frame)).toThrow(RangeError);
  });

  it('random garbage never throws', () => {
    for (let i = 0; i < 10_000; i++) {
      const n = Math.floor(Math.random() * 64);
      const body = randomBytes(n);
      if (n > 0) body[0] = 1 + (i % 19);
      const msg = Buffer.concat([Buffer.alloc(4), body]);
      msg.writeUInt32BE(body.length);
      // A throw fails the test; the results must all be plain objects.
      expect(typeof decodeFrame(msg).ok).toBe('boolean');
      decodeFrame(randomBytes(n));
    }
  });
});

describe('FrameReader', () => {
  it('reassembles frames split at every byte', () => {
    const stream = Buffer.concat(valid.map(encodeFrame));
    const reader = new FrameReader();
    const got: Frame[] = [];
    for (let i = 0; i < stream.length; i++) {
      const r = reader.push(stream.subarray(i, i + 1));
      if (r === 'overflow') throw new Error('overflow');
      for (const x of r) if (x.ok) got.push(x.frame);
    }
    expect(got).toEqual(valid);
    expect(reader.buffered).toBe(0);
  });

  it('reports an oversize length as lost framing and stays broken', () => {
    const reader = new FrameReader();
    const head = Buffer.alloc(4);
    head.writeUInt32BE(MAX_FRAME_BYTES + 1);
    expect(reader.push(head)).toBe('overflow');
    expect(reader.push(encodeFrame({ type: 'refresh' }))).toBe('overflow');
  });

  it('answers a bad frame in the middle without losing the next', () => {
    const reader = new FrameReader();
    const r = reader.push(
      Buffer.concat([withBody(99, Buffer.alloc(3)), encodeFrame({ type: 'settings', quality: 10, fps: 5 })]),
    );
    expect(r).not.toBe('overflow');
    const list = r as Exclude<typeof r, 'overflow'>;
    expect(list.map((x) => x.ok)).toEqual([false, true]);
  });
});

function withBody(kind: number, body: Buffer) {
  const m = Buffer.alloc(5 + body.length);
  m.writeUInt32BE(1 + body.length);
  m[4] = kind;
  body.copy(m, 5);
  return m;
}
function u16s(...v: number[]) {
  const b = Buffer.alloc(v.length * 2);
  v.forEach((x, i) => {
    b.writeUInt16BE(x, i * 2);
  });
  return b;
}
