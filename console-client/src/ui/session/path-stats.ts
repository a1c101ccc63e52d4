// The path a WebRTC session actually uses, from getStats: the selected candidate pair's local
// candidate says whether this browser talks to the agent directly or through TURN, and over which
// transport it reaches the TURN server (relayProtocol, W3C webrtc-stats §RTCIceCandidateStats).
import type { LinkStats } from './transport';

type Stat = Record<string, unknown> & { id: string; type: string };

export function describePath(local: Stat | undefined, remote: Stat | undefined): string {
  if (!local) return 'connecting';
  // A relayed candidate can be reported as peer-reflexive (learned from a check through the TURN
  // allocation, seen with TURN over TCP); only candidates from a TURN allocation have relayProtocol.
  if (local.candidateType === 'relay' || local.relayProtocol) {
    const proto = String(local.relayProtocol ?? 'udp').toUpperCase();
    return `TURN ${proto}`;
  }
  if (remote?.candidateType === 'relay') return 'TURN (device side)';
  return 'direct';
}

export class RtcStatsReader {
  private last: { at: number; bytes: number; frames: number } | null = null;

  async read(pc: RTCPeerConnection): Promise<LinkStats> {
    const all = [...(await pc.getStats()).values()] as Stat[];
    const byId = new Map(all.map((s) => [s.id, s]));
    const transport = all.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
    const pair =
      (transport && byId.get(String(transport.selectedCandidatePairId))) ??
      all.find((s) => s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded');
    const local = pair ? byId.get(String(pair.localCandidateId)) : undefined;
    const remote = pair ? byId.get(String(pair.remoteCandidateId)) : undefined;
    const video = all.find((s) => s.type === 'inbound-rtp' && s.kind === 'video');
    const now = performance.now();
    const bytes = Number(video?.bytesReceived ?? 0);
    const frames = Number(video?.framesDecoded ?? 0);
    let fps: number | null = null;
    let kbps: number | null = null;
    if (this.last && now > this.last.at) {
      const s = (now - this.last.at) / 1000;
      fps = Math.round((frames - this.last.frames) / s);
      kbps = Math.round(((bytes - this.last.bytes) * 8) / 1000 / s);
    }
    this.last = { at: now, bytes, frames };
    const rtt = pair?.currentRoundTripTime;
    return {
      path: describePath(local, remote),
      fps,
      rttMs: typeof rtt === 'number' ? Math.round(rtt * 1000) : null,
      kbps,
    };
  }
}
