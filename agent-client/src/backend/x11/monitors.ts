// Monitors as regions of the root window, from XRandR 1.5's monitor list (which also holds monitors
// set by `xrandr --setmonitor`, e.g. one physical screen split in two). No RandR: one monitor, the root.
import type { Monitor } from '@rc-relay/protocol';
import type { XConnection } from './display';
import { isNull, koffi, Xrandr } from './native';

/** XRRMonitorInfo (LP64) is 56 bytes: Atom name @0, Bool primary @8, int x @20, y @24, width @28, height @32. */
const MONITOR_INFO_BYTES = 56;

export function readMonitors(conn: XConnection): Monitor[] {
  const whole: Monitor = { id: '0', name: 'screen', x: 0, y: 0, width: conn.width, height: conn.height, primary: true };
  const ev = Buffer.alloc(8);
  if (!conn.alive || !Xrandr().XRRQueryExtension(conn.dpy, ev.subarray(0, 4), ev.subarray(4))) return [whole];
  const n = Buffer.alloc(4);
  const p = Xrandr().XRRGetMonitors(conn.dpy, conn.root, 1, n);
  const count = n.readInt32LE(0);
  if (isNull(p) || count <= 0) return [whole];
  try {
    const raw = Buffer.from(koffi.view(p, count * MONITOR_INFO_BYTES));
    const out: Monitor[] = [];
    for (let i = 0; i < count; i++) {
      const o = i * MONITOR_INFO_BYTES;
      const name = conn.atomName(Number(raw.readBigUInt64LE(o))) || `monitor-${i}`;
      const m = {
        // The name is stable across hot-plugs where the index is not; it is the id the console keeps.
        id: name.slice(0, 64),
        name: name.slice(0, 128),
        x: raw.readInt32LE(o + 20),
        y: raw.readInt32LE(o + 24),
        width: raw.readInt32LE(o + 28),
        height: raw.readInt32LE(o + 32),
        primary: raw.readInt32LE(o + 8) !== 0,
      };
      // A monitor partly off the root cannot be grabbed: clip it.
      const x1 = Math.min(m.x + m.width, conn.width);
      const y1 = Math.min(m.y + m.height, conn.height);
      m.x = Math.max(0, m.x);
      m.y = Math.max(0, m.y);
      m.width = x1 - m.x;
      m.height = y1 - m.y;
      if (m.width > 0 && m.height > 0 && !out.some((e) => e.id === m.id)) out.push(m);
    }
    return out.length ? out : [whole];
  } finally {
    Xrandr().XRRFreeMonitors(p);
  }
}
