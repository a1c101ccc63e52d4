// The relay serves the built console at `/` with a CSP and cache headers that fit hashed assets;
// the login form handles wrong passwords and asks for a TOTP code when the account has one; the
// Account page changes the password and sets two-step login up.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, totp } from '../../server/src/auth/totp';
import { Api } from '../support/http';
import { ADMIN_PASSWORD, startRelay, type TestRelay } from '../support/relay';
import { missingTool } from '../support/system';
import {
  ARTIFACTS,
  CHROMIUM,
  ensureConsoleBuilt,
  focusedId,
  launchBrowser,
  login,
  soon,
  type TestBrowser,
} from './browser';

const ZBARIMG = '/usr/bin/zbarimg';

let r: TestRelay;
let admin: Api;

beforeAll(async () => {
  ensureConsoleBuilt();
  r = await startRelay({ RC_TURN: 'off' });
  admin = await new Api(r.base, r.cert).login('admin', ADMIN_PASSWORD);
});
afterAll(async () => {
  await r?.stop();
});

describe('the console files', () => {
  it('/ is the console page with a strict CSP, never cached; its assets are hashed and cached for good', async () => {
    const anon = new Api(r.base, r.cert);
    const page = await anon.get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['cache-control']).toBe('no-cache');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe');
    const assets = [...String(page.body).matchAll(/\/(assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toHaveLength(3);
    for (const a of assets) {
      expect(a).toMatch(/-[A-Z0-9]{8}\.(js|css)$/);
      const got = await anon.get(`/${a}`);
      expect(got.status).toBe(200);
      expect(got.headers['cache-control']).toContain('immutable');
      expect(got.headers['x-content-type-options']).toBe('nosniff');
    }
    expect((await anon.get('/assets/nope.js')).status).toBe(404);
    expect((await anon.get('/assets/../../package.json')).status).toBe(404);
    // The API is unchanged beside it.
    expect((await anon.get('/api/v1/devices')).status).toBe(401);
  });
});

describe.skipIf(missingTool(CHROMIUM, 'chromium'))('login in the browser', () => {
  let browser: TestBrowser;
  beforeAll(async () => {
    browser = await launchBrowser(r.base);
  }, 30_000);
  afterAll(async () => {
    expect(browser?.pageErrors).toEqual([]);
    await browser?.close();
  });

  it('wrong password, then TOTP asked and accepted; an operator sees no admin page', async () => {
    await admin.post('/api/v1/operators', { username: 'helpdesk', password: 'helpdesk-password-1', role: 'operator' });
    const u = await new Api(r.base, r.cert).login('helpdesk', 'helpdesk-password-1');
    const setup = await u.post('/api/v1/auth/totp/setup');
    const key = base32Decode(setup.body.secret);
    // The previous step's code turns it on, leaving the current one for the login below.
    expect((await u.post('/api/v1/auth/totp/enable', { code: totp(key, Date.now() - 30_000) })).status).toBe(204);

    const page = await browser.newPage();
    await page.goto(`${r.base}/`);
    expect(await focusedId(page)).toBe('username');
    // The authenticator code is asked for only when the account has TOTP.
    expect(await page.locator('#totp').isVisible()).toBe(false);
    await page.keyboard.type('helpdesk');
    await page.keyboard.press('Tab');
    await page.keyboard.type('wrong-password');
    await page.keyboard.press('Enter');
    await soon(
      () => page.locator('#login-error').textContent(),
      (t) => t === 'Wrong username or password.',
      'error',
    );

    await page.locator('#password').fill('helpdesk-password-1');
    await page.keyboard.press('Enter');
    await soon(
      () => focusedId(page),
      (id) => id === 'totp',
      'TOTP field focused',
    );
    await page.keyboard.type(totp(key));
    await page.keyboard.press('Enter');
    await soon(
      () => page.locator('#device-count').textContent(),
      (t) => !!t?.includes('0 of 0 online'),
      'list',
    );
    expect(await page.locator('header .who').textContent()).toBe('helpdesk (operator)');
    expect(await page.locator('header a', { hasText: 'Admin' }).count()).toBe(0);
    await page.close();
  }, 30_000);

  it('an operator changes their own password on the Account page, by keyboard', async () => {
    await admin.post('/api/v1/operators', { username: 'changer', password: 'changer-password-1', role: 'operator' });
    const page = await browser.newPage();
    await page.goto(`${r.base}/`);
    await page.keyboard.type('changer');
    await page.keyboard.press('Tab');
    await page.keyboard.type('changer-password-1');
    await page.keyboard.press('Enter');
    await page.locator('#device-count').waitFor();
    await page.locator('header a', { hasText: 'Account' }).click();
    await soon(
      () => focusedId(page),
      (id) => id === 'current-password',
      'current password focused',
    );
    const submit = async (current: string, next: string, again = next) => {
      await page.locator('#current-password').fill(current);
      await page.locator('#new-password').fill(next);
      await page.locator('#repeat-password').fill(again);
      await page.locator('#repeat-password').press('Enter');
    };
    const status = () => page.locator('#password-status').textContent();
    await submit('changer-password-1', 'changer-password-2', 'changer-password-3');
    await soon(status, (t) => t === 'The new password and its repetition differ.', 'mismatch');
    // A wrong current password says so and keeps the operator logged in.
    await submit('not-the-password', 'changer-password-2');
    await soon(status, (t) => t === 'The current password is wrong.', 'wrong current');
    expect(await page.locator('header .who').count()).toBe(1);
    await submit('changer-password-1', 'changer-password-2');
    await soon(status, (t) => t === 'Password changed. Use it at your next login.', 'changed');
    await page.screenshot({ path: join(ARTIFACTS, 'account.png') });
    const old = await new Api(r.base, r.cert).post('/api/v1/auth/login', {
      username: 'changer',
      password: 'changer-password-1',
    });
    expect(old.body.error.code).toBe('invalid_credentials');
    await new Api(r.base, r.cert).login('changer', 'changer-password-2');
    await page.close();
  }, 30_000);

  it('an operator turns two-step login on with the QR code and off again, and logging in asks for the code', async () => {
    await admin.post('/api/v1/operators', { username: 'twostep', password: 'twostep-password-1', role: 'operator' });
    const page = await browser.newPage();
    await login(page, r.base, 'twostep', 'twostep-password-1');
    await page.locator('header a', { hasText: 'Account' }).click();
    const status = () => page.locator('#totp-status').textContent();
    await page.locator('#totp-setup').click();
    // The code field takes the focus once the key is shown; the QR code encodes the same key.
    await soon(
      () => focusedId(page),
      (id) => id === 'totp-code',
      'code field focused',
    );
    const shown = (await page.locator('#totp-key').textContent()) ?? '';
    expect(shown).toMatch(/^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/);
    const key = base32Decode(shown.replace(/ /g, ''));
    // The QR code an authenticator app scans says the same key, read back by a real decoder.
    const qrPng = join(ARTIFACTS, 'totp-qr.png');
    await page.locator('svg[role=img]').screenshot({ path: qrPng });
    if (!missingTool(ZBARIMG, 'zbar-tools')) {
      const decoded = execFileSync(ZBARIMG, ['-q', '--raw', qrPng], { encoding: 'utf8' }).trim();
      expect(decoded).toBe(
        `otpauth://totp/rc-relay%3Atwostep?secret=${shown.replace(/ /g, '')}&issuer=rc-relay&algorithm=SHA1&digits=6&period=30`,
      );
    }
    await page.screenshot({ path: join(ARTIFACTS, 'account-totp-setup.png') });

    // A wrong code says so and leaves it off.
    await page.keyboard.type(totp(key, Date.now() - 10 * 60_000));
    await page.keyboard.press('Enter');
    await soon(status, (t) => !!t?.startsWith('That code is wrong.'), 'wrong code');
    const logsInWithoutCode = async () =>
      (await new Api(r.base, r.cert).login('twostep', 'twostep-password-1').catch(() => null)) !== null;
    expect(await logsInWithoutCode()).toBe(true);
    await page.locator('#totp-code').fill(totp(key));
    await page.keyboard.press('Enter');
    await soon(status, (t) => t === 'Two-step login is on. Logging in now asks for a code from the app.', 'on');
    expect(await page.locator('#totp-on').isVisible()).toBe(true);
    const noCode = await new Api(r.base, r.cert).post('/api/v1/auth/login', {
      username: 'twostep',
      password: 'twostep-password-1',
    });
    expect(noCode.body.error.code).toBe('totp_required');

    // Turned off with a code of the next step (a code already used is not taken twice).
    await page.locator('#totp-code').fill(totp(key, Date.now() + 30_000));
    await page.keyboard.press('Enter');
    await soon(status, (t) => t === 'Two-step login is off.', 'off');
    expect(await logsInWithoutCode()).toBe(true);
    expect(await page.locator('#totp-setup').isVisible()).toBe(true);
    await page.close();
  }, 30_000);

  it('an admin manages operators: creates one in a group, turns off a lost two-step login, disables, deletes', async () => {
    await admin.post('/api/v1/groups', { name: 'desk-west' });
    await admin.post('/api/v1/operators', { username: 'lostkey', password: 'lostkey-password-1', role: 'operator' });
    const lost = await new Api(r.base, r.cert).login('lostkey', 'lostkey-password-1');
    const key = base32Decode((await lost.post('/api/v1/auth/totp/setup')).body.secret);
    expect((await lost.post('/api/v1/auth/totp/enable', { code: totp(key) })).status).toBe(204);

    const page = await browser.newPage();
    await login(page, r.base);
    await page.getByRole('link', { name: 'Admin' }).click();
    const row = (name: string) => page.locator(`#operators tr[data-operator="${name}"]`);
    const status = () => page.locator('#operators-status').textContent();
    await soon(
      () => row('lostkey').textContent(),
      (t) => !!t?.includes('on'),
      'lostkey listed with two-step login on',
    );
    // The admin's own row offers neither Disable nor Delete.
    expect(await row('admin').getByRole('button').allTextContents()).toEqual([]);

    // The browser checks the relay's rule for names before anything is sent.
    await page.locator('#op-username').fill('new desk');
    expect(await page.locator('#op-username:invalid').count()).toBe(1);
    await page.locator('#op-username').fill('newdesk');
    expect(await page.locator('#op-username:invalid').count()).toBe(0);
    await page.locator('#op-password').fill('newdesk-password-1');
    await page.locator('#op-role').selectOption('operator');
    await page.locator('#op-groups').selectOption('desk-west');
    await page.locator('#op-create').click();
    await soon(status, (t) => !!t?.startsWith('newdesk created'), 'created');
    const listed = (await admin.get('/api/v1/operators')).body as { username: string; groups: string[] }[];
    expect(listed.find((o) => o.username === 'newdesk')?.groups).toEqual(['desk-west']);
    await new Api(r.base, r.cert).login('newdesk', 'newdesk-password-1');
    // The same name again is refused, with the reason.
    await page.locator('#op-username').fill('newdesk');
    await page.locator('#op-password').fill('newdesk-password-1');
    await page.locator('#op-create').click();
    await soon(status, (t) => t === 'An operator of that name exists.', 'conflict');

    await row('lostkey').getByRole('button', { name: 'Turn off two-step login' }).click();
    await soon(status, (t) => !!t?.startsWith('Two-step login of lostkey turned off'), 'totp off');
    expect(await row('lostkey').locator('td').nth(3).textContent()).toBe('off');
    await new Api(r.base, r.cert).login('lostkey', 'lostkey-password-1');

    await row('newdesk').getByRole('button', { name: 'Disable' }).click();
    await soon(
      () => row('newdesk').locator('td').nth(4).textContent(),
      (t) => t === 'disabled',
      'disabled',
    );
    const refused = await new Api(r.base, r.cert).post('/api/v1/auth/login', {
      username: 'newdesk',
      password: 'newdesk-password-1',
    });
    expect(refused.status).toBe(401);
    await page.screenshot({ path: join(ARTIFACTS, 'admin-operators.png'), fullPage: true });

    page.once('dialog', (d) => void d.accept());
    await row('newdesk').getByRole('button', { name: 'Delete' }).click();
    await soon(status, (t) => t === 'newdesk deleted.', 'deleted');
    expect(await row('newdesk').count()).toBe(0);
    const after = (await admin.get('/api/v1/operators')).body as { username: string }[];
    expect(after.map((o) => o.username)).not.toContain('newdesk');
    await page.close();
  }, 30_000);
});
