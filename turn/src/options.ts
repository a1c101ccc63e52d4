// TurnOptions as the relay passes them, and their validation into a complete, checked config
// (STYLE.md "Config parsed and validated once at start; every problem listed").
import { isIP } from 'node:net';
import type { Logger } from './log';
import { noopLogger } from './log';
import { parseCidr } from './policy/cidr';

export interface TurnOptions {
  realm: string;
  secret: string;
  relayPortRange: [number, number];
  /** Default: '0.0.0.0' for IPv4 relays and '::' for IPv6 relays. */
  relayBindAddress?: string;
  externalIPv4?: string;
  externalIPv6?: string;
  denyPeers?: string[];
  allowPeers?: string[];
  maxAllocationsPerUser?: number;
  maxAllocationsTotal?: number;
  /** Per allocation, each direction; packets beyond it are dropped. */
  bandwidthBytesPerSecond?: number;
  defaultLifetimeSec?: number;
  maxLifetimeSec?: number;
  permissionLifetimeSec?: number;
  channelLifetimeSec?: number;
  nonceLifetimeSec?: number;
  software?: string;
  logger?: Logger;
  /**
   * Relay worker threads owning UDP allocations (default 1 = everything on the calling thread).
   * See shard/shard-pool.ts and README "Using both cores"; TCP/TLS allocations stay on the main thread.
   */
  workers?: number;
  /**
   * Send UDP datagrams in batches with sendmmsg(2) (default true; Linux 64-bit, through koffi), else
   * one dgram send per datagram. See server/udp-send/ and README "Batched UDP sends".
   */
  udpSendBatching?: boolean;
}

export interface ResolvedOptions {
  realm: string;
  secret: string;
  relayPortRange: [number, number];
  relayBindAddress: string | undefined;
  externalIPv4: string | undefined;
  externalIPv6: string | undefined;
  denyPeers: string[];
  allowPeers: string[];
  maxAllocationsPerUser: number;
  maxAllocationsTotal: number;
  bandwidthBytesPerSecond: number;
  defaultLifetimeSec: number;
  maxLifetimeSec: number;
  permissionLifetimeSec: number;
  channelLifetimeSec: number;
  nonceLifetimeSec: number;
  software: string | undefined;
  logger: Logger;
  workers: number;
  udpSendBatching: boolean;
}

export function resolveOptions(o: TurnOptions): ResolvedOptions {
  const problems: string[] = [];
  if (!o.realm) problems.push('realm is required');
  if (!o.secret) problems.push('secret is required');
  const [lo, hi] = o.relayPortRange ?? [];
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo! < 1024 || hi! > 65535 || lo! > hi!)
    problems.push(`relayPortRange must be [low, high] within 1024-65535, got ${JSON.stringify(o.relayPortRange)}`);
  for (const [name, v] of [
    ['relayBindAddress', o.relayBindAddress],
    ['externalIPv4', o.externalIPv4],
    ['externalIPv6', o.externalIPv6],
  ] as const)
    if (v !== undefined && isIP(v) === 0) problems.push(`${name} is not an IP address: ${v}`);
  if (o.externalIPv4 !== undefined && isIP(o.externalIPv4) !== 4) problems.push('externalIPv4 must be IPv4');
  if (o.externalIPv6 !== undefined && isIP(o.externalIPv6) !== 6) problems.push('externalIPv6 must be IPv6');
  for (const [name, list] of [
    ['denyPeers', o.denyPeers],
    ['allowPeers', o.allowPeers],
  ] as const)
    for (const c of list ?? []) if (!parseCidr(c)) problems.push(`${name}: not a CIDR block: ${c}`);
  const positive = (name: string, v: number | undefined, dflt: number) => {
    if (v === undefined) return dflt;
    if (!Number.isFinite(v) || v <= 0) problems.push(`${name} must be a positive number, got ${v}`);
    return v;
  };
  const resolved: ResolvedOptions = {
    realm: o.realm,
    secret: o.secret,
    relayPortRange: [lo ?? 0, hi ?? 0],
    relayBindAddress: o.relayBindAddress,
    externalIPv4: o.externalIPv4,
    externalIPv6: o.externalIPv6,
    denyPeers: o.denyPeers ?? [],
    allowPeers: o.allowPeers ?? [],
    maxAllocationsPerUser: positive('maxAllocationsPerUser', o.maxAllocationsPerUser, 10),
    maxAllocationsTotal: positive('maxAllocationsTotal', o.maxAllocationsTotal, 5000),
    bandwidthBytesPerSecond: positive('bandwidthBytesPerSecond', o.bandwidthBytesPerSecond, Number.POSITIVE_INFINITY),
    // RFC 8656 §7.2/§3.7: 600 s default, 3600 s a sensible maximum; permissions 300 s (§9), channels 600 s (§12).
    defaultLifetimeSec: positive('defaultLifetimeSec', o.defaultLifetimeSec, 600),
    maxLifetimeSec: positive('maxLifetimeSec', o.maxLifetimeSec, 3600),
    permissionLifetimeSec: positive('permissionLifetimeSec', o.permissionLifetimeSec, 300),
    channelLifetimeSec: positive('channelLifetimeSec', o.channelLifetimeSec, 600),
    nonceLifetimeSec: positive('nonceLifetimeSec', o.nonceLifetimeSec, 600),
    software: o.software,
    logger: o.logger ?? noopLogger,
    workers: o.workers ?? 1,
    udpSendBatching: o.udpSendBatching ?? true,
  };
  if (resolved.defaultLifetimeSec > resolved.maxLifetimeSec) problems.push('defaultLifetimeSec exceeds maxLifetimeSec');
  if (!Number.isInteger(resolved.workers) || resolved.workers < 1 || resolved.workers > 64)
    problems.push(`workers must be an integer from 1 to 64, got ${o.workers}`);
  if (problems.length > 0) throw new Error(`invalid TURN options:\n  ${problems.join('\n  ')}`);
  return resolved;
}
