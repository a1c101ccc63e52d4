// The console's quality setting (1–100, the same number the LAN path uses as JPEG quality) as the
// WebRTC video bitrate cap, and the SDP that carries it.
//
// - Low (below 50): capped, doubling every 20 points from 250 kbit/s: 40 → 1 Mbit/s, 1 → 0.26.
// - Medium (50–79, the console's default 70): no cap; libwebrtc's bandwidth estimate decides.
// - High (80 and up): the ceiling raised to 20 Mbit/s, above libwebrtc's own default maximum.
// Medium is uncapped on purpose: a cap near the rate a desktop actually uses makes libwebrtc pace a
// large repaint out over time. In `npm run bench:console` a 2.8 Mbit/s cap took click-to-photon
// from 45 to 90 ms p50, 8 Mbit/s to 77 ms; 20 Mbit/s left it at 44 ms.
//
// The cap travels as `b=AS` (RFC 4566 §5.8) in the video section of the console's description as
// the agent applies it: libwebrtc sends a peer no more than that peer's description allows.
// RTCRtpSender.setParameters would be the direct way, but through wrtc it always fails
// (InvalidStateError: libwebrtc drops the getParameters transaction id before the call arrives).

/** The console's default (Medium). */
export const DEFAULT_QUALITY = 70;
const HIGH_KBPS = 20_000;

/** The video cap in kbit/s for `quality`, or undefined for none (libwebrtc's own estimate). */
export function videoCapKbps(quality: number): number | undefined {
  const q = Math.max(1, Math.min(100, Number.isFinite(quality) ? quality : DEFAULT_QUALITY));
  if (q >= 80) return HIGH_KBPS;
  if (q >= 50) return undefined;
  return Math.round(250 * 2 ** (q / 20));
}

/**
 * `sdp` with `b=AS:<kbps>` as the only bandwidth line of each video section, placed where RFC 4566
 * orders it (after the section's i= and c= lines, before k= and a=); with `kbps` undefined, the
 * video sections' bandwidth lines are removed. Other sections are untouched.
 */
export function withVideoBandwidth(sdp: string, kbps: number | undefined): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const line = kbps === undefined ? undefined : `b=AS:${Math.max(1, Math.round(kbps))}`;
  const out: string[] = [];
  let inVideo = false;
  let pending = false; // a video section whose b= line is not written yet
  const flush = () => {
    if (pending && line) out.push(line);
    pending = false;
  };
  for (const l of sdp.split(eol)) {
    if (l.startsWith('m=')) {
      flush();
      inVideo = l.startsWith('m=video ');
      pending = inVideo;
      out.push(l);
      continue;
    }
    if (inVideo && l.startsWith('b=')) continue;
    if (pending && !l.startsWith('i=') && !l.startsWith('c=')) flush();
    out.push(l);
  }
  // A video section at the very end with nothing after its m= line (the SDP's last line is empty).
  if (pending && line) out.splice(out.at(-1) === '' ? out.length - 1 : out.length, 0, line);
  return out.join(eol);
}

/** The quality a console asked for, and the cap last written into its description. */
export class VideoCap {
  quality = DEFAULT_QUALITY;
  private applied: number | undefined;

  /** The cap (kbit/s) for the current quality; undefined for none. */
  get kbps(): number | undefined {
    return videoCapKbps(this.quality);
  }

  /** Whether the console's description as last applied carries another cap than the quality asks. */
  get stale(): boolean {
    return this.kbps !== this.applied;
  }

  /** The console's description with the current cap, noted as applied. */
  apply(sdp: string): string {
    this.applied = this.kbps;
    return withVideoBandwidth(sdp, this.applied);
  }
}
