// `--timeline`: one line per session with its clicks beside what decides how fast a repaint leaves
// the agent and is shown: the agent's bandwidth estimate and time in libwebrtc's pacer (getStats of
// the agent's peer connection), and the console's jitter-buffer delay and frames decoded (getStats
// of the page's). A session whose estimate collapsed shows it here, next to its slow clicks.
import type { Page } from 'playwright-core';
import type { WrtcPeerConnection } from '../../../agent-client/src/transports/webrtc/wrtc';

/** In the page, before the console creates its peer connection: keep the newest one reachable. */
export const KEEP_PAGE_PC = `(() => {
  if (window.__rcPcKept) return;
  window.__rcPcKept = true;
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = function (...args) { const pc = new Native(...args); window.__rcPc = pc; return pc; };
  window.RTCPeerConnection.prototype = Native.prototype;
})()`;

const PAGE_STATS = `(async () => {
  const o = {};
  if (!window.__rcPc) return o;
  (await window.__rcPc.getStats()).forEach((s) => {
    if (s.type !== 'inbound-rtp' || s.kind !== 'video') return;
    o.frames = s.framesDecoded;
    o.jitterMs = s.jitterBufferEmittedCount ? (1000 * s.jitterBufferDelay) / s.jitterBufferEmittedCount : undefined;
    o.lost = s.packetsLost;
  });
  return o;
})()`;

const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const fixed = (v: number | undefined, digits: number) => (v === undefined ? '–' : v.toFixed(digits));

/** The sender's bandwidth estimate (bit/s): only the candidate pair in use carries it. */
export async function outgoingEstimate(pc: WrtcPeerConnection | undefined): Promise<number | undefined> {
  let e: number | undefined;
  for (const s of pc ? (await pc.getStats()).values() : []) {
    if (s.type === 'candidate-pair') e = n(s.availableOutgoingBitrate) ?? e;
  }
  return e;
}

/** `  session 3: clicks 84 110 139 · agent: estimate 1.97 Mbit/s, pacer 21 ms/packet · console: …`. */
export async function sessionLine(
  index: number,
  clicks: number[],
  agentPc: WrtcPeerConnection | undefined,
  page: Page,
): Promise<string> {
  const estimate = await outgoingEstimate(agentPc);
  let pacerMs: number | undefined;
  for (const s of agentPc ? (await agentPc.getStats()).values() : []) {
    if (s.type === 'outbound-rtp' && s.kind === 'video') {
      const sent = n(s.packetsSent);
      const delay = n(s.totalPacketSendDelay);
      if (sent && delay !== undefined) pacerMs = (1000 * delay) / sent;
    }
  }
  const p = (await page.evaluate(PAGE_STATS)) as { frames?: number; jitterMs?: number; lost?: number };
  return (
    `  session ${index}: clicks ${clicks.map((c) => c.toFixed(0)).join(' ')}` +
    ` · agent: estimate ${fixed(estimate === undefined ? undefined : estimate / 1e6, 2)} Mbit/s,` +
    ` pacer ${fixed(pacerMs, 0)} ms/packet` +
    ` · console: jitter buffer ${fixed(p.jitterMs, 0)} ms, ${p.frames ?? '–'} frames, ${p.lost ?? '–'} lost`
  );
}
