// The LAN part of the console benchmark: `rc-console`'s local bridge (contract 4, owned by the
// console-cli branch) in this process, the agent serving LAN on loopback, the browser console's
// LAN view painting tiles on a canvas. Connect = the bridge URL opened → the first frame painted
// (page load included; the ticket request before it is not: the CLI, like this benchmark, asks for
// the first ticket before it opens the browser). Skipped with a note when the
// bridge is not on this branch.
import type { Page } from 'playwright-core';
import { createLogger } from '../../../agent-client/src/log';
import { LanServer } from '../../../agent-client/src/transports/lan/server';
import { consoleDistDir } from '../../../console-client/src';
import { LanBridge } from '../../../console-client/src/bridge/server';
import { enrollConfig, startAgent } from '../../agent/support';
import type { Api } from '../../support/http';
import { ClickBackend, PATCH } from './click-backend';

// In the page: resolve with (first presented change of the patch) - pointerdown, polling the canvas per frame.
const ARM_CLICK = `((px, py) => {
  const c = document.querySelector('#remote');
  const ctx = c.getContext('2d');
  const sample = () => { const d = ctx.getImageData(px, py, 1, 1).data; return d[0] + d[1] + d[2]; };
  const before = sample();
  window.__rcClick = new Promise((resolve) => {
    let downAt = 0;
    c.addEventListener('pointerdown', (e) => { downAt = e.timeStamp; }, { once: true });
    const tick = (now) => {
      if (downAt && Math.abs(sample() - before) > 200) return resolve(now - downAt);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    setTimeout(() => resolve(-1), 5000);
  });
})`;

// In the page: the navigation's steps and the console's marks, ms after the navigation started.
const LAN_MARKS = `(() => {
  const n = performance.getEntriesByType('navigation')[0];
  const nav = n ? [['nav.requestStart', n.requestStart], ['nav.responseStart', n.responseStart], ['nav.responseEnd', n.responseEnd], ['nav.domInteractive', n.domInteractive], ['nav.domContentLoaded', n.domContentLoadedEventEnd], ['nav.load', n.loadEventEnd]] : [];
  const res = performance.getEntriesByType('resource').flatMap((r) => [[r.name.split('/').pop() + ' fetch', r.startTime], [r.name.split('/').pop() + ' loaded', r.responseEnd]]);
  const marks = performance.getEntriesByType('mark').map((m) => [m.name, m.startTime]);
  return [...nav, ...res, ...marks].filter((e) => e[1] > 0).sort((a, b) => a[1] - b[1]);
})()`;

export async function benchLan(
  page: Page,
  admin: Api,
  size: { width: number; height: number },
  runs: number,
  clicks: number,
  opts: { timeline?: boolean } = {},
): Promise<{ connect: number[]; clicks: number[] } | string> {
  const cfg = await enrollConfig(
    admin,
    {
      consent: 'auto-accept',
      lan: {
        enabled: true,
        bindAddress: '127.0.0.1',
        advertise: ['127.0.0.1'],
        ports: { connect: 0, screen: 0, sessions: 0 },
      },
    },
    { hostname: 'bench-lan' },
  );
  const agent = await startAgent(cfg, {
    backend: new ClickBackend({ ...size, consentAnswer: 'accept', consentDelayMs: 0 }),
    lan: new LanServer(cfg, createLogger('silent')),
  });
  const connect: number[] = [];
  const photons: number[] = [];
  try {
    const lanTicket = async () => {
      const r = await admin.post('/api/v1/sessions', { deviceId: cfg.deviceId, mode: 'control', transport: 'lan' });
      if (r.status !== 201) throw new Error(`LAN ticket refused: ${r.status}`);
      return r.body;
    };
    for (let i = 0; i < runs; i++) {
      // As `rc-console connect --lan` does: the first ticket is asked for before the browser opens.
      let first: Awaited<ReturnType<typeof lanTicket>> | undefined = await lanTicket();
      const bridge = new LanBridge({
        distDir: consoleDistDir,
        device: { id: cfg.deviceId, hostname: 'bench-lan' },
        consentMs: 30_000,
        log: createLogger('silent'),
        ticket: async () => {
          const t = first ?? (await lanTicket());
          first = undefined;
          return t;
        },
      });
      const { url } = await bridge.listen();
      await page.goto(url);
      await page.locator('section.session[data-state="live"]').waitFor({ timeout: 20_000 });
      connect.push((await page.evaluate("performance.getEntriesByName('rc:live')[0].startTime")) as number);
      if (opts.timeline) {
        const marks = (await page.evaluate(LAN_MARKS)) as [string, number][];
        console.error(
          `LAN connect ${i + 1}: ${connect.at(-1)?.toFixed(0)} ms\n${marks.map(([k, v]) => `  ${v.toFixed(0).padStart(5)} ms  page   ${k}`).join('\n')}`,
        );
      }
      if (i === 0) {
        await new Promise((r) => setTimeout(r, 1000));
        const px = PATCH.x + PATCH.w / 2;
        const py = size.height - 16 - PATCH.h / 2;
        for (let c = 0; c < clicks; c++) {
          await page.evaluate(`${ARM_CLICK}(${px}, ${py})`);
          const box = (await page.locator('#remote').boundingBox())!;
          await page.mouse.move(
            box.x + ((px + 0.5) * box.width) / size.width,
            box.y + ((py + 0.5) * box.height) / size.height,
          );
          await page.mouse.down();
          await page.mouse.up();
          const ms = (await page.evaluate('window.__rcClick')) as number;
          if (ms >= 0) photons.push(ms);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      await bridge.close('benchmark run done');
      await page.goto('about:blank');
    }
  } finally {
    await agent.stop();
  }
  console.error(`LAN: connect samples in order (ms): ${connect.map((t) => t.toFixed(0)).join(' ')}`);
  return { connect, clicks: photons };
}
