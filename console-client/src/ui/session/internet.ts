// Opening an internet-mode session: ask the relay (POST /api/v1/sessions), attach it to the
// signalling socket, wait for the device user's answer while the peer connection gathers, then let
// WebRTC connect. Every refusal becomes a sentence the operator can act on. Performance marks
// (rc:connect, rc:session-created, rc:accepted, rc:offer-sent, rc:answer, rc:track, rc:ice-connected,
// rc:dtls-connected, rc:first-picture) time the phases.
import { type Api, errorText } from '../api';
import type { ConsoleSocket } from '../signalling';
import { iceConfig, type Route, RtcTransport } from './rtc';
import type { RemoteTransport } from './transport';

const API_MESSAGES: Record<string, string> = {
  device_offline: 'The device is offline: its agent is not connected to the relay.',
  not_found: 'The device no longer exists or is outside your groups.',
  mode_not_allowed: 'Your role may only view this device.',
  shutting_down: 'The relay is restarting; try again in a moment.',
};

const STATE_MESSAGES: Record<string, string> = {
  denied: 'The device refused the session.',
  timeout: 'The device user did not answer in time.',
  ended: 'The session ended.',
};

/** The agent's reasons for a denial (protocol DenyReason), as the operator should read them. */
const DENY_MESSAGES: Record<string, string> = {
  'user-denied': 'The device user denied the session.',
  'consent-timeout': 'The device user did not answer in time.',
  policy: 'The device’s policy refuses remote sessions.',
  'invalid-ticket': 'The device refused the session ticket (check its clock and enrollment).',
  busy: 'The device is busy with another session.',
};

function refusal(state: string, reason: string | undefined): string {
  if (state === 'denied' && reason && DENY_MESSAGES[reason]) return DENY_MESSAGES[reason];
  return `${STATE_MESSAGES[state] ?? state}${reason ? ` (${reason})` : ''}`;
}

/** How long the picture may take after the device accepted before the attempt counts as failed. */
const MEDIA_TIMEOUT_MS = 20_000;

export interface InternetSession {
  connect: (status: (text: string) => void, attach?: (surface: HTMLVideoElement) => void) => Promise<RemoteTransport>;
  end: () => void;
}

export function internetSession(
  api: Api,
  socket: ConsoleSocket,
  deviceId: string,
  mode: 'view' | 'control',
  route: Route,
): InternetSession {
  let current: string | null = null;
  const end = () => {
    if (current) socket.send({ type: 'session.end', sessionId: current, reason: 'closed by the operator' });
    current = null;
  };
  const connect = async (
    status: (text: string) => void,
    attach?: (surface: HTMLVideoElement) => void,
  ): Promise<RemoteTransport> => {
    end();
    performance.mark('rc:connect');
    status('Asking the relay…');
    await socket.ready();
    let reply: Awaited<ReturnType<Api['openSession']>>;
    try {
      reply = await api.openSession(deviceId, mode);
    } catch (err) {
      throw new Error(errorText(err, API_MESSAGES));
    }
    performance.mark('rc:session-created');
    const sessionId = reply.sessionId;
    current = sessionId;
    const rtc = new RtcTransport(socket, sessionId, iceConfig(reply.iceServers ?? [], route));
    attach?.(rtc.surface);
    try {
      await waitAccepted(socket, sessionId, status);
      performance.mark('rc:accepted');
      status('Connecting to the device…');
      await rtc.start();
      await firstPicture(rtc);
      performance.mark('rc:first-picture');
    } catch (err) {
      rtc.close();
      end();
      throw err;
    }
    // The relay may end the session later (agent gone, signalling lost past the grace time).
    const off = socket.on((m) => {
      if (m.type === 'session.state' && m.sessionId === sessionId && m.state === 'ended') {
        rtc.fail(m.reason ? `the session ended (${m.reason})` : 'the session ended');
      }
    });
    rtc.onDispose(off);
    return rtc;
  };
  return { connect, end };
}

function waitAccepted(socket: ConsoleSocket, sessionId: string, status: (text: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const off = socket.on((m) => {
      if (m.type === 'session.state' && m.sessionId === sessionId) {
        if (m.state === 'pending') return status('Waiting for the device user to accept…');
        off();
        offState();
        if (m.state === 'accepted') resolve();
        else reject(new Error(refusal(m.state, m.reason)));
      } else if (m.type === 'error' && m.code.startsWith('session_')) {
        off();
        offState();
        reject(new Error(`The relay refused the session: ${m.message}`));
      }
    });
    const offState = socket.onState((up) => {
      if (up) socket.send({ type: 'session.attach', sessionId });
    });
    if (!socket.send({ type: 'session.attach', sessionId })) status('Reconnecting to the relay…');
  });
}

function firstPicture(rtc: RtcTransport): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(
      () => reject(new Error('The device accepted, but no picture arrived: no network path.')),
      MEDIA_TIMEOUT_MS,
    );
    rtc.on('picture', () => {
      clearTimeout(t);
      resolve();
    });
    rtc.on('closed', (reason) => {
      clearTimeout(t);
      reject(new Error(`Connection failed: ${reason}.`));
    });
  });
}
