// The console's quality setting (1–100, the same number the LAN path uses as JPEG quality) as a cap on
// the WebRTC video bitrate, and the SDP that carries it.
//
// The cap doubles every 20 points from 250 kbit/s: Low (40) 1 Mbit/s, Medium (70) 2.8 Mbit/s (about
// what libwebrtc chose uncapped for a 1080p desktop here), High (90) 5.7 Mbit/s, 100 8 Mbit/s.
// libwebrtc's bandwidth estimate still decides below it.
//
// It travels as `b=AS` (RFC 4566 §5.8) in the video section of the console's description as the agent
// applies it: libwebrtc caps what it sends to a peer at the bandwidth that peer's description allows.
// RTCRtpSender.setParameters would be the direct way, but through wrtc it always fails
// (InvalidStateError: libwebrtc drops the getParameters transaction id before the call arrives).

/** The console's default (Medium); the cap applied before the console has said anything. */
export const DEFAULT_QUALITY = 70;

export function maxBitrateFor(quality: number): number {
  const q = Math.max(1, Math.min(100, Number.isFinite(quality) ? quality : DEFAULT_QUALITY));
  return Math.round(250_000 * 2 ** (q / 20));
}

/**
 * `sdp` with `b=AS:<kbps>` as the only bandwidth line of each video section, placed where RFC 4566
 * orders it (after the section's i= and c= lines, before k= and a=). Other sections are untouched.
 */
export function withVideoBandwidth(sdp: string, kbps: number): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(eol);
  const out: string[] = [];
  let inVideo = false;
  let pending = false; // a video section whose b= line is not written yet
  const flush = () => {
    if (pending) out.push(`b=AS:${Math.max(1, Math.round(kbps))}`);
    pending = false;
  };
  for (const line of lines) {
    if (line.startsWith('m=')) {
      flush();
      inVideo = line.startsWith('m=video ');
      pending = inVideo;
      out.push(line);
      continue;
    }
    if (inVideo && line.startsWith('b=')) continue;
    if (pending && !line.startsWith('i=') && !line.startsWith('c=')) flush();
    out.push(line);
  }
  // A video section at the very end with nothing after its m= line (the SDP's last line is empty).
  if (pending) out.splice(out.at(-1) === '' ? out.length - 1 : out.length, 0, `b=AS:${Math.max(1, Math.round(kbps))}`);
  return out.join(eol);
}
