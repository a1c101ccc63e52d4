// The browser console's validators are compiled ahead of time (scripts/aot-plugin.mjs) instead of
// at runtime by TypeBox. They must accept and refuse exactly what the relay-side ones do: this
// builds the browser's protocol entry the way build-console.mjs does, then runs both on the same
// valid messages and on every single-field mutation of them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeServerToConsole } from '../../protocol/src/decoders';
import { decodeFrame, encodeFrame, type Frame } from '../../protocol/src/frames';

const root = join(import.meta.dirname, '..', '..');
type BrowserProtocol = typeof import('../../protocol/src/browser');
let browser: BrowserProtocol;
let inputs: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'rc-aot-'));

beforeAll(async () => {
  const { build } = await import('esbuild');
  const { aotModules, aotPlugin } = await import(pathToFileURL(join(root, 'scripts', 'aot-plugin.mjs')).href);
  const out = await build({
    stdin: { contents: "export * from '@rc-relay/protocol';", resolveDir: root, loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    write: false,
    metafile: true,
    plugins: [aotPlugin(await aotModules())],
    logLevel: 'error',
  });
  inputs = Object.keys(out.metafile.inputs);
  const file = join(dir, 'browser-protocol.mjs');
  writeFileSync(file, out.outputFiles[0]!.contents);
  browser = await import(pathToFileURL(file).href);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const device = {
  id: 'd_1',
  hostname: 'pc-1',
  os: 'linux',
  group: 'default',
  online: true,
  lastSeen: null,
  agentVersion: '0.1.0',
  sessions: [{ id: ':0', user: 'ann', kind: 'x11', active: true, supported: true }],
  monitors: [{ id: '0', name: 'HDMI-1', x: 0, y: 0, width: 1920, height: 1080, primary: true }],
};
const serverToConsole: Record<string, unknown>[] = [
  { type: 'welcome', id: 'w1', operator: { id: 'o_1', username: 'admin', role: 'admin' }, heartbeatSeconds: 25 },
  { type: 'presence.snapshot', id: 'p1', devices: [device], more: false },
  { type: 'presence.update', id: 'p2', device },
  { type: 'presence.remove', id: 'p3', deviceId: 'd_1' },
  { type: 'session.state', id: 's1', sessionId: 's_1', state: 'accepted' },
  { type: 'session.state', id: 's2', sessionId: 's_1', state: 'denied', reason: 'the user said no' },
  { type: 'signal', id: 'g1', sessionId: 's_1', payload: { kind: 'answer', sdp: 'v=0' } },
  { type: 'signal', id: 'g2', sessionId: 's_1', payload: { kind: 'candidate', candidate: 'c', sdpMLineIndex: 0 } },
  { type: 'error', id: 'e1', code: 'not_found', message: 'no such device', ref: 'x' },
  { type: 'shutdown', id: 'z1', reason: 'restart', reconnectAfterMs: 1000 },
];

const atoms: unknown[] = [null, true, 0, -1, 1.5, 2 ** 40, '', 'x', 'a b', 'x'.repeat(300), [], {}, [1]];

/** Every value reached by changing, removing or adding one field, at any depth. */
function mutations(v: unknown): unknown[] {
  if (Array.isArray(v)) return [[], ...v.flatMap((item, i) => mutations(item).map((m) => v.with(i, m)))];
  if (typeof v !== 'object' || v === null) return atoms;
  const o = v as Record<string, unknown>;
  const out: unknown[] = [{ ...o, extra: 1 }];
  for (const k of Object.keys(o)) {
    const { [k]: _gone, ...without } = o;
    out.push(without);
    for (const m of mutations(o[k])) out.push({ ...o, [k]: m });
  }
  return out;
}

describe('ahead-of-time validators of the browser console', () => {
  it('keep TypeBox’s builder and compiler out of the bundle', () => {
    expect(inputs.some((p) => p.includes('protocol/src/decode.ts'))).toBe(true);
    expect(inputs.filter((p) => /typebox\/build\/(type|compile)\//.test(p))).toEqual([]);
  });

  it('decode relay → console messages exactly as the relay-side decoder does', () => {
    let compared = 0;
    for (const msg of serverToConsole) {
      expect(browser.decodeServerToConsole(JSON.stringify(msg))).toEqual(decodeServerToConsole(JSON.stringify(msg)));
      expect(browser.decodeServerToConsole(JSON.stringify(msg)).ok).toBe(true);
      for (const m of mutations(msg)) {
        const raw = JSON.stringify(m);
        const node = decodeServerToConsole(raw);
        const aot = browser.decodeServerToConsole(raw);
        expect({ raw, ok: aot.ok, code: aot.ok ? undefined : aot.code }).toEqual({
          raw,
          ok: node.ok,
          code: node.ok ? undefined : node.code,
        });
        if (!aot.ok) expect(aot.message.length).toBeGreaterThan(0);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('check the JSON of sessions and monitors frames exactly as the agent-side codec does', () => {
    const frames: [Frame, unknown[]][] = [
      [{ type: 'sessions', sessions: [] }, device.sessions],
      [{ type: 'monitors', monitors: [], selected: '0' }, device.monitors],
    ];
    let refused = 0;
    for (const [f, list] of frames) {
      for (const m of mutations(list)) {
        const raw = encodeFrame({ ...f, [f.type]: m } as Frame);
        const node = decodeFrame(raw);
        const aot = browser.decodeFrame(raw);
        expect(aot.ok).toBe(node.ok);
        if (!aot.ok) refused++;
      }
    }
    expect(refused).toBeGreaterThan(20);
  });
});
