// Finding user sessions: an X display whose server demands a cookie is found, with the cookie its
// server was started with, and shown; a Wayland session is reported as such and never captured;
// the clipboard policy and size cap hold.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X11Backend } from '../../agent-client/src/backend/x11/backend';
import { createLogger } from '../../agent-client/src/log';
import { missingTool } from '../support/system';
import { freeDisplayNumber, noXvfb, startXvfb, type Xvfb } from './xvfb';

const skip = noXvfb() || missingTool('/usr/bin/xauth', 'xauth') || missingTool('/usr/bin/xdpyinfo', 'x11-utils');
const log = createLogger('silent');

describe.skipIf(skip)('X11 user sessions', () => {
  let x: Xvfb;
  const dir = mkdtempSync(join(tmpdir(), 'rc-x11-auth-'));
  const cookieFile = join(dir, 'Xauthority');

  beforeAll(async () => {
    const number = freeDisplayNumber();
    execFileSync('xauth', [
      '-f',
      cookieFile,
      'add',
      `:${number}`,
      'MIT-MAGIC-COOKIE-1',
      randomBytes(16).toString('hex'),
    ]);
    x = await startXvfb(320, 200, { file: cookieFile, number });
  });
  afterAll(async () => {
    await x?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds a display that needs a cookie, with the cookie its server uses, and captures it', async () => {
    // Without the cookie the server refuses clients: the backend must have found it.
    expect(() =>
      execFileSync('xdpyinfo', [], { env: { ...x.env, XAUTHORITY: '/nonexistent' }, stdio: 'pipe' }),
    ).toThrow();
    const backend = new X11Backend({ log, env: {}, useLogind: false });
    try {
      const sessions = await backend.listSessions();
      expect(sessions.find((s) => s.id === x.display)).toMatchObject({ user: 'root', kind: 'x11', supported: true });
      const cap = backend.openCapture(x.display);
      expect([cap.width, cap.height]).toEqual([320, 200]);
      cap.close();
    } finally {
      await backend.close();
    }
  });

  it('a Wayland session is reported as unsupported and refuses capture with a clear message', async () => {
    const backend = new X11Backend({
      log,
      useLogind: false,
      env: { DISPLAY: x.display, XAUTHORITY: cookieFile, XDG_SESSION_TYPE: 'wayland', WAYLAND_DISPLAY: 'wayland-0' },
    });
    try {
      const own = (await backend.listSessions()).find((s) => s.id === x.display);
      expect(own).toMatchObject({ kind: 'wayland', supported: false, active: true });
      expect(() => backend.openCapture(x.display)).toThrow(/Wayland.*X11 session/);
      expect(() =>
        backend.injectInput(x.display, { type: 'pointer', x: 1, y: 1, buttons: 0, wheelX: 0, wheelY: 0 }),
      ).toThrow(/Wayland/);
    } finally {
      await backend.close();
    }
  });

  it('clipboard: the one-way policy and the size cap are enforced', async () => {
    const toDevice = new X11Backend({
      log,
      display: x.display,
      clipboardDirection: 'to-device',
      clipboardMaxBytes: 8,
      env: { XAUTHORITY: cookieFile },
    });
    const fromDevice = new X11Backend({
      log,
      display: x.display,
      clipboardDirection: 'from-device',
      env: { XAUTHORITY: cookieFile },
    });
    try {
      await toDevice.writeClipboard(x.display, { mime: 'text/plain', data: Buffer.from('12345678') });
      await expect(
        toDevice.writeClipboard(x.display, { mime: 'text/plain', data: Buffer.from('123456789') }),
      ).rejects.toThrow(/over 8 bytes/);
      // The device's clipboard holds the text, but this policy never sends it to the console.
      expect(await toDevice.readClipboard(x.display)).toBeNull();
      expect((await fromDevice.readClipboard(x.display))?.data.toString()).toBe('12345678');
      await expect(
        fromDevice.writeClipboard(x.display, { mime: 'text/plain', data: Buffer.from('no') }),
      ).rejects.toThrow(/policy/);
    } finally {
      await toDevice.close();
      await fromDevice.close();
    }
  });
});
