// The path judged by what arrives: the bytes received on the peer connection's transports (DTLS,
// SRTP, SCTP; not STUN), read once a second. ice-supervisor.ts uses it where libwebrtc's ICE state
// events cannot be relied on.
import { TimedOut, withTimeout } from './step-queue';
import type { WrtcPeerConnection } from './wrtc';

const TICK_MS = 1000;

export interface ReceivedWatch {
  /** Called once, when more bytes have arrived than at the read before. */
  flow?: () => void;
  /** Called once, when no bytes have arrived for `silentMs`. */
  silent?: () => void;
  silentMs?: number;
  /** Each read, summarised (for the debug log). */
  trace?: (summary: string) => void;
}

/** Reads the bytes received once a second while `active()` holds, until `flow` or `silent` fires. */
export async function watchReceived(pc: WrtcPeerConnection, active: () => boolean, on: ReceivedWatch): Promise<void> {
  let last = -1;
  let lastChange = Date.now();
  // The first reading at once: bytes that arrive within the first second count too.
  for (let first = true; active(); first = false) {
    if (!first) await new Promise((r) => setTimeout(r, TICK_MS));
    if (!active()) return;
    const read = await readReceived(pc);
    if (read === 'closed') return; // the peer connection is gone; the transport is closing
    if (read === undefined) continue; // getStats did not answer in time: no reading this tick
    on.trace?.(read.summary);
    if (read.bytes !== last) {
      const grew = last >= 0;
      last = read.bytes;
      lastChange = Date.now();
      if (grew && on.flow) return on.flow();
    } else if (on.silent && on.silentMs !== undefined && Date.now() - lastChange >= on.silentMs) {
      return on.silent();
    }
  }
}

async function readReceived(
  pc: WrtcPeerConnection,
): Promise<{ bytes: number; summary: string } | 'closed' | undefined> {
  let stats: Map<string, Record<string, unknown>>;
  try {
    stats = await withTimeout(pc.getStats(), TICK_MS);
  } catch (err) {
    return err instanceof TimedOut ? undefined : 'closed';
  }
  let bytes = 0;
  const parts: string[] = [];
  for (const st of stats.values()) {
    if (st.type === 'transport') {
      bytes += Number(st.bytesReceived ?? 0);
      parts.push(`transport ${st.iceRole} ${st.iceState} dtls=${st.dtlsState} rx=${st.bytesReceived}`);
    } else if (st.type === 'candidate-pair' && (st.nominated || st.state === 'succeeded')) {
      const l = stats.get(String(st.localCandidateId));
      const r = stats.get(String(st.remoteCandidateId));
      parts.push(
        `${l?.candidateType}:${l?.port}->${r?.candidateType}:${r?.port} ${st.state}${st.nominated ? ' nominated' : ''} rx=${st.bytesReceived}`,
      );
    }
  }
  return { bytes, summary: parts.join(' | ') };
}
