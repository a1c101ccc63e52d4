// The LAN session is opened as soon as the bridge listens, not when the browser's WebSocket arrives:
// TLS to the agent, the ticket, consent and both binds run while the browser starts and loads the
// console page (100–400 ms), and whatever the agent sends meanwhile (screen.info, monitors, the
// first full picture) is held here and handed to the router when the page is there.
import type { Frame } from '@rc-relay/protocol';
import { type Admission, type AgentConn, admit, bind, type LanTicket } from './agent-link';

/** Held frames above this pause both agent sockets until the page takes them (clipboard pushes are not credit-bound). */
const HOLD_HIGH_WATER = 8 << 20;

export interface HeldFrame {
  frame: Frame;
  raw: Buffer;
}

export interface EarlySession {
  admission: Admission;
  screen: AgentConn;
  sessions: AgentConn;
  /** Everything the agent sent before the page arrived, in order; stops holding (and resumes the sockets). */
  release(): HeldFrame[];
  close(): void;
}

/**
 * Admits the ticket and binds 42188 and 42187. `signal` aborts the set-up (the device user's
 * prompt is withdrawn); after it resolves, `close()` ends the session.
 */
export async function openEarly(lan: LanTicket, consentMs: number, signal: AbortSignal): Promise<EarlySession> {
  const a = await admit(lan, consentMs, signal);
  const conns: AgentConn[] = [];
  const closeAll = () => {
    for (const c of conns) c.close();
  };
  signal.addEventListener('abort', closeAll, { once: true });
  try {
    const held: HeldFrame[] = [];
    let heldBytes = 0;
    let paused = false;
    const offs: (() => void)[] = [];
    // Both conns are held from their bind on: the agent starts streaming at the bind of 42187.
    const hold = (c: AgentConn) => {
      conns.push(c);
      offs.push(
        c.on('frame', (frame, raw) => {
          held.push({ frame, raw });
          heldBytes += raw.length;
          if (!paused && heldBytes > HOLD_HIGH_WATER) {
            paused = true;
            for (const x of conns) x.socket.pause();
          }
        }),
      );
    };
    // Both binds at once (two TLS handshakes in parallel), each held the moment it is bound.
    const holding = (c: AgentConn) => {
      hold(c);
      return c;
    };
    const bound = await Promise.allSettled([
      bind(lan, a, 'sessions').then(holding),
      bind(lan, a, 'screen').then(holding),
    ]);
    const failed = bound.find((b) => b.status === 'rejected');
    if (failed) throw failed.reason;
    if (signal.aborted) throw new Error('aborted');
    const [sessions, screen] = bound.map((b) => (b as PromiseFulfilledResult<AgentConn>).value) as [
      AgentConn,
      AgentConn,
    ];
    return {
      admission: a,
      screen,
      sessions,
      release() {
        for (const off of offs.splice(0)) off();
        signal.removeEventListener('abort', closeAll);
        if (paused) for (const x of conns) x.socket.resume();
        return held.splice(0);
      },
      close: closeAll,
    };
  } catch (err) {
    closeAll();
    throw err;
  }
}
