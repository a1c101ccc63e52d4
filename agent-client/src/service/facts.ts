// What the relay shows about this PC, and which of it changed since the last report.
import { networkInterfaces } from 'node:os';
import type { AgentMessage } from '@rc-relay/protocol';
import type { DesktopBackend } from '../backend/types';

type Hello = Extract<AgentMessage, { type: 'hello' }>;
export type Facts = Omit<Hello, 'type' | 'id' | 'activeSessions'>;
type ReportFields = 'hostname' | 'sessions' | 'monitors' | 'lanAddresses' | 'lanPorts' | 'certFingerprint';
export type FactsChange = Partial<Pick<Facts, ReportFields>>;

/** Addresses a console on the LAN could reach: no loopback, no link-local (169.254/16, fe80::/10). */
export function lanAddresses(ifaces: ReturnType<typeof networkInterfaces> = networkInterfaces()): string[] {
  const out: string[] = [];
  for (const list of Object.values(ifaces)) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      if (a.family === 'IPv4' && (a.address.startsWith('127.') || a.address.startsWith('169.254.'))) continue;
      if (a.family === 'IPv6' && (/^fe[89ab]/i.test(a.address) || a.address === '::1')) continue;
      if (!out.includes(a.address)) out.push(a.address);
    }
  }
  return out.slice(0, 32);
}

export interface FactsSource {
  version: string;
  hostname: string;
  os: Facts['os'];
  certFingerprint: string;
  lanPorts?: Facts['lanPorts'];
  backend: DesktopBackend;
  addresses?: () => string[];
}

export async function gatherFacts(src: FactsSource): Promise<Facts> {
  const [sessions, monitors] = await Promise.all([src.backend.listSessions(), src.backend.listMonitors()]);
  return {
    version: src.version,
    hostname: src.hostname,
    os: src.os,
    sessions,
    monitors,
    lanAddresses: (src.addresses ?? lanAddresses)(),
    ...(src.lanPorts ? { lanPorts: src.lanPorts } : {}),
    certFingerprint: src.certFingerprint,
  };
}

const REPORTED: ReportFields[] = ['hostname', 'sessions', 'monitors', 'lanAddresses', 'lanPorts', 'certFingerprint'];

/** The fields of `next` that differ from `prev`; undefined when nothing changed. */
export function diffFacts(prev: Facts, next: Facts): FactsChange | undefined {
  const change: Record<string, unknown> = {};
  for (const k of REPORTED) {
    if (JSON.stringify(prev[k]) !== JSON.stringify(next[k]) && next[k] !== undefined) change[k] = next[k];
  }
  return Object.keys(change).length ? (change as FactsChange) : undefined;
}
