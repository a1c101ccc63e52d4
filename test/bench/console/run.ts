// Console benchmark: the real browser console in headless Chromium against a real relay and agent
// on loopback. For each path (direct WebRTC, relay-only through our TURN over UDP and TCP, and LAN
// through rc-console's bridge when that is on this branch):
//  - connect time: the Connect click → the first remote frame presented by the <video>
//    (requestVideoFrameCallback), with the phases from the console's performance marks;
//  - click-to-photon: a real mouse press on the remote view → the agent's desktop repaints a patch
//    (ClickBackend) → the new colour is presented in the browser.
// The agent runs in this process (its backend must repaint on clicks); the relay, with its TURN,
// in a child process of its own (relay-child.ts), as it runs on another host in production.
//
//   flock /tmp/rc-bench.lock npm run bench:console -- [--runs 10] [--clicks 30] [--one-session] [--width 1280] [--height 720] [--timeline]
//     [--paths direct,turn-udp,turn-tcp,lan,still]
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { webRtcTransportFactory } from '../../../agent-client/src/transports/webrtc/factory';
import { type WrtcPeerConnection, wrtc } from '../../../agent-client/src/transports/webrtc/wrtc';
import { enrollConfig, startAgent } from '../../agent/support';
import { CHROMIUM, connect, launchBrowser, login, pagePoint, waitLive } from '../../console/browser';
import { Api } from '../../support/http';
import { ADMIN_PASSWORD } from '../../support/relay';
import { ClickBackend, PATCH } from './click-backend';
import { benchLan } from './lan';
import { KEEP_PAGE_PC, sessionLine } from './session-stats';
import { benchStill } from './still';
import { type ClickTrace, type ConnectTrace, clickPhases, timeline } from './timeline';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    clicks: { type: 'string', default: '30' },
    width: { type: 'string', default: '1280' },
    height: { type: 'string', default: '720' },
    timeline: { type: 'boolean', default: false },
    /** All clicks in the first session of each path (the method before 2026-12-08). */
    'one-session': { type: 'boolean', default: false },
    /** Comma-separated subset of direct, turn-udp, turn-tcp, lan, still. */
    paths: { type: 'string', default: 'direct,turn-udp,turn-tcp,lan,still' },
  },
});
const RUNS = Number(values.runs);
const CLICKS = Number(values.clicks);
const W = Number(values.width);
const H = Number(values.height);
/**
 * How many of a path's clicks go to its connect `i`. Spread over the connects by default: a
 * session's clicks share its bandwidth estimate (libwebrtc paces screen content at 1.0× of it), so
 * 30 clicks in one session are 30 looks at one estimate, and that session's luck decides the p50.
 */
const clicksIn = (i: number) =>
  values['one-session']
    ? i === 0
      ? CLICKS
      : 0
    : Math.floor(((i + 1) * CLICKS) / RUNS) - Math.floor((i * CLICKS) / RUNS);

const pct = (xs: number[], p: number) => {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const fmt = (xs: number[]) => `${pct(xs, 50).toFixed(0)} / ${pct(xs, 95).toFixed(0)}`;

// In the page: time from the Connect click (capture phase) to the first presented frame.
const ARM_CONNECT = `(() => {
  performance.clearMarks();
  window.__rcConnect = new Promise((resolve) => {
    let clickAt = 0;
    document.addEventListener('click', (e) => {
      if (!clickAt && e.target && String(e.target.id).startsWith('connect-')) clickAt = e.timeStamp;
    }, { capture: true });
    const poll = () => {
      const v = document.querySelector('#remote');
      if (!(v instanceof HTMLVideoElement)) return setTimeout(poll, 5);
      v.requestVideoFrameCallback((now, meta) => {
        const frame = {};
        for (const k of ['receiveTime', 'presentationTime', 'expectedDisplayTime']) if (meta[k]) frame[k] = meta[k] - clickAt;
        if (meta.processingDuration !== undefined) frame.processingDuration = meta.processingDuration;
        const total = now - clickAt;
        // The console's own marks for this frame (rc:first-picture) come from its callback, which
        // runs after this one: read the marks once this frame's callbacks are done.
        setTimeout(() => {
          const marks = Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, m.startTime - clickAt]));
          resolve({ total, marks, clickEpoch: performance.timeOrigin + clickAt, frame });
        }, 0);
      });
    };
    poll();
  });
})()`;

// In the page: watch the patch; resolve with (presented - pointerdown) when its colour flips.
const ARM_CLICK = `((px, py) => {
  const v = document.querySelector('#remote');
  const c = document.createElement('canvas');
  c.width = 4; c.height = 4;
  const ctx = c.getContext('2d', { willReadFrequently: true });
  const sample = () => { ctx.drawImage(v, px, py, 4, 4, 0, 0, 4, 4); const d = ctx.getImageData(1, 1, 1, 1).data; return d[0] + d[1] + d[2]; };
  const before = sample();
  window.__rcClick = new Promise((resolve) => {
    let downAt = 0;
    v.addEventListener('pointerdown', (e) => { downAt = e.timeStamp; }, { once: true });
    const tick = (now, meta) => {
      if (downAt && Math.abs(sample() - before) > 200) {
        window.__rcClickTrace = { downEpoch: performance.timeOrigin + downAt, receive: meta.receiveTime ? meta.receiveTime - downAt : -1, decodeMs: (meta.processingDuration ?? 0) * 1000 };
        return resolve(now - downAt);
      }
      v.requestVideoFrameCallback(tick);
    };
    v.requestVideoFrameCallback(tick);
    setTimeout(() => resolve(-1), 5000);
  });
})`;

async function connectOnce(page: Page, base: string, host: string, route: 'auto' | 'relay' | 'relay-tcp') {
  await page.goto(`${base}/#/devices`);
  await page.locator('#device-count').waitFor();
  await page.evaluate(ARM_CONNECT);
  if (values.timeline) await page.evaluate(KEEP_PAGE_PC);
  await connect(page, host, 'control', route);
  const r = (await page.evaluate('window.__rcConnect')) as ConnectTrace & { total: number };
  await waitLive(page);
  return r;
}

async function clickTraced(page: Page): Promise<{ ms: number; trace: ClickTrace | undefined }> {
  const px = PATCH.x + PATCH.w / 2;
  const py = H - 16 - PATCH.h / 2;
  await page.evaluate(`${ARM_CLICK}(${px}, ${py})`);
  const p = await pagePoint(page, px, py);
  await page.mouse.move(p.x, p.y);
  await page.mouse.down();
  await page.mouse.up();
  const ms = (await page.evaluate('window.__rcClick')) as number;
  return { ms, trace: ms >= 0 ? ((await page.evaluate('window.__rcClickTrace')) as ClickTrace) : undefined };
}

/** The relay in a child process (relay-child.ts); resolves once it listens. */
async function startRelayProcess(env: Record<string, string>) {
  const child = fork(join(import.meta.dirname, 'relay-child.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_RELAY_ENV: JSON.stringify(env) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<{ base: string; cert: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { base: string; cert: string }));
    child.once('exit', (code) => reject(new Error(`the relay process exited with ${code} before it listened`)));
  });
  return {
    ...ready,
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function main() {
  const relay = await startRelayProcess({ RC_TURN: 'on', RC_TURN_ALLOW_PEERS: '127.0.0.0/8', RC_LOG_LEVEL: 'warn' });
  const admin = await new Api(relay.base, relay.cert).login('admin', ADMIN_PASSWORD);
  const backend = () => new ClickBackend({ width: W, height: H, consentAnswer: 'accept', consentDelayMs: 0 });
  /** Each agent's newest peer connection, for `--timeline`'s per-session line. */
  const agentPcs: (WrtcPeerConnection | undefined)[] = [];
  const webrtc = (i: number) =>
    webRtcTransportFactory({
      peerConnection: (config) => {
        agentPcs[i] = new (wrtc().RTCPeerConnection)(config);
        return agentPcs[i];
      },
    });
  const agents = [
    await startAgent(await enrollConfig(admin, { consent: 'auto-accept' }, { hostname: 'bench-direct' }), {
      backend: backend(),
      webrtc: webrtc(0),
    }),
    await startAgent(
      await enrollConfig(admin, { consent: 'auto-accept', iceTransportPolicy: 'relay' }, { hostname: 'bench-turn' }),
      { backend: backend(), webrtc: webrtc(1) },
    ),
  ];
  const browser = await launchBrowser(relay.base);
  const page = await browser.context.newPage();
  await login(page, relay.base);
  const rows: string[] = [];
  const paths = new Set(values.paths.split(','));
  const cases = (
    [
      ['direct', 'bench-direct', 'auto', 'direct'],
      ['TURN UDP (relay only)', 'bench-turn', 'relay', 'turn-udp'],
      ['TURN TCP (relay only)', 'bench-turn', 'relay-tcp', 'turn-tcp'],
    ] as const
  ).filter((c) => paths.has(c[3]));
  try {
    for (const [name, host, route] of cases) {
      const agentIndex = host === 'bench-direct' ? 0 : 1;
      const agent = agents[agentIndex]!;
      const totals: number[] = [];
      const phases: Record<string, number[]> = {};
      const clicks: number[] = [];
      const breakdown: Record<string, number[]> = {};
      for (let i = 0; i < RUNS; i++) {
        const r = await connectOnce(page, relay.base, host, route);
        totals.push(r.total);
        if (values.timeline) {
          console.error(`${name} connect ${i + 1}: ${r.total.toFixed(0)} ms\n${timeline(r, agent.logs()).join('\n')}`);
        }
        for (const [k, v] of Object.entries(r.marks)) {
          phases[k] = [...(phases[k] ?? []), v];
        }
        if (clicksIn(i) > 0) {
          await new Promise((res) => setTimeout(res, 1000)); // let the encoder settle
          const first = clicks.length;
          for (let c = 0; c < clicksIn(i); c++) {
            const { ms, trace } = await clickTraced(page);
            if (ms >= 0) clicks.push(ms);
            if (values.timeline && trace) {
              for (const [k, v] of Object.entries(clickPhases(trace, ms, agent.logs()))) {
                breakdown[k] = [...(breakdown[k] ?? []), v];
              }
            }
            await new Promise((res) => setTimeout(res, 100));
          }
          if (values.timeline) {
            console.error(await sessionLine(i + 1, clicks.slice(first), agentPcs[agentIndex], page));
          }
        }
        await page.locator('#disconnect').click();
        await page.waitForTimeout(200);
      }
      if (values.timeline) {
        const text = Object.entries(breakdown).map(([k, v]) => `${k} ${pct(v, 50).toFixed(1)}`);
        console.error(`${name} click-to-photon, p50 ms of each step: ${text.join(' · ')}`);
      }
      const phaseText = ['rc:session-created', 'rc:accepted', 'rc:ice-connected', 'rc:first-picture']
        .map((k) => `${k.slice(3)} ${pct(phases[k] ?? [], 50).toFixed(0)}`)
        .join(', ');
      rows.push(`| ${name} | ${fmt(totals)} | ${fmt(clicks)} (${clicks.length}/${CLICKS}) | ${phaseText} |`);
      console.error(`${name}: connect samples in order (ms): ${totals.map((t) => t.toFixed(0)).join(' ')}`);
      console.error(`${name}: click samples in order (ms): ${clicks.map((t) => t.toFixed(0)).join(' ')}`);
      console.log(rows.at(-1));
    }
    if (paths.has('still')) {
      const still = await benchStill(page, relay.base, admin, { width: W, height: H });
      rows.push(
        '',
        '| still screen (direct, 10 s) | agent process CPU | Chromium CPU | badge |',
        '|---|---:|---:|---|',
        ...still,
        '',
      );
      for (const r of still) console.log(r);
    }
    const lan = paths.has('lan')
      ? await benchLan(page, admin, { width: W, height: H }, RUNS, CLICKS, { timeline: values.timeline })
      : 'not asked for';
    if (typeof lan === 'string') rows.push(`| LAN via the bridge | not measured: ${lan} | | |`);
    else
      rows.push(
        `| LAN via the bridge (TLS, JPEG tiles) | ${fmt(lan.connect)} | ${fmt(lan.clicks)} (${lan.clicks.length}/${CLICKS}) | bridge URL opened → first frame painted, page load included |`,
      );
    console.log(rows.at(-1));
  } finally {
    await browser.close();
    for (const a of agents) await a.stop();
    await relay.stop();
  }
  console.log(`\nConsole benchmark: ${W}×${H} synthetic desktop, ${RUNS} connects and ${CLICKS} clicks per path,`);
  console.log(
    `Chromium ${CHROMIUM} headless, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
  console.log(
    '| path | connect p50 / p95 (ms) | click-to-photon p50 / p95 (ms) | connect phases, p50 ms after the click |',
  );
  console.log('|---|---:|---:|---|');
  for (const r of rows) console.log(r);
  console.log('\ntargets: connect ≤ 500 ms direct, ≤ 800 ms TURN; click-to-photon p50 ≤ 60 ms');
  // wrtc's native teardown can abort the process at exit; everything is closed by now.
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
