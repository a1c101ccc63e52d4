// The agent readies WebRTC at start (libwebrtc's shared factory held for the agent's life, one
// offer/answer rehearsed) and lets it go at stop; sessions work on the warmed stack.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyntheticBackend } from '../../agent-client/src/backend/synthetic';
import type { WebRtcFactory } from '../../agent-client/src/service/agent';
import { createWebRtcTransport } from '../../agent-client/src/transports/webrtc/factory';
import { holdWebRtcWarm } from '../../agent-client/src/transports/webrtc/warm';
import { Api } from '../support/http';
import { TestConsole } from '../support/peers';
import { ADMIN_PASSWORD, startRelay, type TestRelay } from '../support/relay';
import { RtcConsole } from './rtc-console';
import { enrollConfig, startAgent, until } from './support';

let r: TestRelay;
let admin: Api;

beforeAll(async () => {
  r = await startRelay({ RC_TURN: 'off' });
  admin = await new Api(r.base, r.cert).login('admin', ADMIN_PASSWORD);
});
afterAll(async () => {
  await r.stop();
});

describe('WebRTC warm-up', () => {
  it('createWebRtcTransport readies WebRTC: held from start to stop, rehearsed once, sessions stream', async () => {
    expect(createWebRtcTransport.prepare).toBe(holdWebRtcWarm);
    let prepared = 0;
    let released = 0;
    const webrtc: WebRtcFactory = Object.assign((...a: Parameters<WebRtcFactory>) => createWebRtcTransport(...a), {
      prepare: (log: Parameters<typeof holdWebRtcWarm>[0]) => {
        prepared++;
        const release = holdWebRtcWarm(log);
        return () => {
          released++;
          release();
        };
      },
    });
    const cfg = await enrollConfig(admin, { consent: 'auto-accept' });
    const a = await startAgent(cfg, {
      webrtc,
      backend: new SyntheticBackend({ width: 320, height: 240, consentAnswer: 'accept', consentDelayMs: 0 }),
    });
    try {
      expect(prepared).toBe(1);
      // The rehearsal (two peer connections, a screencast track, a data channel) ran without error.
      await until(() => a.logs().includes('"msg":"WebRTC warmed up"'), 10_000, 'warm-up');
      expect(a.logs()).not.toContain('WebRTC warm-up failed');

      const con = await new TestConsole(admin).connect();
      const s = await con.openSession(cfg.deviceId, 'view');
      await con.inbox.wait('session.state', (m) => m.sessionId === s.sessionId && m.state === 'accepted');
      const peer = await new RtcConsole(con, s.sessionId, s.reply.iceServers).start();
      await until(() => peer.frames >= 3, 8000, 'video frames');
      peer.close();
      await con.close();
      expect(released).toBe(0);
    } finally {
      await a.stop();
      await a.stop();
    }
    expect(released).toBe(1);
  });
});
