// The browser console's LAN view through the real bridge: `rc-console connect --lan --no-open`,
// headless Chromium opens the printed URL, the page shows the agent's desktop and a click on it
// reaches the agent. Needs the built console (`npm run build:console`, which `npm test` runs).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleDistDir } from '../../console-client/src';
import { until } from '../agent/support';
import { missingTool } from '../support/system';
import { cli, loggedIn, removeHomes, startWorld, syntheticBackground, type World } from './support';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'console-cli');
const built = existsSync(join(consoleDistDir, 'index.html'));
// `npm test` builds the console first (bootstrap); in CI an unbuilt console is a failure, not a skip.
if (!built && process.env.CI) throw new Error(`${consoleDistDir} is not built: npm test runs npm run build:console`);
if (!built) console.warn(`skipping the Chromium LAN check: ${consoleDistDir} is not built (npm run build:console)`);

let w: World;
let home: string;
let context: BrowserContext;
let profile: string;

describe.skipIf(missingTool(CHROMIUM, 'chromium') || !built)('LAN view in Chromium through the bridge', () => {
  beforeAll(async () => {
    w = await startWorld();
    home = await loggedIn(w);
    profile = mkdtempSync(join(tmpdir(), 'rc-console-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1000, height: 700 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
      ],
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 90_000);
  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await w?.a.stop();
    await w?.r.stop();
    removeHomes();
  });

  it('shows the remote desktop, sends a click, and ends the session when the page goes', async () => {
    const run = cli(home, ['connect', w.hostname, '--lan', '--no-open']);
    await until(() => /#\/lan\?token=/.test(run.stdout()), 30_000, 'bridge URL');
    const url = run.stdout().trim().split('\n').pop()!;
    const page = await context.newPage();
    await page.goto(url);
    await page.locator('section.session[data-state="live"]').waitFor({ timeout: 20_000 });

    // The canvas shows the synthetic desktop: sampled pixels match its still background.
    const samples = (await page.evaluate(`(() => {
      const c = document.querySelector('#remote');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const out = [];
      for (let y = 20; y < c.height; y += 23) for (let x = 15; x < c.width; x += 29) {
        const o = (y * c.width + x) * 4; out.push([x, y, d[o], d[o + 1], d[o + 2], c.width, c.height]);
      }
      return out;
    })()`)) as number[][];
    expect(samples[0]!.slice(5)).toEqual([320, 240]);
    const matching = samples.filter(([x, y, r, g, b]) => {
      const want = syntheticBackground(x!, y!, 320, 240, 0);
      return Math.abs(r! - want.r) <= 40 && Math.abs(g! - want.g) <= 40 && Math.abs(b! - want.b) <= 40;
    });
    expect(matching.length / samples.length).toBeGreaterThan(0.8);
    await page.screenshot({ path: join(ARTIFACTS, 'lan-view.png') });

    const box = (await page.locator('#remote').boundingBox())!;
    const before = w.a.backend.inputLog.length;
    await page.mouse.click(box.x + (100.5 * box.width) / 320, box.y + (60.5 * box.height) / 240);
    await until(
      () => w.a.backend.inputLog.slice(before).some((e) => e.event.type === 'pointer' && e.event.buttons === 1),
      5000,
      'click at the agent',
    );
    const down = w.a.backend.inputLog.slice(before).find((e) => e.event.type === 'pointer' && e.event.buttons === 1);
    // The view is scaled to fit the window, so a page pixel may land one remote pixel off.
    const at = down!.event as { x: number; y: number };
    expect(Math.abs(at.x - 100)).toBeLessThanOrEqual(1);
    expect(Math.abs(at.y - 60)).toBeLessThanOrEqual(1);

    await page.close();
    expect((await run.done).code).toBe(0);
    await until(() => w.a.agent.sessions.size === 0, 5000, 'agent session ended');
  }, 90_000);
});
