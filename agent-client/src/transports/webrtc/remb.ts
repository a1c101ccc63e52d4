// Which bandwidth feedback the agent's video sender uses: the console's receive-side estimate (REMB,
// with abs-send-time), not transport-wide congestion control (transport-cc).
//
// Why: libwebrtc paces video out at a multiple of its bandwidth estimate. With transport-cc and
// screen content (`isScreencast`) that multiple is 1.0 (the built-in WebRTC-ProbingScreenshareBwe
// settings), so a repaint after a click leaves as slowly as the estimate allows, and a session whose
// estimate dropped once (a false overuse on a busy host cuts it to ~1.2 Mbit/s) stays slow for
// seconds: clicks of 100–250 ms. With REMB libwebrtc paces at 2.5× (it has no send-side probing
// feedback to be careful with). In `npm run bench:console`, three runs each: click-to-photon p50
// 37–46 ms against 44–63, p95 47–94 against 63–239 (README, Performance, also for what it costs on
// a slow link: `npm run bench:link`).
//
// The agent drops transport-cc from the console's description before applying it, so its answer
// does not offer it either; the console (Chromium, Firefox) then sends REMB. Only where the video
// section has REMB and abs-send-time to fall back on: without them there would be no feedback at all.

const TRANSPORT_CC_EXT = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';
const ABS_SEND_TIME_EXT = 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time';

/** `sdp` with transport-cc removed from each video section that can do REMB instead. */
export function preferRemb(sdp: string): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(eol);
  const out: string[] = [];
  let section: string[] = [];
  const flush = () => {
    const isVideo = section[0]?.startsWith('m=video ') ?? false;
    const canRemb =
      section.some((l) => /^a=rtcp-fb:\S+ goog-remb$/.test(l)) &&
      section.some((l) => /^a=extmap:\S+ /.test(l) && l.endsWith(` ${ABS_SEND_TIME_EXT}`));
    out.push(
      ...(isVideo && canRemb
        ? section.filter((l) => !/^a=rtcp-fb:\S+ transport-cc$/.test(l) && !l.endsWith(` ${TRANSPORT_CC_EXT}`))
        : section),
    );
    section = [];
  };
  for (const l of lines) {
    if (l.startsWith('m=')) flush();
    section.push(l);
  }
  flush();
  return out.join(eol);
}
