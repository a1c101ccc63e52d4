// The browser console against a real X desktop: an Xvfb display with a window of known colours and
// an xterm, the agent's X11 backend, and Chromium. What the operator sees must be that window; a
// click in the console must land on it at the right spot; typing must reach the xterm; text sent
// from the clipboard box must be what X applications paste.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X11Backend } from '../../agent-client/src/backend/x11/backend';
import { createLogger } from '../../agent-client/src/log';
import { Agent } from '../../agent-client/src/service/agent';
import { createWebRtcTransport } from '../../agent-client/src/transports/webrtc/transport';
import { enrollConfig, until } from '../agent/support';
import { Api } from '../support/http';
import { ADMIN_PASSWORD, startRelay, type TestRelay } from '../support/relay';
import { missingTool } from '../support/system';
import { FixtureClient } from '../x11/fixture';
import { startXvfb, type Xvfb } from '../x11/xvfb';
import {
  ARTIFACTS,
  CHROMIUM,
  connect,
  ensureConsoleBuilt,
  launchBrowser,
  login,
  pagePoint,
  readPicture,
  type TestBrowser,
  waitLive,
} from './browser';

const skip =
  missingTool(CHROMIUM, 'chromium') ||
  missingTool('/usr/bin/Xvfb', 'xvfb') ||
  missingTool('/usr/bin/xterm', 'xterm') ||
  missingTool('/usr/bin/xclip', 'xclip') ||
  missingTool('/usr/bin/xrandr', 'x11-xserver-utils');

/** The known window: four flat quadrants (BGRX), which survive video compression recognisably. */
const WIN = { x: 40, y: 40, w: 240, h: 160 };
const QUADS: [string, [number, number, number]][] = [
  ['red', [230, 30, 30]],
  ['green', [30, 200, 60]],
  ['blue', [40, 60, 230]],
  ['white', [245, 245, 245]],
];

function quadrants(): Buffer {
  const b = Buffer.alloc(WIN.w * WIN.h * 4);
  for (let y = 0; y < WIN.h; y++)
    for (let x = 0; x < WIN.w; x++) {
      const q = (y < WIN.h / 2 ? 0 : 2) + (x < WIN.w / 2 ? 0 : 1);
      const [r, g, bl] = QUADS[q]![1];
      b.set([bl, g, r, 0], (y * WIN.w + x) * 4);
    }
  return b;
}

describe.skipIf(skip)('browser console on an X11 desktop (Xvfb)', () => {
  let x: Xvfb;
  let fixture: FixtureClient;
  let win: number;
  let xterm: ChildProcess;
  let r: TestRelay;
  let agent: Agent;
  let browser: TestBrowser;
  const dir = mkdtempSync(join(tmpdir(), 'rc-console-x11-'));
  const typed = join(dir, 'typed.txt');

  beforeAll(async () => {
    ensureConsoleBuilt();
    x = await startXvfb(640, 480);
    // Two monitors side by side (XRandR), for the monitor picker.
    await x.run('xrandr', ['--setmonitor', 'LEFT', '320/100x480/100+0+0', 'none']);
    await x.run('xrandr', ['--setmonitor', 'RIGHT', '320/100x480/100+320+0', 'none']);
    fixture = new FixtureClient(x.display);
    win = fixture.window(WIN.x, WIN.y, WIN.w, WIN.h, quadrants());
    // The xterm runs `cat` into a file: what it received is what the user would see typed.
    xterm = spawn('xterm', ['-u8', '-geometry', '40x4+330+300', '-e', 'sh', '-c', `stty -echo; exec cat > ${typed}`], {
      env: { ...x.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' },
      stdio: 'ignore',
    });
    r = await startRelay({ RC_TURN: 'off' });
    const admin = await new Api(r.base, r.cert).login('admin', ADMIN_PASSWORD);
    const cfg = await enrollConfig(admin, { consent: 'auto-accept' }, { hostname: 'xvfb-desktop' });
    const backend = new X11Backend({ display: x.display, log: createLogger('silent'), useLogind: false });
    agent = new Agent(cfg, backend, createLogger('silent'), { webrtc: createWebRtcTransport });
    await agent.start();
    await until(() => agent.signalling.online, 5000, 'agent online');
    browser = await launchBrowser(r.base);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await r?.stop();
    xterm?.kill();
    fixture?.close();
    await x?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the window, clicks land on it, typing reaches the xterm, the clipboard reaches X', async () => {
    const page = await browser.context.newPage();
    await login(page, r.base);
    await connect(page, 'xvfb-desktop', 'control');
    await waitLive(page);
    // The whole 640×480 screen; the known window's quadrants where they are on the display.
    await until(
      async () => {
        const pic = await readPicture(page);
        return pic.width === 640 && pic.height === 480;
      },
      5000,
      'full-screen picture',
    );
    const colours = (await page.evaluate(`(() => {
      const v = document.querySelector('#remote');
      const c = document.createElement('canvas');
      c.width = v.videoWidth; c.height = v.videoHeight;
      const ctx = c.getContext('2d');
      ctx.drawImage(v, 0, 0);
      return ${JSON.stringify(
        [0, 1, 2, 3].map((q) => [
          WIN.x + (q % 2 ? (3 * WIN.w) / 4 : WIN.w / 4),
          WIN.y + (q < 2 ? WIN.h / 4 : (3 * WIN.h) / 4),
        ]),
      )}.map(([x, y]) => Array.from(ctx.getImageData(x, y, 1, 1).data.slice(0, 3)));
    })()`)) as number[][];
    colours.forEach((rgb, q) => {
      const want = QUADS[q]![1];
      for (let i = 0; i < 3; i++) expect(Math.abs(rgb[i]! - want[i]!), `${QUADS[q]![0]} quadrant`).toBeLessThan(30);
    });
    await page.screenshot({ path: join(ARTIFACTS, 'x11-desktop.png') });

    // A click on the window at its own (60, 30) arrives there as button 1.
    const p = await pagePoint(page, WIN.x + 60, WIN.y + 30);
    await page.mouse.click(p.x, p.y);
    const click = await fixture.waitClick((c) => c.window === win && c.type === 'press');
    expect([click.button, click.x, click.y]).toEqual([1, 60, 30]);
    // Right button too.
    await page.mouse.click(p.x, p.y, { button: 'right' });
    await fixture.waitClick((c) => c.window === win && c.button === 3);

    // Typing: the pointer over the xterm focuses it (no window manager), then keys.
    const t = await pagePoint(page, 400, 330);
    await page.mouse.move(t.x, t.y);
    await page.locator('#remote').focus();
    await page.keyboard.type('Hello X11 console');
    await page.keyboard.press('Enter');
    await until(() => readFileSync(typed, 'utf8').endsWith('\n'), 5000, 'typed line in the xterm');
    expect(readFileSync(typed, 'utf8')).toBe('Hello X11 console\n');

    // Clipboard to the device: X applications paste it (xclip reads the CLIPBOARD selection).
    await page.locator('details.clipboard > summary').click();
    await page.locator('#clip-paste').fill('paste me in X');
    await page.getByRole('button', { name: 'Send text' }).click();
    await until(
      async () => (await x.run('xclip', ['-o', '-selection', 'clipboard']).catch(() => '')) === 'paste me in X',
      5000,
      'X clipboard',
    );

    // Monitor picker: RIGHT alone is 320×480 with the xterm near its left edge; All is the root again.
    const right = await page.locator('#monitor option', { hasText: 'RIGHT' }).getAttribute('value');
    expect(await page.locator('#monitor option').count()).toBeGreaterThanOrEqual(3); // All, LEFT, RIGHT (+ the screen's own)
    await page.locator('#monitor').selectOption(right ?? '');
    await until(async () => (await readPicture(page)).width === 320, 10_000, 'RIGHT monitor picture');
    const xtermPixel = (await page.evaluate(`(() => {
      const v = document.querySelector('#remote');
      const c = document.createElement('canvas');
      c.width = v.videoWidth; c.height = v.videoHeight;
      const ctx = c.getContext('2d');
      ctx.drawImage(v, 0, 0);
      return Array.from(ctx.getImageData(100, 320, 1, 1).data.slice(0, 3));
    })()`)) as number[];
    expect(Math.min(...xtermPixel)).toBeGreaterThan(200); // the xterm's white background
    await page.screenshot({ path: join(ARTIFACTS, 'x11-monitor-right.png') });
    // A click on the RIGHT monitor's picture lands at the root position (offset by 320).
    const before = fixture.clicks.length;
    const q = await pagePoint(page, 5, 5);
    await page.mouse.click(q.x, q.y);
    await new Promise((res) => setTimeout(res, 300));
    expect(fixture.clicks.slice(before).some((c) => c.window === win)).toBe(false);
    await page.locator('#monitor').selectOption('');
    await until(async () => (await readPicture(page)).width === 640, 10_000, 'all monitors picture');

    await page.locator('#disconnect').click();
    await page.close();
  }, 60_000);
});
