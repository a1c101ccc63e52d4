// The agent's ICE state machine for one peer connection. Once connected, ICE failed, or not
// connected for DISCONNECTED_GRACE_MS, brings one ICE-restart offer; a failure before that restart
// has reconnected, or RESTART_GRACE_MS without reconnecting, ends the session. Once reconnected, a
// later failure gets its own restart, so a long session survives repeated network drops.
//
// libwebrtc (wrtc) does not always report 'connected' after an ICE restart. In CI the console saw
// ICE up, media flowed both ways and input reached the agent, while every ICE state event at the
// agent still read 'disconnected', and the session was closed at the restart's deadline
// (test/agent/webrtc-turn.test.ts, under load). So while a restart is pending, bytes arriving again
// (received-watch.ts) count as reconnected whatever the state says, and until an event reads up
// again the events are ignored. And whenever connected, no bytes for DISCONNECTED_GRACE_MS counts
// as a failure: under load the agent also saw no 'disconnected' at all after a cut, only 'failed' 18 s
// later (the same test, three copies beside a CPU hog).
import type { Logger } from '../../log';
import { watchReceived } from './received-watch';
import type { WrtcPeerConnection } from './wrtc';

/** How long a restarted ICE gets to come back before the session is given up. */
export const RESTART_GRACE_MS = 15_000;
/**
 * Not connected (disconnected, or checking again) for this long after having been connected is
 * handled as 'failed': libwebrtc only declares 'failed' after ~18–30 s without consent responses,
 * far too long to look at a frozen picture after a network change.
 */
export const DISCONNECTED_GRACE_MS = 5_000;

export const up = (state: string) => state === 'connected' || state === 'completed';

export interface IceHooks {
  /** ICE is up for the first time. */
  connected(): void;
  /** Makes and sends an ICE-restart offer. */
  restart(): Promise<void>;
  /** Ends the session. */
  close(reason: string): void;
}

export class IceSupervisor {
  private connectedOnce = false;
  private restarted = false;
  /** False after a reconnection seen only in the bytes received, until an event reads up again. */
  private trustState = true;
  private restartTimer: NodeJS.Timeout | undefined;
  private disconnectedTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private silenceGen = 0;
  private restartGen = 0;

  constructor(
    private readonly pc: WrtcPeerConnection,
    private readonly hooks: IceHooks,
    private readonly log: Logger,
    private readonly o: { restartGraceMs?: number | undefined; disconnectedGraceMs?: number | undefined } = {},
  ) {
    pc.oniceconnectionstatechange = () => this.onState(pc.iceConnectionState);
  }

  get isConnected(): boolean {
    return this.connectedOnce;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    clearTimeout(this.disconnectedTimer);
  }

  /** A state from libwebrtc's events or, where those stopped telling the truth, from the bytes. */
  private onState(state: string, fromEvent = true) {
    this.log.debug({ state, ...(fromEvent ? {} : { from: 'bytes received' }) }, 'ICE state');
    if (this.stopped) return;
    if (fromEvent && up(state)) this.trustState = true;
    else if (fromEvent && !this.trustState) return;
    if (up(state) || state === 'failed' || state === 'closed') {
      clearTimeout(this.disconnectedTimer);
      this.disconnectedTimer = undefined;
    } else if (this.connectedOnce && !this.restarted && !this.disconnectedTimer) {
      // A restart in progress has its own deadline (restartTimer).
      this.disconnectedTimer = setTimeout(() => {
        this.disconnectedTimer = undefined;
        if (!this.stopped && !this.restarted && !up(this.pc.iceConnectionState)) this.onState('failed');
      }, this.o.disconnectedGraceMs ?? DISCONNECTED_GRACE_MS);
      return;
    }
    if (up(state)) {
      clearTimeout(this.restartTimer);
      this.restartTimer = undefined;
      if (this.restarted) {
        this.restarted = false;
        this.log.info('ICE reconnected after a restart');
      }
      if (!this.connectedOnce) {
        this.connectedOnce = true;
        this.hooks.connected();
      }
      this.watchSilence();
      return;
    }
    if (state === 'failed') this.restart();
  }

  /**
   * While connected and no restart is pending: nothing received from the console for the
   * disconnected grace is a failure, whatever the state events say. A console receiving video
   * always sends (RTCP feedback at least once a second; the agent sends a frame at least every
   * 200 ms, still-gate.ts), so silence means the path is gone. Each call retires the watch before.
   */
  private watchSilence() {
    const gen = ++this.silenceGen;
    void watchReceived(this.pc, () => gen === this.silenceGen && !this.restarted && !this.stopped, {
      silentMs: this.o.disconnectedGraceMs ?? DISCONNECTED_GRACE_MS,
      silent: () => {
        this.log.warn(
          { state: this.pc.iceConnectionState },
          'nothing received from the console for the disconnected grace',
        );
        this.onState('failed', false);
      },
    });
  }

  private restart() {
    if (this.restarted) return this.hooks.close('ICE failed after a restart');
    this.restarted = true;
    this.log.warn({ state: this.pc.iceConnectionState }, 'ICE failed or disconnected too long; restarting');
    this.hooks.restart().catch((err) => this.hooks.close(`ICE restart failed: ${(err as Error).message}`));
    this.restartTimer = setTimeout(
      () => this.hooks.close('ICE restart did not reconnect'),
      this.o.restartGraceMs ?? RESTART_GRACE_MS,
    );
    // A restart's watch ends with it: one that reconnected and failed again at once gets a new watch.
    const gen = ++this.restartGen;
    void watchReceived(this.pc, () => gen === this.restartGen && this.restarted && !this.stopped, {
      flow: () => {
        this.log.info({ state: this.pc.iceConnectionState }, 'ICE up again (bytes arriving)');
        this.onState('connected', false);
        if (!up(this.pc.iceConnectionState)) this.trustState = false;
      },
      trace: (summary) => this.log.debug({ summary }, 'ICE restart watch'),
    });
  }
}
