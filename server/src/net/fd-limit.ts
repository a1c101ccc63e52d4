// How many connections the front listener may hold. Past the process's file-descriptor limit every
// open() fails (SQLite, /proc reads for metrics, new sockets), so the listener stops short of it
// and leaves headroom for the database, TURN relay sockets and logs.
import { readFileSync } from 'node:fs';

const HEADROOM = 512;

/** The soft "Max open files" limit from /proc/self/limits, or undefined where there is none. */
export function openFilesLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined; // not Linux: no cap, the OS default applies
    }
  }
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(text);
  return m?.[1] && m[1] !== 'unlimited' ? Number(m[1]) : undefined;
}

export function maxConnections(limit: number | undefined): number | undefined {
  if (limit === undefined) return undefined;
  return Math.max(64, limit - HEADROOM);
}
