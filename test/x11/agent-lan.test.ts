// The real agent, built from its config with `backend: {kind: 'x11'}`, serving an Xvfb desktop over
// LAN TCP to a console written against the protocol only: the tiles it receives rebuild the known
// windows exactly, its pointer frames click them, and it can pick a monitor and another display.
import { inflateRawSync } from 'node:zlib';
import type { Frame } from '@rc-relay/protocol';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../agent-client/src/log';
import type { Agent } from '../../agent-client/src/service/agent';
import { buildAgent } from '../../agent-client/src/service/run';
import { type LanConn, type LanOffer, lanBind, lanConnect } from '../agent/lan-client';
import { enrollConfig, until } from '../agent/support';
import { Api } from '../support/http';
import { ADMIN_PASSWORD, startRelay, type TestRelay } from '../support/relay';
import { FixtureClient, pattern } from './fixture';
import { noXvfb, startXvfb, type Xvfb } from './xvfb';

type Tile = Extract<Frame, { type: 'tile' }>;

/** What the console shows: tiles painted into a BGRX canvas, remembering which are exact. */
class Canvas {
  data: Buffer;
  /** Per pixel: 1 when the last tile painting it was lossless. */
  exact: Uint8Array;
  constructor(
    readonly w: number,
    readonly h: number,
  ) {
    this.data = Buffer.alloc(w * h * 4);
    this.exact = new Uint8Array(w * h);
  }

  paint(t: Tile) {
    let px: Buffer;
    if (t.encoding === 'jpeg') {
      const img = jpeg.decode(t.data, { useTArray: true });
      px = Buffer.alloc(t.w * t.h * 4);
      for (let i = 0; i < t.w * t.h; i++)
        px.set([img.data[i * 4 + 2]!, img.data[i * 4 + 1]!, img.data[i * 4]!, 0], i * 4);
    } else px = t.encoding === 'deflate' ? inflateRawSync(t.data) : t.data;
    for (let y = 0; y < t.h; y++) {
      px.copy(this.data, ((t.y + y) * this.w + t.x) * 4, y * t.w * 4, (y + 1) * t.w * 4);
      this.exact.fill(t.encoding === 'jpeg' ? 0 : 1, (t.y + y) * this.w + t.x, (t.y + y) * this.w + t.x + t.w);
    }
  }

  /** BGR of a rectangle, and whether every pixel of it came from a lossless tile. */
  region(x: number, y: number, w: number, h: number) {
    const out = Buffer.alloc(w * h * 3);
    let exact = true;
    for (let j = 0; j < h; j++)
      for (let i = 0; i < w; i++) {
        const o = ((y + j) * this.w + x + i) * 4;
        out.set(this.data.subarray(o, o + 3), (j * w + i) * 3);
        if (!this.exact[(y + j) * this.w + x + i]) exact = false;
      }
    return { bgr: out, exact };
  }
}

function bgr(p: Buffer): Buffer {
  const out = Buffer.alloc((p.length / 4) * 3);
  for (let i = 0; i < p.length / 4; i++) out.set(p.subarray(i * 4, i * 4 + 3), i * 3);
  return out;
}

/** Follows the screen stream, acking every frame, until `done(canvas)` or the time runs out. */
function watch(screen: LanConn, done: (c: Canvas) => boolean, ms = 10_000): Promise<Canvas> {
  let canvas: Canvas | undefined;
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      screen.onFrame = () => {};
      reject(new Error('the picture never got there'));
    }, ms);
    screen.onFrame = (f) => {
      if (f.type === 'screen.info') canvas = new Canvas(f.width, f.height);
      else if (f.type === 'tile') canvas?.paint(f);
      else if (f.type === 'frame.end') {
        screen.send({ type: 'ack', seq: f.seq, credits: 4 });
        if (canvas && done(canvas)) {
          clearTimeout(t);
          screen.onFrame = () => {};
          resolve(canvas);
        }
      }
    };
  });
}

describe.skipIf(noXvfb())('agent with the X11 backend over LAN TCP', () => {
  let a: Xvfb;
  let b: Xvfb;
  let fa: FixtureClient;
  let fb: FixtureClient;
  let r: TestRelay;
  let admin: Api;
  let agent: Agent;
  const picA = pattern(120, 90, 11);
  const picA2 = pattern(64, 48, 12);
  const picB = pattern(80, 60, 13);

  beforeAll(async () => {
    [a, b] = await Promise.all([startXvfb(640, 480), startXvfb(320, 240)]);
    fa = new FixtureClient(a.display);
    fb = new FixtureClient(b.display);
    fa.window(50, 60, 120, 90, picA);
    fa.window(400, 300, 64, 48, picA2);
    fb.window(30, 40, 80, 60, picB);
    await a.run('xrandr', ['--setmonitor', 'LEFT', '320/100x480/100+0+0', 'none']);
    await a.run('xrandr', ['--setmonitor', 'RIGHT', '320/100x480/100+320+0', 'none']);
    r = await startRelay({ RC_TURN: 'off' });
    admin = await new Api(r.base, r.cert).login('admin', ADMIN_PASSWORD);
    const cfg = await enrollConfig(admin, {
      consent: 'auto-accept',
      lan: {
        enabled: true,
        bindAddress: '127.0.0.1',
        advertise: ['127.0.0.1'],
        ports: { connect: 0, screen: 0, sessions: 0 },
      },
      backend: { kind: 'x11', display: a.display, clipboard: { maxBytes: 65536, direction: 'both' } },
    });
    agent = buildAgent(cfg, createLogger(process.env.RC_TEST_LOG ?? 'silent'));
    await agent.start();
    await until(() => agent.signalling.online, 5000, 'agent online');
  });
  afterAll(async () => {
    await agent?.stop();
    await r?.stop();
    fa?.close();
    fb?.close();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  async function session() {
    const res = await admin.post('/api/v1/sessions', {
      deviceId: agent.cfg.deviceId,
      mode: 'control',
      transport: 'lan',
    });
    expect(res.status).toBe(201);
    const lan = res.body.lan as LanOffer;
    const f = await lanConnect(lan);
    if (f.type !== 'lan.accepted') throw new Error(`not accepted: ${JSON.stringify(f)}`);
    return { lan, key: f.key };
  }

  it('tiles rebuild the known windows exactly; a pointer frame clicks one; monitors and displays switch', async () => {
    const { lan, key } = await session();
    const screen = await lanBind(lan, 'screen', key);
    // JPEG first: close to the picture; then the lossless refresh of still tiles makes it exact.
    let sawJpeg = false;
    const want = bgr(picA);
    const canvas = await watch(screen, (c) => {
      const reg = c.region(50, 60, 120, 90);
      if (!reg.exact) {
        const diff = reg.bgr.reduce((n, v, i) => n + Math.abs(v - want[i]!), 0) / reg.bgr.length;
        if (diff > 0 && diff < 40) sawJpeg = true;
        return false;
      }
      return c.region(400, 300, 64, 48).exact;
    });
    expect([canvas.w, canvas.h]).toEqual([640, 480]);
    expect(sawJpeg).toBe(true);
    expect(canvas.region(50, 60, 120, 90).bgr.equals(bgr(picA))).toBe(true);
    expect(canvas.region(400, 300, 64, 48).bgr.equals(bgr(picA2))).toBe(true);

    // The monitor list came after the first screen.info.
    const mons = screen.frames.filter((f): f is Extract<Frame, { type: 'monitors' }> => f.type === 'monitors');
    expect(mons.length).toBeGreaterThan(0);
    expect(mons[0]!.selected).toBe('');
    expect(mons[0]!.monitors.map((m) => m.id)).toEqual(expect.arrayContaining(['LEFT', 'RIGHT']));

    // A click at picture coordinates lands on the window there, at the matching window coordinates.
    screen.send({ type: 'pointer', x: 60, y: 75, buttons: 1, wheelX: 0, wheelY: 0 });
    screen.send({ type: 'pointer', x: 60, y: 75, buttons: 0, wheelX: 0, wheelY: 0 });
    const click = await fa.waitClick((c) => c.type === 'press');
    expect([click.x, click.y, click.button]).toEqual([10, 15, 1]);

    // The right monitor alone: a 320×480 picture, and pointer coordinates relative to it.
    screen.send({ type: 'monitor.select', id: 'RIGHT' });
    const right = await watch(screen, (c) => c.w === 320 && c.region(80, 300, 64, 48).exact);
    expect(right.region(80, 300, 64, 48).bgr.equals(bgr(picA2))).toBe(true);
    await until(() => screen.frames.some((f) => f.type === 'monitors' && f.selected === 'RIGHT'), 3000, 'monitors');
    screen.send({ type: 'pointer', x: 85, y: 305, buttons: 1, wheelX: 0, wheelY: 0 });
    screen.send({ type: 'pointer', x: 85, y: 305, buttons: 0, wheelX: 0, wheelY: 0 });
    const click2 = await fa.waitClick((c) => c.type === 'press' && c.x === 5 && c.y === 5);
    expect(click2.button).toBe(1);
    screen.send({ type: 'monitor.select', id: 'NOPE' });
    expect((await screen.wait('error')).code).toBe('not_found');

    // The other display, without restarting the agent.
    const sessions = await lanBind(lan, 'sessions', key);
    sessions.send({ type: 'sessions.get' });
    const list = (await sessions.wait('sessions')).sessions;
    expect(list.find((s) => s.id === a.display)).toMatchObject({ kind: 'x11', active: true, supported: true });
    expect(list.find((s) => s.id === b.display)).toMatchObject({ kind: 'x11', supported: true });
    sessions.send({ type: 'session.switch', id: b.display });
    const other = await watch(screen, (c) => c.w === 320 && c.h === 240 && c.region(30, 40, 80, 60).exact);
    expect(other.region(30, 40, 80, 60).bgr.equals(bgr(picB))).toBe(true);
    screen.send({ type: 'pointer', x: 31, y: 41, buttons: 4, wheelX: 0, wheelY: 0 });
    const click3 = await fb.waitClick((c) => c.type === 'press');
    expect([click3.x, click3.y, click3.button]).toEqual([1, 1, 2]);
    screen.send({ type: 'pointer', x: 31, y: 41, buttons: 0, wheelX: 0, wheelY: 0 });
    await screen.close();
    await sessions.close();
  });
});
