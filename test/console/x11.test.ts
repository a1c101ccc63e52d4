// The browser console end to end against real X desktops: two Xvfb displays (two user sessions,
// each with a window of known colours and an xterm), the agent as its own process (`rc-agent run`,
// X11 backend), a relay with TURN, and headless Chromium. One flow — the picture shows the known
// window, a click lands on it, typing reaches the xterm, the clipboard goes both ways, switching
// the user session shows and drives the other display — runs over every path: direct, through our
// TURN relay only (UDP, then TCP), and LAN through the rc-console bridge.

import { join } from 'node:path';
import { MAX_CLIPBOARD_BYTES } from '@rc-relay/protocol';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentConfig } from '../../agent-client/src/config';
import { createLogger } from '../../agent-client/src/log';
import type { Agent } from '../../agent-client/src/service/agent';
import { buildAgent } from '../../agent-client/src/service/run';
import { enrollConfig, until } from '../agent/support';
import { cli, configHome, removeHomes } from '../console-cli/support';
import { type AgentProcess, spawnAgent } from '../support/agent-process';
import { Api } from '../support/http';
import { ADMIN_PASSWORD, startRelay, type TestRelay } from '../support/relay';
import { missingTool } from '../support/system';
import {
  ARTIFACTS,
  CHROMIUM,
  connect,
  ensureConsoleBuilt,
  expectPath,
  launchBrowser,
  login,
  pagePoint,
  pixelsAt,
  readPicture,
  soon,
  type TestBrowser,
  waitLive,
} from './browser';
import { type Desktop, startDesktop } from './x11-desktops';

const skip =
  missingTool(CHROMIUM, 'chromium') ||
  missingTool('/usr/bin/Xvfb', 'xvfb') ||
  missingTool('/usr/bin/xterm', 'xterm') ||
  missingTool('/usr/bin/xclip', 'xclip') ||
  missingTool('/usr/bin/xrandr', 'x11-xserver-utils') ||
  missingTool('/usr/bin/xdotool', 'xdotool');

const HOST = 'xvfb-desktop';
/**
 * A second agent on the first display whose device user is asked (consent policy `ask`); in this
 * process (built as `rc-agent run` builds it), since one agent process already proves that path.
 */
const ASK_HOST = 'xvfb-ask';
let a: Desktop;
let b: Desktop;
let r: TestRelay;
let admin: Api;
let agent: AgentProcess;
let asking: Agent;
let browser: TestBrowser;
let cliHome: string;

/** The remote view shows `d`'s whole display with its known window's colours where they belong. */
async function expectDesktop(page: Page, d: Desktop, what: string) {
  await until(
    async () => {
      const p = await readPicture(page).catch(() => null);
      return p?.width === d.spec.width && p.height === d.spec.height;
    },
    10_000,
    `${what}: a ${d.spec.width}×${d.spec.height} picture`,
  );
  const probes = d.probes();
  // The first frames of a switch may still be coarse: the colours must settle within a few seconds.
  await soon(
    () =>
      pixelsAt(
        page,
        probes.map(([x, y]) => [x, y]),
      ),
    (seen) => seen.every((rgb, i) => rgb.every((v, c) => Math.abs(v - probes[i]![2][c]!) < 30)),
    `${what}: quadrant colours`,
  );
  // The device user of the session shown sees the red "remote session active" banner at the top.
  await soon(
    () => pixelsAt(page, [[d.spec.width / 2, 3]]),
    ([rgb]) => rgb![0] > 150 && rgb![1] < 90 && rgb![2] < 90,
    `${what}: session banner`,
  );
}

const bannerShown = (d: Desktop) => {
  const [r, g, b] = d.fixture.pixel(d.spec.width / 2, 3);
  return r > 150 && g < 90 && b < 90;
};

/** Clicks remote (wx, wy) inside `d`'s known window; the window gets that button at exactly that spot. */
async function expectClickLands(page: Page, d: Desktop, wx: number, wy: number, button: 'left' | 'right' = 'left') {
  const since = d.fixture.clicks.length;
  const p = await pagePoint(page, d.spec.win.x + wx, d.spec.win.y + wy);
  await page.mouse.click(p.x, p.y, { button });
  const press = await d.pressOnWindow(since);
  expect([press.button, press.x, press.y]).toEqual([button === 'left' ? 1 : 3, wx, wy]);
}

/**
 * The device user answers the consent prompt on `d` with a real click (xdotool), once the button is
 * on screen. Buttons: see askConsentOnDisplay (a 480×150 window centred, a third down; Allow and
 * Deny 100×34 at its bottom right); the point is inside the button, clear of its label.
 */
async function answerPrompt(d: Desktop, answer: 'Allow' | 'Deny') {
  const px = Math.floor((d.spec.width - 480) / 2);
  const py = Math.floor((d.spec.height - 150) / 3);
  const [x, y, rgb] =
    answer === 'Allow'
      ? [px + 250 + 5, py + 100 + 5, [0x2e, 0x7d, 0x32]]
      : [px + 360 + 5, py + 100 + 5, [0xc6, 0x28, 0x28]];
  await until(
    () => d.fixture.pixel(x, y).every((v, i) => v === rgb[i]),
    10_000,
    `the consent prompt's ${answer} button`,
  );
  await d.x.run('xdotool', ['mousemove', String(x), String(y), 'click', '1']);
}

/** Types `line` and Enter into `d`'s xterm; the xterm receives exactly that line. */
async function expectTypingArrives(page: Page, d: Desktop, line: string) {
  // The pointer over the xterm focuses it (no window manager), then keys.
  const t = await pagePoint(page, ...d.spec.xterm.at);
  await page.mouse.move(t.x, t.y);
  await page.locator('#remote').focus();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
  await until(() => d.typed().endsWith(`${line}\n`), 5000, `typed line: ${line}`);
}

/** The whole operator flow on a live control session; `label` names the path in texts and artifacts. */
async function desktopFlow(page: Page, label: string) {
  await expectDesktop(page, a, label);
  await page.screenshot({ path: join(ARTIFACTS, `x11-${label}.png`) });
  await expectClickLands(page, a, 60, 30);
  await expectClickLands(page, a, 180, 120, 'right');

  await expectTypingArrives(page, a, `Hello over ${label}`);

  // Clipboard to the device: what X applications paste.
  await page.locator('details.clipboard > summary').click();
  const toDevice = `from the console over ${label} ✓`;
  await page.locator('#clip-paste').fill(toDevice);
  await page.getByRole('button', { name: 'Send text' }).click();
  await until(async () => (await a.clipboard()) === toDevice, 5000, `X clipboard (${label})`);
  // Clipboard from the device: an X application copies; the console shows it.
  const fromDevice = `copied on the desktop, ${label} ✓`;
  await a.copy(fromDevice);
  await soon(
    () => page.locator('#clip-remote').inputValue(),
    (v) => v === fromDevice,
    `device clipboard in the console (${label})`,
  );
  // ...and on the operator's own clipboard (the Async Clipboard API, permission granted).
  await soon(
    () => page.evaluate('navigator.clipboard.readText()'),
    (v) => v === fromDevice,
    `operator's clipboard (${label})`,
  );

  // User-session switch: exactly the two test displays are offered (backend.displays); picking the
  // second shows its window and clicks land on it.
  const offered = await soon(
    () => page.locator('#user-session option').evaluateAll((els) => els.map((e) => (e as { value: string }).value)),
    (v) => v.length === 2,
    'user sessions offered',
  );
  expect(offered.sort()).toEqual([a.x.display, b.x.display].sort());
  expect(bannerShown(b)).toBe(false); // nobody looks at it yet
  await page.locator('#user-session').selectOption(b.x.display);
  await expectDesktop(page, b, `${label}, second session`);
  // The display where consent was asked keeps its banner: the session it accepted goes on.
  expect(bannerShown(a)).toBe(true);
  await page.screenshot({ path: join(ARTIFACTS, `x11-${label}-session-2.png`) });
  await expectClickLands(page, b, 50, 20);
  // Keys and the clipboard watch follow the switch too.
  await expectTypingArrives(page, b, `Second session over ${label}`);
  const fromSecond = `copied in the second session, ${label}`;
  await b.copy(fromSecond);
  await soon(
    () => page.locator('#clip-remote').inputValue(),
    (v) => v === fromSecond,
    `second session's clipboard in the console (${label})`,
  );
  await page.locator('#disconnect').click();
  // Nobody looks any more: both displays lose their banner.
  await until(() => !bannerShown(a) && !bannerShown(b), 5000, `banners gone (${label})`);
}

describe.skipIf(skip)('browser console on X11 desktops (Xvfb), every path', () => {
  beforeAll(async () => {
    ensureConsoleBuilt();
    [a, b] = await Promise.all([
      startDesktop({
        width: 640,
        height: 480,
        win: { x: 40, y: 40, w: 240, h: 160 },
        quads: [
          [230, 30, 30],
          [30, 200, 60],
          [40, 60, 230],
          [245, 245, 245],
        ],
        xterm: { geometry: '40x4+330+300', at: [400, 330] },
      }),
      startDesktop({
        width: 480,
        height: 360,
        win: { x: 100, y: 80, w: 200, h: 120 },
        quads: [
          [250, 220, 40],
          [200, 40, 200],
          [40, 200, 200],
          [120, 120, 120],
        ],
        xterm: { geometry: '30x3+150+260', at: [200, 280] },
      }),
    ]);
    // Two monitors side by side on the first display (XRandR), for the monitor picker.
    await a.x.run('xrandr', ['--setmonitor', 'LEFT', '320/100x480/100+0+0', 'none']);
    await a.x.run('xrandr', ['--setmonitor', 'RIGHT', '320/100x480/100+320+0', 'none']);
    r = await startRelay({ RC_TURN: 'on', RC_TURN_ALLOW_PEERS: '127.0.0.0/8', RC_RELAY_PORTS: '45000-45999' });
    admin = await new Api(r.base, r.cert).login('admin', ADMIN_PASSWORD);
    const backend = {
      kind: 'x11',
      display: a.x.display,
      displays: [a.x.display, b.x.display],
      clipboard: { maxBytes: MAX_CLIPBOARD_BYTES, direction: 'both' },
    } satisfies AgentConfig['backend'];
    const cfg = await enrollConfig(
      admin,
      {
        consent: 'auto-accept',
        backend,
        lan: {
          enabled: true,
          bindAddress: '127.0.0.1',
          advertise: ['127.0.0.1'],
          ports: { connect: 0, screen: 0, sessions: 0 },
        },
      },
      { hostname: HOST },
    );
    const askCfg = await enrollConfig(
      admin,
      { consent: 'ask', backend: { ...backend, displays: [a.x.display] } },
      { hostname: ASK_HOST },
    );
    cliHome = configHome();
    const cliLogin = cli(cliHome, ['login', '--server', r.base, '--username', 'admin', '--password', ADMIN_PASSWORD]);
    asking = buildAgent(askCfg, createLogger('silent'));
    [agent, browser] = await Promise.all([spawnAgent(cfg, admin), launchBrowser(r.base), asking.start()]);
    await until(() => asking.signalling.online, 10_000, 'asking agent online');
    const res = await cliLogin.done;
    if (res.code !== 0) throw new Error(`rc-console login: ${res.stderr}`);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await asking?.stop();
    await r?.stop();
    await Promise.all([a?.stop(), b?.stop()]);
    removeHomes();
    expect(browser?.pageErrors).toEqual([]);
  });

  for (const [route, badge] of [
    ['auto', 'direct'],
    ['relay', 'TURN UDP'],
    ['relay-tcp', 'TURN TCP'],
  ] as const) {
    it(`internet, ${badge}: picture, click, typing, clipboard both ways, user-session switch`, async () => {
      const page = await browser.newPage();
      await login(page, r.base);
      const relayed = await admin.metric('rc_turn_peer_to_client_bytes_total');
      await connect(page, HOST, 'control', route);
      await waitLive(page);
      await expectPath(page, badge);
      await desktopFlow(page, badge.toLowerCase().replace(' ', '-'));
      // The picture (tens of KB over the flow) came through our TURN relay exactly when forced to:
      // the direct path leaves at most a few ICE checks on it.
      const viaTurn = (await admin.metric('rc_turn_peer_to_client_bytes_total')) - relayed;
      if (route === 'auto') expect(viaTurn).toBeLessThan(5_000);
      else expect(viaTurn).toBeGreaterThan(20_000);
      await page.close();
    }, 30_000);
  }

  it('LAN through the rc-console bridge: the same flow', async () => {
    const run = cli(cliHome, ['connect', HOST, '--lan', '--no-open']);
    try {
      await until(() => /#\/lan\?token=/.test(run.stdout()), 15_000, 'bridge URL');
      const url = run.stdout().trim().split('\n').pop()!;
      await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(url).origin });
      const page = await browser.newPage();
      await page.goto(url);
      await waitLive(page);
      await expectPath(page, 'LAN');
      await desktopFlow(page, 'lan');
      // Disconnect leaves no live-looking picture behind: the tab says the session is over.
      await soon(
        () => page.locator('section.ended h1').textContent(),
        (t) => t === 'The LAN session has ended',
        'ended page',
      );
      await page.close();
      // The page going ends the bridge and the CLI.
      expect((await run.done).code).toBe(0);
    } finally {
      if (run.child.exitCode === null) run.child.kill();
    }
  }, 30_000);

  it('consent on the desktop: the device user denies, the console says so; allows on reconnect', async () => {
    const page = await browser.newPage();
    await login(page, r.base);
    await connect(page, ASK_HOST, 'control');
    await answerPrompt(a, 'Deny');
    await soon(
      () => page.locator('#session-message').textContent(),
      (t) => !!t?.includes('denied'),
      'denied message',
      10_000,
    );
    await page.screenshot({ path: join(ARTIFACTS, 'x11-consent-denied.png') });
    await page.locator('#reconnect').click();
    await answerPrompt(a, 'Allow');
    await waitLive(page);
    await expectDesktop(page, a, 'after consent');
    await page.locator('#disconnect').click();
    await page.close();
  }, 30_000);

  it('view only: the picture shows, clicks and keys never reach the desktop', async () => {
    const page = await browser.newPage();
    await login(page, r.base);
    await connect(page, HOST, 'view');
    await waitLive(page);
    await expectDesktop(page, a, 'view only');
    const clicks = a.fixture.clicks.length;
    const typed = a.typed();
    const p = await pagePoint(page, a.spec.win.x + 60, a.spec.win.y + 30);
    await page.mouse.click(p.x, p.y);
    const t = await pagePoint(page, ...a.spec.xterm.at);
    await page.mouse.move(t.x, t.y);
    await page.keyboard.type('not typed');
    await page.keyboard.press('Enter');
    // Nothing to wait for when nothing arrives: give a click over loopback ample time (~10× its p95).
    await new Promise((res) => setTimeout(res, 500));
    expect(a.fixture.clicks.slice(clicks).filter((c) => c.window === a.win)).toEqual([]);
    expect(a.typed()).toBe(typed);
    await page.locator('#disconnect').click();
    await page.close();
  }, 30_000);

  it('monitor picker: one monitor alone, clicks offset to it, then all again', async () => {
    const page = await browser.newPage();
    await login(page, r.base);
    await connect(page, HOST, 'control');
    await waitLive(page);
    await expectDesktop(page, a, 'monitors');
    expect(await page.locator('#monitor option').count()).toBeGreaterThanOrEqual(3); // All, LEFT, RIGHT (+ the screen's own)
    const right = await page.locator('#monitor option', { hasText: 'RIGHT' }).getAttribute('value');
    await page.locator('#monitor').selectOption(right ?? '');
    await until(async () => (await readPicture(page)).width === 320, 10_000, 'RIGHT monitor picture');
    // RIGHT alone is 320×480 with the xterm's white background near its left edge.
    const [xtermPixel] = await pixelsAt(page, [[100, 320]]);
    expect(Math.min(...xtermPixel!)).toBeGreaterThan(200);
    await page.screenshot({ path: join(ARTIFACTS, 'x11-monitor-right.png') });
    // A click at RIGHT's (5, 5) is root (325, 5): not on the known window.
    const before = a.fixture.clicks.length;
    const q = await pagePoint(page, 5, 5);
    await page.mouse.click(q.x, q.y);
    await new Promise((res) => setTimeout(res, 300));
    expect(a.fixture.clicks.slice(before).some((c) => c.window === a.win)).toBe(false);
    await page.locator('#monitor').selectOption('');
    await until(async () => (await readPicture(page)).width === 640, 10_000, 'all monitors picture');
    await page.locator('#disconnect').click();
    await page.close();
  }, 30_000);
});
