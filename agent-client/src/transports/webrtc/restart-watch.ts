// libwebrtc (wrtc) does not always report 'connected' after an ICE restart: the console saw ICE up
// and media flowed, while every state event at the agent still read 'disconnected', and the session
// was closed when the restart's deadline passed (test/agent/webrtc-turn.test.ts, under load). So
// while a restart is pending, the candidate pairs are read once a second: a nominated, succeeded
// pair receiving bytes is a reconnection, whatever the state says.
import type { WrtcPeerConnection } from './wrtc';

/** How long a restarted ICE gets to come back before the session is given up. */
export const RESTART_GRACE_MS = 15_000;
/**
 * Not connected (disconnected, or checking again) for this long after having been connected is
 * handled as 'failed': libwebrtc only declares 'failed' after ~18–30 s without consent responses,
 * far too long to look at a frozen picture after a network change.
 */
export const DISCONNECTED_GRACE_MS = 5_000;

/** Calls `onUp` once bytes arrive again on a nominated pair, while `pending()` holds. */
export async function watchRestart(pc: WrtcPeerConnection, pending: () => boolean, onUp: () => void): Promise<void> {
  let last = -1;
  while (pending()) {
    await new Promise((r) => setTimeout(r, 1000));
    if (!pending()) return;
    let received = 0;
    try {
      for (const st of (await pc.getStats()).values()) {
        if (st.type === 'candidate-pair' && st.nominated && st.state === 'succeeded')
          received += Number(st.bytesReceived ?? 0);
      }
    } catch {
      return; // the peer connection is gone; the transport is closing
    }
    if (last >= 0 && received > last && pending()) return onUp();
    last = received;
  }
}
