// Keeping WebRTC warm between sessions. @roamhq/wrtc builds libwebrtc's shared factory (its worker
// and signalling threads, codec factories, audio module) when the first RTCPeerConnection is made and
// tears it down when the last one is garbage collected; on a device whose sessions are minutes apart
// every connect would build it again, and the first one in the process also pays for paging in the
// codec, DTLS and SCTP code. Measured on the console benchmark's first connect: creating the
// transport 46–150 ms and applying the offer 75–100 ms cold, 4–12 ms and 7–20 ms warm.
// The agent therefore holds one idle peer connection while it runs (it gathers nothing and sends
// nothing) and rehearses one offer/answer between two throwaway connections at start.
import { libyuvArgbToI420 } from '../../encoders/libyuv';
import type { Logger } from '../../log';
import { type WrtcPeerConnection, wrtc } from './wrtc';

let keeper: WrtcPeerConnection | undefined;
let holders = 0;

/**
 * Holds the factory warm until the returned release is called (idempotent); the rehearsal runs in
 * the background. Holders are counted: several agents in one process (tests) share the keeper.
 */
export function holdWebRtcWarm(log: Logger): () => void {
  holders++;
  if (!keeper) {
    keeper = new (wrtc().RTCPeerConnection)({ iceServers: [] });
    // The BGRX → I420 converter is loaded on first use too.
    libyuvArgbToI420();
    const started = performance.now();
    rehearse()
      .then(() => log.debug({ ms: Math.round(performance.now() - started) }, 'WebRTC warmed up'))
      .catch((err) =>
        log.warn({ err: (err as Error).message }, 'WebRTC warm-up failed; the first session will be slower'),
      );
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holders--;
    if (holders === 0) {
      keeper?.close();
      keeper = undefined;
    }
  };
}

/** One offer/answer with a screencast track and a data channel, as a session makes, then closed. */
async function rehearse(): Promise<void> {
  const w = wrtc();
  const a = new w.RTCPeerConnection({ iceServers: [] });
  const b = new w.RTCPeerConnection({ iceServers: [] });
  const track = new w.nonstandard.RTCVideoSource({ isScreencast: true }).createTrack();
  try {
    b.createDataChannel('control');
    b.addTransceiver('video', { direction: 'recvonly' });
    const offer = await b.createOffer();
    await b.setLocalDescription(offer);
    await a.setRemoteDescription(offer);
    a.addTrack(track);
    const answer = await a.createAnswer();
    await a.setLocalDescription(answer);
    await b.setRemoteDescription(answer);
  } finally {
    track.stop();
    a.close();
    b.close();
  }
}
