// The agent's WebRTC transport factory (service/run.ts hands it to the agent). `prepare` keeps
// libwebrtc's shared factory warm for the agent's life (warm.ts).
import type { WebRtcFactory } from '../../service/agent';
import { type WebRtcOptions, WebRtcTransport } from './transport';
import { holdWebRtcWarm } from './warm';

/** A factory of agent transports; `extra` lets a benchmark set what the agent leaves at its default. */
export function webRtcTransportFactory(
  extra: Pick<WebRtcOptions, 'stillRefreshMs' | 'peerConnection' | 'feedback'> = {},
): WebRtcFactory {
  return Object.assign(
    (...[session, ctx]: Parameters<WebRtcFactory>) =>
      new WebRtcTransport(session, {
        iceServers: ctx.iceServers,
        iceTransportPolicy: ctx.iceTransportPolicy,
        signal: ctx.signal,
        capture: ctx.capture,
        ...extra,
      }),
    { prepare: holdWebRtcWarm },
  );
}

export const createWebRtcTransport: WebRtcFactory = webRtcTransportFactory();
