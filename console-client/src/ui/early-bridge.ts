// A classic script in <head>, run before the console's bundle is even fetched: on the LAN route it
// opens the bridge's WebSocket at once. The bridge holds the session's first picture, so that is
// in the page by the time the bundle has loaded (~150–350 ms in Chromium) instead of being asked
// for afterwards; the LAN view (session/lan.ts) adopts the socket with what it queued.

export interface EarlyBridge {
  token: string;
  ws: WebSocket;
  /** Messages that arrived before the LAN view took the socket, in order. */
  queue: MessageEvent[];
  closed: CloseEvent | undefined;
}

declare global {
  interface Window {
    __rcEarlyBridge?: EarlyBridge;
  }
}

performance.mark('rc:early-script');
const route = /^#\/lan\?(.*)$/.exec(location.hash);
const token = route ? new URLSearchParams(route[1]).get('token') : null;
if (token) {
  const ws = new WebSocket(`ws://${location.host}/bridge?token=${encodeURIComponent(token)}`);
  ws.binaryType = 'arraybuffer';
  const early: EarlyBridge = { token, ws, queue: [], closed: undefined };
  ws.onopen = () => performance.mark('rc:lan-socket-open');
  ws.onmessage = (ev) => early.queue.push(ev);
  ws.onclose = (ev) => {
    early.closed = ev;
  };
  window.__rcEarlyBridge = early;
}
