// The console benchmark's still-screen part: CPU while an operator watches a desktop where nothing
// changes (the common case between clicks), with the agent's default (a still screen re-encoded
// every 200 ms, StillGate) beside the reference of re-encoding every grab at 30 fps (what the
// agent did before). CPU of this process (the agent: capture, I420 conversion, VP8 encode; the
// relay runs elsewhere) and of the headless Chromium (decode, compositing), in % of one core.
import { readdirSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { SyntheticBackend } from '../../../agent-client/src/backend/synthetic';
import { webRtcTransportFactory } from '../../../agent-client/src/transports/webrtc/factory';
import { enrollConfig, startAgent } from '../../agent/support';
import { connect, waitLive } from '../../console/browser';
import type { Api } from '../../support/http';
import { sampleProc } from '../signalling/proc';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds of every process whose command line names Chromium's profile dir (the bench's browser). */
function chromiumCpuSeconds(): number {
  let seconds = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('rc-console-chromium-'))
        seconds += sampleProc(Number(pid)).cpuSeconds;
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return seconds;
}

export async function benchStill(
  page: Page,
  base: string,
  admin: Api,
  size: { width: number; height: number },
  seconds = 10,
): Promise<string[]> {
  const rows: string[] = [];
  const cases = [
    ['still screen, the agent now: every 200 ms once settled', undefined],
    ['still screen, every grab re-encoded (reference: before)', 0],
  ] as const;
  for (const [label, refreshMs] of cases) {
    const host = `bench-still-${refreshMs ?? 'default'}`;
    const cfg = await enrollConfig(admin, { consent: 'auto-accept' }, { hostname: host });
    const agent = await startAgent(cfg, {
      backend: new SyntheticBackend({ ...size, consentAnswer: 'accept', consentDelayMs: 0, still: true }),
      webrtc: webRtcTransportFactory(refreshMs === undefined ? {} : { stillRefreshMs: refreshMs }),
    });
    try {
      await page.goto(`${base}/#/devices`);
      await page.locator('#device-count').waitFor();
      await connect(page, host, 'control', 'auto');
      await waitLive(page);
      await sleep(2000); // past the first key frame and the encoder's ramp-up
      const a0 = process.cpuUsage();
      const c0 = chromiumCpuSeconds();
      const t0 = performance.now();
      await sleep(seconds * 1000);
      const wall = (performance.now() - t0) / 1000;
      const a = process.cpuUsage(a0);
      const agentPct = ((a.user + a.system) / 1e6 / wall) * 100;
      const browserPct = ((chromiumCpuSeconds() - c0) / wall) * 100;
      const fps =
        (await page
          .locator('#path-badge')
          .textContent()
          .catch(() => '')) ?? '';
      rows.push(`| ${label} | ${agentPct.toFixed(1)} % | ${browserPct.toFixed(1)} % | ${fps.trim()} |`);
      await page.locator('#disconnect').click();
      await page.waitForTimeout(200);
    } finally {
      await agent.stop();
    }
  }
  return rows;
}
