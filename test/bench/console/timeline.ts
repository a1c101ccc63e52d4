// `--timeline`: where one connect's time goes, browser and agent on one clock. The page's
// performance marks are taken relative to the Connect click; the agent's debug log lines (pino,
// epoch ms) for the same session are placed on that axis through performance.timeOrigin. Both run
// on this host, so their clocks agree to ~1 ms.

/** Agent log messages worth a row, in the order they normally happen. */
const AGENT_EVENTS = [
  'session request',
  'session accepted',
  'creating the WebRTC transport',
  'WebRTC transport created',
  'offer applied',
  'answer sent',
  'ICE state',
  'connection state',
  'capture started',
  'first frame to the encoder',
];

export interface ConnectTrace {
  /** performance.timeOrigin + the click's timeStamp: epoch ms of the click. */
  clickEpoch: number;
  marks: Record<string, number>;
  /** requestVideoFrameCallback metadata of the first presented frame, ms after the click. */
  frame?: {
    receiveTime?: number;
    presentationTime?: number;
    processingDuration?: number;
    expectedDisplayTime?: number;
  };
}

/** One line per event, sorted by time: `  +123 ms  agent  WebRTC connected`. */
export function timeline(trace: ConnectTrace & { total: number }, agentLog: string): string[] {
  const rows: [number, string][] = Object.entries(trace.marks).map(([k, v]) => [v, `page   ${k}`]);
  for (const [k, v] of Object.entries(trace.frame ?? {})) {
    if (typeof v === 'number' && k !== 'processingDuration') rows.push([v, `page   frame.${k}`]);
  }
  for (const line of agentLog.split('\n')) {
    if (!line.startsWith('{')) continue;
    let e: { time?: string; msg?: string; state?: string };
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    if (!e.time || !e.msg || !AGENT_EVENTS.includes(e.msg)) continue;
    // Connects run one after another: this one's lines are those from its click to its first frame.
    const t = Date.parse(e.time) - trace.clickEpoch;
    if (t < -5 || t > trace.total + 50) continue;
    rows.push([t, `agent  ${e.msg}${e.state ? ` ${e.state}` : ''}`]);
  }
  rows.sort((a, b) => a[0] - b[0]);
  const decode = trace.frame?.processingDuration;
  return [
    ...rows.map(([t, what]) => `  ${t.toFixed(0).padStart(5)} ms  ${what}`),
    ...(decode !== undefined ? [`  first frame decode (processingDuration): ${(decode * 1000).toFixed(1)} ms`] : []),
  ];
}

export interface ClickTrace {
  /** Epoch ms of the pointerdown in the page. */
  downEpoch: number;
  /** ms after the pointerdown when the last packet of the changed frame arrived (-1: unknown). */
  receive: number;
  /** The browser's decode time of that frame (rVFC processingDuration), ms. */
  decodeMs: number;
}

/**
 * One click's steps, in ms: pointerdown → the agent injects it → its hinted grab has been converted
 * and handed to the encoder → the frame's last packet arrives in the browser → presented. `total` is
 * the click-to-photon figure itself. Agent times come from its debug log (1 ms resolution).
 */
export function clickPhases(trace: ClickTrace, total: number, agentLog: string): Record<string, number> {
  let injected: number | undefined;
  let delivered: number | undefined;
  let grabMs: number | undefined;
  for (const line of agentLog.split('\n')) {
    if (!line.startsWith('{')) continue;
    if (!line.includes('"click injected"') && !line.includes('"input-hinted grab delivered"')) continue;
    const e = JSON.parse(line) as { time: string; msg: string; ms?: number; buttons?: number };
    const t = Date.parse(e.time) - trace.downEpoch;
    if (t < -2 || t > total + 20) continue;
    if (e.msg === 'click injected' && e.buttons === 1 && injected === undefined) injected = t;
    else if (e.msg === 'input-hinted grab delivered' && injected !== undefined && delivered === undefined) {
      delivered = t;
      grabMs = e.ms;
    }
  }
  const out: Record<string, number> = {};
  if (injected !== undefined) out['down→injected'] = injected;
  if (injected !== undefined && delivered !== undefined) out['injected→grabbed+encoder'] = delivered - injected;
  if (grabMs !== undefined) out['(grab+convert)'] = grabMs;
  if (delivered !== undefined && trace.receive >= 0) out['encoder→received'] = trace.receive - delivered;
  if (trace.receive >= 0) out['received→presented'] = total - trace.receive;
  out['(decode)'] = trace.decodeMs;
  out.total = total;
  return out;
}
