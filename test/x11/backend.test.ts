// The X11 backend against real X servers (Xvfb): what it captures is what the windows show, its
// clicks and keystrokes reach applications, its clipboard is the one xclip and xterm use.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapturedFrame, Rect } from '../../agent-client/src/backend/types';
import { X11Backend } from '../../agent-client/src/backend/x11/backend';
import { createLogger } from '../../agent-client/src/log';
import { missingTool } from '../support/system';
import { FixtureClient, pattern } from './fixture';
import { noXvfb, startXvfb, type Xvfb } from './xvfb';

const skip =
  noXvfb() ||
  missingTool('/usr/bin/xclip', 'xclip') ||
  missingTool('/usr/bin/xterm', 'xterm') ||
  missingTool('/usr/bin/xdotool', 'xdotool');

/** The BGR bytes of a rectangle of a frame, X bytes dropped (they are padding). */
function bgrOf(f: CapturedFrame, r: Rect): Buffer {
  const out = Buffer.alloc(r.w * r.h * 3);
  for (let y = 0; y < r.h; y++)
    for (let x = 0; x < r.w; x++) {
      const s = (r.y + y) * f.stride + (r.x + x) * 4;
      out.set(f.data.subarray(s, s + 3), (y * r.w + x) * 3);
    }
  return out;
}
/** A BGRX picture without its X bytes. */
function bgrOfPicture(p: Buffer): Buffer {
  const out = Buffer.alloc((p.length / 4) * 3);
  for (let i = 0; i < p.length / 4; i++) out.set(p.subarray(i * 4, i * 4 + 3), i * 3);
  return out;
}

describe.skipIf(skip)('X11 backend on Xvfb', () => {
  let a: Xvfb;
  let b: Xvfb;
  let fa: FixtureClient;
  let fb: FixtureClient;
  let backend: X11Backend;
  const dir = mkdtempSync(join(tmpdir(), 'rc-x11-'));

  beforeAll(async () => {
    [a, b] = await Promise.all([startXvfb(640, 480), startXvfb(320, 240)]);
    fa = new FixtureClient(a.display);
    fb = new FixtureClient(b.display);
    backend = new X11Backend({ display: a.display, log: createLogger('silent'), useLogind: false });
  });
  afterAll(async () => {
    await backend?.close();
    fa?.close();
    fb?.close();
    await Promise.all([a?.stop(), b?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('captures a known picture pixel-exact, then reports only the tiles that changed', () => {
    const pic = pattern(200, 150, 1);
    fa.window(100, 80, 200, 150, pic);
    const cap = backend.openCapture(a.display);
    try {
      const first = cap.grab();
      expect([first.width, first.height]).toEqual([640, 480]);
      expect(first.dirty).toEqual([{ x: 0, y: 0, w: 640, h: 480 }]);
      expect(bgrOf(first, { x: 100, y: 80, w: 200, h: 150 }).equals(bgrOfPicture(pic))).toBe(true);
      // Black outside the window (the root of a bare Xvfb is black).
      expect(bgrOf(first, { x: 0, y: 0, w: 100, h: 80 }).every((v) => v === 0)).toBe(true);
      // A second, different picture at (400, 300)–(440, 330): tile column 384, tile rows 256 and 320.
      const pic2 = pattern(40, 30, 9);
      fa.window(400, 300, 40, 30, pic2);
      const second = cap.grab();
      expect(bgrOf(second, { x: 400, y: 300, w: 40, h: 30 }).equals(bgrOfPicture(pic2))).toBe(true);
      expect(second.dirty).toEqual([
        { x: 384, y: 256, w: 64, h: 64 },
        { x: 384, y: 320, w: 64, h: 64 },
      ]);
      // Nothing drawn since: nothing dirty, and the picture is still there.
      const third = cap.grab();
      expect(third.dirty).toEqual([]);
      expect(bgrOf(third, { x: 100, y: 80, w: 200, h: 150 }).equals(bgrOfPicture(pic))).toBe(true);
    } finally {
      cap.close();
      cap.close();
    }
  });

  it('a click at (x, y) lands on the window under it; the wheel turns as buttons 4 and 5', async () => {
    const win = fa.window(20, 300, 60, 60, pattern(60, 60, 3));
    backend.injectInput(a.display, { type: 'pointer', x: 35, y: 317, buttons: 0, wheelX: 0, wheelY: 0 });
    backend.injectInput(a.display, { type: 'pointer', x: 35, y: 317, buttons: 1, wheelX: 0, wheelY: 0 });
    backend.injectInput(a.display, { type: 'pointer', x: 35, y: 317, buttons: 0, wheelX: 0, wheelY: 0 });
    const press = await fa.waitClick((c) => c.window === win && c.type === 'press');
    expect([press.button, press.x, press.y]).toEqual([1, 15, 17]);
    await fa.waitClick((c) => c.window === win && c.type === 'release' && c.button === 1);
    backend.injectInput(a.display, { type: 'pointer', x: 40, y: 320, buttons: 2, wheelX: 0, wheelY: 0 });
    backend.injectInput(a.display, { type: 'pointer', x: 40, y: 320, buttons: 0, wheelX: 0, wheelY: 240 });
    backend.injectInput(a.display, { type: 'pointer', x: 40, y: 320, buttons: 0, wheelX: 0, wheelY: -120 });
    await fa.waitClick((c) => c.window === win && c.button === 3 && c.type === 'press');
    await fa.waitClick((c) => c.window === win && c.button === 4);
    await new Promise((r) => setTimeout(r, 100));
    expect(fa.clicks.filter((c) => c.window === win && c.button === 5 && c.type === 'press')).toHaveLength(2);
    // The cursor the console draws follows, relative to the picture.
    const cap = backend.openCapture(a.display);
    const c = cap.grab().cursor;
    cap.close();
    expect([c.x, c.y, c.visible]).toEqual([40, 320, true]);
    expect(c.shape && c.shape.w > 0 && c.shape.rgba.length === c.shape.w * c.shape.h * 4).toBe(true);
  });

  it('the device user moving the pointer (not through the agent) moves the cursor the console draws', async () => {
    const cap = backend.openCapture(a.display);
    try {
      cap.grab();
      // xdotool warps the pointer: no motion event, so this also covers the periodic re-query.
      await a.run('xdotool', ['mousemove', '210', '220']);
      const end = Date.now() + 3000;
      let c = cap.grab().cursor;
      while ((c.x !== 210 || c.y !== 220) && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 50));
        c = cap.grab().cursor;
      }
      expect([c.x, c.y, c.visible]).toEqual([210, 220, true]);
    } finally {
      cap.close();
    }
  });

  it('typed text, with Shift, AltGr-free non-ASCII and emoji, arrives in an xterm', async () => {
    const out = join(dir, 'typed.txt');
    // The xterm runs `cat` into a file: what the terminal received is what the user would see.
    const xterm: ChildProcess = spawn(
      'xterm',
      ['-u8', '-geometry', '60x5+0+0', '-e', 'sh', '-c', `stty -echo; exec cat > ${out}`],
      { env: { ...a.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' }, stdio: 'ignore' },
    );
    try {
      await waitFor(() => {
        try {
          readFileSync(out);
          return true;
        } catch {
          return false;
        }
      }, 'xterm start');
      await new Promise((r) => setTimeout(r, 500));
      // Focus follows the pointer without a window manager.
      backend.injectInput(a.display, { type: 'pointer', x: 30, y: 20, buttons: 0, wheelX: 0, wheelY: 0 });
      const text = 'Hello, World! ça coûte 5€ – Ωμέγα ✓ 🙂 [x]';
      const key = (code: string, k: string, down: boolean) =>
        backend.injectInput(a.display, { type: 'key', code, key: k, down, modifiers: 0 });
      for (const ch of text) {
        const upper = /[A-Z!]/.test(ch);
        const code = ch === ' ' ? 'Space' : /[a-z]/i.test(ch) ? `Key${ch.toUpperCase()}` : 'Unidentified';
        if (upper) key('ShiftLeft', 'Shift', true);
        key(code, ch, true);
        key(code, ch, false);
        if (upper) key('ShiftLeft', 'Shift', false);
      }
      // Non-character keys by code: Backspace erases the "]" (the line is cooked), Enter ends it.
      key('Backspace', 'Backspace', true);
      key('Backspace', 'Backspace', false);
      key('Enter', 'Enter', true);
      key('Enter', 'Enter', false);
      await waitFor(() => readFileSync(out, 'utf8').endsWith('\n'), 'typed line');
      expect(readFileSync(out, 'utf8')).toBe(`${text.slice(0, -1)}\n`);
    } finally {
      xterm.kill();
    }
  });

  it('Ctrl+Alt+Del reaches the desktop; Ctrl+Alt+F2 and Ctrl+Alt+Backspace never do', async () => {
    const win = fa.window(500, 40, 100, 100, pattern(100, 100, 5));
    backend.injectInput(a.display, { type: 'pointer', x: 550, y: 90, buttons: 0, wheelX: 0, wheelY: 0 });
    await new Promise((r) => setTimeout(r, 100));
    const key = (code: string, k: string, down: boolean) =>
      backend.injectInput(a.display, { type: 'key', code, key: k, down, modifiers: 0 });
    const combo = (code: string, k: string) => {
      key('ControlLeft', 'Control', true);
      key('AltLeft', 'Alt', true);
      key(code, k, true);
      key(code, k, false);
      key('AltLeft', 'Alt', false);
      key('ControlLeft', 'Control', false);
    };
    combo('Delete', 'Delete');
    combo('F2', 'F2');
    combo('Backspace', 'Backspace');
    key('F2', 'F2', true);
    key('F2', 'F2', false);
    const F2 = fa.keycodeOf(0xffbf);
    const DEL = fa.keycodeOf(0xffff);
    const BS = fa.keycodeOf(0xff08);
    await fa.waitClick((c) => c.window === win && c.type === 'key' && c.button === F2 && c.x === 0);
    const keys = fa.clicks.filter((c) => c.window === win && c.type === 'key');
    // Delete arrived with Control (4) and Mod1 (8) held; F2 only on its own; Backspace never.
    expect(keys.filter((c) => c.button === DEL).map((c) => c.x & 12)).toEqual([12]);
    expect(keys.filter((c) => c.button === F2).map((c) => c.x & 12)).toEqual([0]);
    expect(keys.filter((c) => c.button === BS)).toEqual([]);
  });

  it('clipboard: text and PNG both ways with xclip', async () => {
    const text = 'zwischen Ablage ✓ 日本語';
    await backend.writeClipboard(a.display, { mime: 'text/plain', data: Buffer.from(text) });
    expect(await a.run('xclip', ['-o', '-selection', 'clipboard'])).toBe(text);
    expect(await a.run('xclip', ['-o', '-selection', 'clipboard', '-t', 'TARGETS'])).toContain('UTF8_STRING');

    const png = await sharp(Buffer.from(pattern(32, 16, 4)), { raw: { width: 32, height: 16, channels: 4 } })
      .png()
      .toBuffer();
    await backend.writeClipboard(a.display, { mime: 'image/png', data: png });
    const pngFile = join(dir, 'out.png');
    await a.run('sh', ['-c', `xclip -o -selection clipboard -t image/png > ${pngFile}`]);
    expect(readFileSync(pngFile).equals(png)).toBe(true);

    // The device user copies: the watcher hears it, the read returns it.
    const seen: { mime: string; data: string }[] = [];
    const off = backend.watchClipboard(a.display, (c) => seen.push({ mime: c.mime, data: c.data.toString('hex') }));
    const fromUser = join(dir, 'user.txt');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(fromUser, 'copied by the user ü');
    const xclipText = spawn('xclip', ['-quiet', '-i', '-selection', 'clipboard', fromUser], {
      env: a.env,
      stdio: 'ignore',
    });
    try {
      await waitFor(() => seen.some((s) => s.mime === 'text/plain'), 'clipboard change (text)');
      expect(Buffer.from(seen.at(-1)!.data, 'hex').toString()).toBe('copied by the user ü');
      expect((await backend.readClipboard(a.display))?.data.toString()).toBe('copied by the user ü');
    } finally {
      xclipText.kill();
    }
    writeFileSync(join(dir, 'user.png'), png);
    const xclipPng = spawn(
      'xclip',
      ['-quiet', '-i', '-selection', 'clipboard', '-t', 'image/png', join(dir, 'user.png')],
      {
        env: a.env,
        stdio: 'ignore',
      },
    );
    try {
      await waitFor(() => seen.some((s) => s.mime === 'image/png'), 'clipboard change (png)');
      expect(Buffer.from(seen.find((s) => s.mime === 'image/png')!.data, 'hex').equals(png)).toBe(true);
    } finally {
      xclipPng.kill();
      off();
    }
  });

  it('switches capture between two displays without a restart', () => {
    fb.window(10, 10, 50, 40, pattern(50, 40, 7));
    const ca = backend.openCapture(a.display);
    const cb = backend.openCapture(b.display);
    try {
      const fa1 = ca.grab();
      const fb1 = cb.grab();
      expect([fa1.width, fb1.width]).toEqual([640, 320]);
      expect(bgrOf(fb1, { x: 10, y: 10, w: 50, h: 40 }).equals(bgrOfPicture(pattern(50, 40, 7)))).toBe(true);
    } finally {
      ca.close();
      cb.close();
    }
  });

  it('monitors: XRandR monitors are listed and a monitor region is grabbed on its own', async () => {
    await a.run('xrandr', ['--setmonitor', 'LEFT', '320/100x480/100+0+0', 'none']);
    await a.run('xrandr', ['--setmonitor', 'RIGHT', '320/100x480/100+320+0', 'none']);
    const monitors = await backend.listMonitors(a.display);
    const right = monitors.find((m) => m.id === 'RIGHT');
    expect(right).toMatchObject({ x: 320, y: 0, width: 320, height: 480 });
    expect(() => backend.openCapture(a.display, 'NOPE')).toThrow(/no monitor/);
    const cap = backend.openCapture(a.display, 'RIGHT');
    try {
      const f = cap.grab();
      expect([f.width, f.height]).toEqual([320, 480]);
      // The right monitor starts at x=320: the window at (400, 300) is at (80, 300) in its picture.
      expect(bgrOf(f, { x: 80, y: 300, w: 40, h: 30 }).equals(bgrOfPicture(pattern(40, 30, 9)))).toBe(true);
    } finally {
      cap.close();
    }
  });
});

async function waitFor(cond: () => boolean, what: string, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
