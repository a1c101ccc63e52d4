// The relay serves the built console at `/` with a CSP and cache headers that fit hashed assets;
// the login form handles wrong passwords and asks for a TOTP code when the account has one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, totp } from '../../server/src/auth/totp';
import { Api } from '../support/http';
import { ADMIN_PASSWORD, startRelay, type TestRelay } from '../support/relay';
import { missingTool } from '../support/system';
import { CHROMIUM, ensureConsoleBuilt, focusedId, launchBrowser, soon, type TestBrowser } from './browser';

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
    await browser?.close();
  });

  it('wrong password, then TOTP asked and accepted; an operator sees no admin page', async () => {
    await admin.post('/api/v1/operators', { username: 'helpdesk', password: 'helpdesk-password-1', role: 'operator' });
    const u = await new Api(r.base, r.cert).login('helpdesk', 'helpdesk-password-1');
    const setup = await u.post('/api/v1/auth/totp/setup');
    const key = base32Decode(setup.body.secret);
    expect((await u.post('/api/v1/auth/totp/enable', { code: totp(key) })).status).toBe(204);

    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
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
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);
});
