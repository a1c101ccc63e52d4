// The browser console end to end over internet mode: Chromium loads the console from a real relay,
// logs in, sees the device list update live, connects to a real agent (synthetic desktop, WebRTC),
// and the test checks what the operator would notice: the known picture on screen, clicks and typing
// arriving at the agent, the clipboard both ways, switching the user session, the path badge
// (direct, TURN UDP, TURN TCP), view-only, a denied consent and an offline device.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyntheticBackend } from '../../agent-client/src/backend/synthetic';
import { createWebRtcTransport } from '../../agent-client/src/transports/webrtc/factory';
import { type AgentUnderTest, enrollConfig, startAgent, until } from '../agent/support';
import { Api } from '../support/http';
import { ADMIN_PASSWORD, startRelay, type TestRelay } from '../support/relay';
import { missingTool } from '../support/system';
import {
  ARTIFACTS,
  CHROMIUM,
  connect,
  ensureConsoleBuilt,
  expectPath,
  focusedId,
  gradientMatch,
  launchBrowser,
  login,
  pagePoint,
  readPicture,
  soon,
  type TestBrowser,
  waitLive,
} from './browser';

const W = 320;
const H = 240;

let r: TestRelay;
let admin: Api;
let browser: TestBrowser;
/** auto-accepting agent, any path */
let direct: AgentUnderTest;
/** auto-accepting agent that offers only TURN candidates (iceTransportPolicy relay) */
let relayed: AgentUnderTest;
/** an agent whose device user denies */
let denying: AgentUnderTest;
/** an agent whose device user never answers */
let away: AgentUnderTest;

const synthetic = (consentAnswer: 'accept' | 'deny' | 'none' = 'accept') =>
  new SyntheticBackend({ width: W, height: H, consentAnswer, consentDelayMs: 0 });

async function agent(hostname: string, base: object, backend: SyntheticBackend) {
  const cfg = await enrollConfig(admin, base, { hostname });
  return startAgent(cfg, { backend, webrtc: createWebRtcTransport });
}

async function newPage(): Promise<Page> {
  const page = await browser.newPage();
  await login(page, r.base);
  return page;
}

/** The codes of the keys pressed down at the device since input-log entry `from`. */
const keyDowns = (log: SyntheticBackend['inputLog'], from: number) =>
  log
    .slice(from)
    .map((e) => e.event)
    .flatMap((e) => (e.type === 'key' && e.down ? [`${e.code}:${e.key}`] : []));

describe.skipIf(missingTool(CHROMIUM, 'chromium'))('browser console, internet mode', () => {
  beforeAll(async () => {
    ensureConsoleBuilt();
    r = await startRelay({
      RC_TURN: 'on',
      RC_TURN_ALLOW_PEERS: '127.0.0.0/8',
      RC_RELAY_PORTS: '43000-43999',
      RC_CONSENT_TIMEOUT_SECONDS: '2',
    });
    admin = await new Api(r.base, r.cert).login('admin', ADMIN_PASSWORD);
    direct = await agent('pc-direct', { consent: 'auto-accept' }, synthetic());
    relayed = await agent('pc-relayed', { consent: 'auto-accept', iceTransportPolicy: 'relay' }, synthetic());
    denying = await agent('pc-denying', { consent: 'ask' }, synthetic('deny'));
    away = await agent('pc-away', { consent: 'ask' }, synthetic('none'));
    browser = await launchBrowser(r.base);
  }, 60_000);

  afterAll(async () => {
    expect(browser?.pageErrors).toEqual([]);
    await browser?.close();
    for (const a of [direct, relayed, denying, away]) await a?.stop();
    await r?.stop();
  });

  it('login, live list, control session: picture, click, typing, clipboard both ways, user-session switch', async () => {
    const page = await newPage();
    await soon(
      () => page.locator('tr[data-device]').count(),
      (n) => n === 4,
      'device rows',
    );
    await soon(
      () => page.locator('#device-count').textContent(),
      (t) => !!t?.includes('4 of 4 online'),
      'count',
    );
    await page.screenshot({ path: join(ARTIFACTS, 'device-list.png') });

    const t0 = Date.now();
    await connect(page, 'pc-direct', 'control');
    await waitLive(page);
    const connectMs = Date.now() - t0;
    const pic = await readPicture(page);
    expect([pic.width, pic.height]).toEqual([W, H]);
    expect(gradientMatch(pic)).toBeGreaterThan(0.75);
    await expectPath(page, 'direct');
    await page.screenshot({ path: join(ARTIFACTS, 'control-direct.png') });

    // A click at remote (100, 60) arrives there, with the left button down then up.
    const log = direct.backend.inputLog;
    const before = log.length;
    const p = await pagePoint(page, 100, 60);
    await page.mouse.click(p.x, p.y);
    // The move to the spot (buttons 0) may arrive first: wait for the press and a release after it.
    await until(
      () => {
        const evs = log.slice(before).map((e) => e.event);
        const d = evs.findIndex((e) => e.type === 'pointer' && e.buttons === 1);
        return d >= 0 && evs.slice(d).some((e) => e.type === 'pointer' && e.buttons === 0);
      },
      5000,
      'click',
    );
    const clicks = log.slice(before).map((e) => e.event);
    const down = clicks.find((e) => e.type === 'pointer' && e.buttons === 1);
    expect(down).toMatchObject({ type: 'pointer', x: 100, y: 60 });

    // Typing: each key as code + key, down then up, and the browser's own handling suppressed.
    const keysBefore = log.length;
    for (const k of ['Shift+KeyH', 'KeyI', 'Shift+Digit1']) await page.keyboard.press(k);
    await until(() => log.slice(keysBefore).filter((e) => e.event.type === 'key').length >= 10, 5000, 'typed keys');
    expect(keyDowns(log, keysBefore)).toEqual(['ShiftLeft:Shift', 'KeyH:H', 'KeyI:i', 'ShiftLeft:Shift', 'Digit1:!']);
    // Tab stays on the remote view instead of moving the browser's focus.
    const tabBefore = log.length;
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('remote');
    // ...and reaches the device (down and up) before the chord below is counted.
    await until(
      () => log.slice(tabBefore).some((e) => e.event.type === 'key' && e.event.code === 'Tab' && !e.event.down),
      5000,
      'Tab at the device',
    );

    // Ctrl+Alt+Shift hands the keyboard back to the toolbar; the device gets no Shift and has
    // Ctrl and Alt released (no key left held down there).
    const releaseBefore = log.length;
    await page.keyboard.press('Control+Alt+Shift');
    expect(await focusedId(page)).toBe('disconnect');
    await until(
      () => log.slice(releaseBefore).filter((e) => e.event.type === 'key' && !e.event.down).length >= 2,
      5000,
      'modifiers released at the device',
    );
    const released = log.slice(releaseBefore).map((e) => (e.event.type === 'key' ? e.event.code : ''));
    expect(released.filter((c) => c.startsWith('Shift'))).toEqual([]);
    expect(released.sort()).toEqual(['AltLeft', 'AltLeft', 'ControlLeft', 'ControlLeft']);

    // Toolbar chord.
    const chordBefore = log.length;
    await page.locator('#chord-cad').click();
    await until(() => log.length >= chordBefore + 6, 5000, 'chord');
    expect(keyDowns(log, chordBefore).map((k) => k.split(':')[0])).toEqual(['ControlLeft', 'AltLeft', 'Delete']);

    // Clipboard to the device, through the Async Clipboard API...
    await page.locator('details.clipboard > summary').click();
    await page.evaluate("navigator.clipboard.writeText('from the operator ✓')");
    await page.getByRole('button', { name: 'Send my clipboard' }).click();
    await until(
      async () => (await direct.backend.readClipboard(':0'))?.data.toString() === 'from the operator ✓',
      5000,
      'clipboard on the device',
    );
    // ...and through the paste box.
    await page.locator('#clip-paste').fill('pasted by hand');
    await page.getByRole('button', { name: 'Send text' }).click();
    await until(
      async () => (await direct.backend.readClipboard(':0'))?.data.toString() === 'pasted by hand',
      5000,
      'pasted text on the device',
    );
    // From the device: the device user copies; the console shows it and puts it on the clipboard.
    direct.backend.userCopies(':0', { mime: 'text/plain', data: Buffer.from('copied on the PC') });
    await soon(
      () => page.locator('#clip-remote').inputValue(),
      (v) => v === 'copied on the PC',
      'device clipboard',
    );

    // User-session switch: the picker lists both sessions; the other session's picture (another
    // red tint) replaces the first.
    await soon(
      () => page.locator('#user-session option').count(),
      (n) => n === 2,
      'session options',
    );
    const redBefore = (await readPicture(page)).meanRed;
    await page.locator('#user-session').selectOption(':1');
    await until(async () => (await readPicture(page)).meanRed > redBefore + 40, 10_000, 'second session picture');
    const switched = [...direct.agent.sessions.values()][0];
    expect(switched?.info.userSession).toBe(':1');
    await page.screenshot({ path: join(ARTIFACTS, 'control-session-1.png') });

    // A user session that appears on the PC during the session shows up in the picker (the view
    // asks again every 10 s).
    const sessionsBefore = await direct.backend.listSessions();
    direct.backend.setSessions([
      ...sessionsBefore,
      { id: ':7', user: 'late', kind: 'x11', active: false, supported: true },
    ]);
    try {
      await soon(
        () => page.locator('#user-session option').count(),
        (n) => n === 3,
        'a third session in the picker',
        15_000,
      );
    } finally {
      direct.backend.setSessions(sessionsBefore);
    }

    // The whole session fits the window (toolbar rows and the open clipboard panel included).
    await soon(
      () => page.evaluate<number>('document.documentElement.scrollHeight - window.innerHeight'),
      (over) => over <= 0,
      'no page scroll',
    );
    // Escape in a list closes the list; it does not end the session.
    await page.locator('#quality').focus();
    await page.keyboard.press('Escape');
    expect(await page.locator('#disconnect').count()).toBe(1);

    await page.locator('#disconnect').click();
    await until(() => direct.agent.sessions.size === 0, 5000, 'session ended on the agent');
    await page.locator('#device-count').waitFor();
    console.log(`connect (click → painted) ${connectMs} ms`);
    await page.close();
  }, 60_000);

  it('view-only: the picture shows, input is not sent, the toolbar keys are off', async () => {
    const page = await newPage();
    await connect(page, 'pc-direct', 'view');
    await waitLive(page);
    expect(await page.locator('.mode').textContent()).toBe('View only');
    expect(await page.locator('#chord-cad').isDisabled()).toBe(true);
    const before = direct.backend.inputLog.length;
    const p = await pagePoint(page, 50, 50);
    await page.mouse.click(p.x, p.y);
    await page.keyboard.type('x');
    await new Promise((res) => setTimeout(res, 500));
    expect(direct.backend.inputLog.length).toBe(before);
    // A reload opens the session again from its URL and still names the device by its host name.
    await page.reload();
    await waitLive(page);
    expect(await page.locator('.session .toolbar strong').textContent()).toBe('pc-direct');
    await page.locator('#disconnect').click();
    await page.close();
  }, 30_000);

  for (const [route, path] of [
    ['relay', 'TURN UDP'],
    ['relay-tcp', 'TURN TCP'],
  ] as const) {
    it(`through our TURN (${path}): the picture shows and the badge names the path`, async () => {
      const page = await newPage();
      const allocations = await admin.metric('rc_turn_allocations_total');
      await connect(page, 'pc-relayed', 'control', route);
      await waitLive(page, 25_000);
      expect(gradientMatch(await readPicture(page))).toBeGreaterThan(0.75);
      await expectPath(page, path);
      expect(await admin.metric('rc_turn_allocations_total')).toBeGreaterThan(allocations);
      const before = relayed.backend.inputLog.length;
      const p = await pagePoint(page, 10, 20);
      await page.mouse.click(p.x, p.y);
      await until(() => relayed.backend.inputLog.length > before, 5000, 'click over TURN');
      await page.screenshot({ path: join(ARTIFACTS, `control-${route}.png`) });
      await page.locator('#disconnect').click();
      await page.close();
    }, 40_000);
  }

  it('a denied consent says so and offers to reconnect', async () => {
    const page = await newPage();
    await connect(page, 'pc-denying', 'control');
    await soon(
      () => page.locator('#session-message').textContent(),
      (t) => !!t?.includes('denied'),
      'message',
      10_000,
    );
    expect(await focusedId(page)).toBe('reconnect');
    await page.screenshot({ path: join(ARTIFACTS, 'denied.png') });
    await page.keyboard.press('Escape');
    await page.locator('#device-count').waitFor();
    await page.close();
  }, 30_000);

  it('no answer from the device user in time says so', async () => {
    const page = await newPage();
    await connect(page, 'pc-away', 'control');
    await soon(
      () => page.locator('#session-message').textContent(),
      (t) => !!t?.includes('did not answer in time'),
      'timeout message',
      10_000,
    );
    await page.close();
  }, 30_000);

  it('a dropped session says so; reconnecting to the now offline device says it is offline', async () => {
    const page = await newPage();
    await connect(page, 'pc-relayed', 'control');
    await waitLive(page, 25_000);
    await relayed.stop();
    await soon(
      () => page.locator('#session-message').textContent(),
      (t) => !!t?.includes('Connection lost'),
      'dropped message',
      20_000,
    );
    await page.screenshot({ path: join(ARTIFACTS, 'dropped.png') });
    await page.locator('#reconnect').click();
    await soon(
      () => page.locator('#session-message').textContent(),
      (t) => !!t?.includes('The device is offline'),
      'offline message',
      10_000,
    );
    // The device's agent starts again: the open page says so beside its Reconnect button.
    const back = await startAgent(relayed.cfg, { backend: synthetic(), webrtc: createWebRtcTransport });
    try {
      await soon(
        () => page.locator('#back-online').textContent(),
        (t) => t === 'The device is online again.',
        'back online',
        10_000,
      );
    } finally {
      await back.stop();
    }
    await page.close();
  }, 60_000);

  it('the list follows presence live: a device going offline cannot be connected', async () => {
    const page = await newPage();
    await page.getByRole('button', { name: 'Details of pc-denying' }).click();
    expect(await page.locator('#connect-control').isEnabled()).toBe(true);
    await denying.stop();
    await soon(
      () => page.locator('tr[data-device]', { hasText: 'pc-denying' }).textContent(),
      (t) => !!t?.includes('offline'),
      'offline row',
      10_000,
    );
    expect(await page.locator('#connect-control').isDisabled()).toBe(true);
    await page.locator('#filter-online').selectOption('true');
    await soon(
      () => page.locator('tr[data-device]').count(),
      (n) => n === 2,
      'online rows',
    );
    await page.close();
  }, 30_000);

  it('an admin creates an enrollment token and reads the audit trail', async () => {
    const page = await newPage();
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.locator('#token-uses').fill('3');
    await page.locator('#token-create').click();
    const token = await soon(
      () => page.locator('#token-value').inputValue(),
      (v) => v.length > 20,
      'token shown',
    );
    const listed = (await admin.get('/api/v1/enrollment-tokens')).body as { maxUses: number }[];
    expect(listed.some((t) => t.maxUses === 3)).toBe(true);
    expect(token).not.toBe('');
    // The sessions of the tests above, with their outcomes.
    const rows = await soon(
      () => page.locator('#audit tbody tr').allTextContents(),
      (t) => t.length >= 5,
      'audit',
    );
    expect(rows.some((t) => t.includes('pc-denying') && t.includes('denied'))).toBe(true);
    expect(rows.some((t) => t.includes('pc-direct') && t.includes('view / internet'))).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'admin.png') });
    await page.close();
  }, 30_000);
});
