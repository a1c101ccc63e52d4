// Headless Chromium (playwright-core, the Debian package's binary, FINDINGS.md flags) driving the
// real browser console served by a real relay, and helpers that read what the operator sees.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { ADMIN_PASSWORD } from '../support/relay';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(import.meta.dirname, 'artifacts');

/**
 * Builds console-client/dist if its sources changed (what `npm test` does first), so running one
 * test file directly never tests a stale bundle. Call before starting the relay: it reads dist once.
 */
export function ensureConsoleBuilt(): void {
  execFileSync(
    process.execPath,
    [join(import.meta.dirname, '..', '..', 'scripts', 'build-console.mjs'), '--if-changed'],
    {
      stdio: 'inherit',
    },
  );
}

export interface TestBrowser {
  context: BrowserContext;
  /** A new tab whose uncaught errors land in `pageErrors`: the UI must not throw, whatever happens. */
  newPage: () => Promise<Page>;
  pageErrors: string[];
  close: () => Promise<void>;
}

export async function launchBrowser(origin: string): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'rc-console-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1100, height: 760 },
    // The relay's self-signed test certificate, for the page and for TURN over TLS.
    ignoreHTTPSErrors: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--disable-features=WebRtcHideLocalIpsWithMdns',
      '--ignore-certificate-errors',
    ],
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  mkdirSync(ARTIFACTS, { recursive: true });
  const pageErrors: string[] = [];
  return {
    context,
    pageErrors,
    newPage: async () => {
      const page = await context.newPage();
      page.on('pageerror', (e) => pageErrors.push(e.message));
      return page;
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function login(page: Page, base: string, username = 'admin', password = ADMIN_PASSWORD) {
  await page.goto(`${base}/`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('#device-count').waitFor();
}

/** Opens a device's detail and connects; resolves once the remote picture is painted. */
export async function connect(
  page: Page,
  hostname: string,
  mode: 'view' | 'control',
  route: 'auto' | 'relay' | 'relay-tcp' = 'auto',
) {
  await page.getByRole('button', { name: `Details of ${hostname}` }).click();
  await page.locator('#route').selectOption(route);
  await page.locator(mode === 'view' ? '#connect-view' : '#connect-control').click();
}

export async function waitLive(page: Page, ms = 20_000) {
  await page.locator('section.session[data-state="live"]').waitFor({ timeout: ms });
}

export interface Picture {
  width: number;
  height: number;
  /** [x, y, r, g, b] on a grid over the picture. */
  samples: [number, number, number, number, number][];
  meanRed: number;
}

// Page-side code as text: the test project has no DOM types, and this runs in the page.
const SIZE_JS = `(() => {
  const el = document.querySelector('#remote');
  return el instanceof HTMLVideoElement ? [el.videoWidth, el.videoHeight] : [el.width, el.height];
})()`;

/** Page statements: draw the remote view into a canvas context `ctx` of its size (`width`, `height`). */
const DRAW_JS = `
  const el = document.querySelector('#remote');
  const [width, height] = ${SIZE_JS};
  const c = document.createElement('canvas');
  c.width = width;
  c.height = height;
  const ctx = c.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(el, 0, 0);`;

const PICTURE_JS = `(() => {${DRAW_JS}
  const d = ctx.getImageData(0, 0, width, height).data;
  const samples = [];
  for (let gy = 1; gy < 10; gy++)
    for (let gx = 1; gx < 13; gx++) {
      const x = Math.floor((gx * width) / 13);
      const y = Math.floor((gy * height) / 10);
      const o = (y * width + x) * 4;
      samples.push([x, y, d[o], d[o + 1], d[o + 2]]);
    }
  let red = 0;
  for (let i = 0; i < d.length; i += 4) red += d[i];
  return { width, height, samples, meanRed: red / (width * height) };
})()`;

/** What the remote view shows, read back from the <video> or <canvas> the console paints. */
export function readPicture(page: Page): Promise<Picture> {
  return page.evaluate(PICTURE_JS) as Promise<Picture>;
}

/** Share of a picture's grid samples that show the synthetic desktop's gradients (blue = x, green = y) within `tol`. */
export function gradientMatch(p: Picture, tol = 28): number {
  const ok = p.samples.filter(
    ([x, y, , g, b]) => Math.abs(b - (x * 255) / p.width) <= tol && Math.abs(g - (y * 255) / p.height) <= tol,
  );
  return ok.length / p.samples.length;
}

/** Waits until the path badge names `path` (read from getStats by the console, not assumed). */
export function expectPath(page: Page, path: string): Promise<unknown> {
  return soon(
    () => page.locator('#path-badge').getAttribute('data-path'),
    (v) => v === path,
    `path badge ${path}`,
  );
}

/** Where on the page a remote pixel is, for clicks. */
export async function pagePoint(page: Page, x: number, y: number) {
  const box = await page.locator('#remote').boundingBox();
  const size = (await page.evaluate(SIZE_JS)) as [number, number];
  if (!box) throw new Error('no remote view');
  return { x: box.x + ((x + 0.5) * box.width) / size[0], y: box.y + ((y + 0.5) * box.height) / size[1] };
}

/** The id of the focused element. */
export const focusedId = (page: Page) => page.evaluate('document.activeElement && document.activeElement.id');

/** Polls what the page shows until `ok` holds; fails naming the last value seen. */
export async function soon<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  let last: T | undefined;
  for (;;) {
    try {
      last = await read();
      if (ok(last)) return last;
    } catch {
      // element not there yet
    }
    if (Date.now() > end) throw new Error(`${what}: last seen ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The colours (r, g, b) the remote view shows at remote pixels `points`. */
export function pixelsAt(page: Page, points: [number, number][]): Promise<[number, number, number][]> {
  return page.evaluate(`(() => {${DRAW_JS}
    return ${JSON.stringify(points)}.map(([x, y]) => Array.from(ctx.getImageData(x, y, 1, 1).data.slice(0, 3)));
  })()`) as Promise<[number, number, number][]>;
}
