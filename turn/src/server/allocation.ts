// One allocation (RFC 8656 §2.2, §6): the relay socket, permissions (§9) and channels (§12) of one
// client 5-tuple. The relay paths in both directions are the hot loop of the server: no per-packet
// allocation beyond the outgoing buffer, expiry checked against timestamps instead of timers.

import { randomBytes } from 'node:crypto';
import type dgram from 'node:dgram';
import type { Logger } from '../log';
import type { TurnStats } from '../stats';
import type { TransportAddress } from '../stun/attributes/address';
import { DataAttr } from '../stun/attributes/data';
import { XorPeerAddress } from '../stun/attributes/xor-address';
import { MessageBuilder } from '../stun/builder';
import { CHANNEL_DATA_HEADER } from '../stun/channel-data';
import { MessageClass, Method } from '../stun/constants';
import type { ClientLink } from './link';
import type { TokenBucket } from './token-bucket';
import type { UdpSender, UdpSenders } from './udp-send/sender';

export interface AllocationDeps {
  stats: TurnStats;
  logger: Logger;
  upBucket: TokenBucket | undefined;
  downBucket: TokenBucket | undefined;
  udpSenders: UdpSenders;
}

export interface Permission {
  expiresAt: number;
}

export interface Channel {
  readonly number: number;
  readonly peer: TransportAddress;
  readonly permission: Permission;
  expiresAt: number;
}

/** Peers one allocation may hold permissions for; beyond it CreatePermission/ChannelBind get 508 (RFC 8656 §9.2). */
export const MAX_PERMISSIONS = 1024;

/** RFC 8656 §12: after a channel expires, neither its number nor its peer may be rebound elsewhere for 5 minutes. */
export const CHANNEL_QUARANTINE_MS = 300_000;

export class Allocation {
  expiresAt: number;
  readonly permissions = new Map<string, Permission>();
  readonly channels = new Map<number, Channel>();
  private readonly channelByPeer = new Map<string, Channel>();
  /** Allocate retransmissions are answered from here (RFC 8656 §7.2, "transaction ID matches"). */
  allocateTransaction: { id: string; response: Buffer } | undefined;
  closed = false;

  constructor(
    readonly link: ClientLink,
    readonly username: string,
    readonly relay: dgram.Socket,
    readonly relayed: TransportAddress,
    lifetimeMs: number,
    now: number,
    private readonly deps: AllocationDeps,
  ) {
    this.expiresAt = now + lifetimeMs;
    this.stats = deps.stats;
    this.toPeers = deps.udpSenders.forSocket(relay);
    relay.on('message', (msg, rinfo) => this.fromPeer(msg, rinfo));
    // Send failures (EMSGSIZE, ENOBUFS, unreachable) arrive here; an unhandled 'error' would kill the process.
    relay.on('error', (err) => deps.logger.warn({ err: err.message, port: relayed.port }, 'relay socket error'));
  }

  private readonly stats: TurnStats;
  private readonly toPeers: UdpSender;

  /** RFC 8656 §9: permissions are per peer IP, ports ignored. Refreshes an existing one in place. */
  installPermission(ip: string, lifetimeMs: number, now: number): Permission {
    const existing = this.permissions.get(ip);
    if (existing) {
      existing.expiresAt = now + lifetimeMs;
      return existing;
    }
    const permission = { expiresAt: now + lifetimeMs };
    this.permissions.set(ip, permission);
    return permission;
  }

  hasPermission(ip: string, now: number): boolean {
    const p = this.permissions.get(ip);
    return p !== undefined && p.expiresAt > now;
  }

  channelForPeer(peer: TransportAddress): Channel | undefined {
    return this.channelByPeer.get(peerKey(peer.address, peer.port));
  }

  /**
   * RFC 8656 §11.2: binds or refreshes. The caller has already checked that number and peer are not
   * bound to something else (including quarantined expired bindings).
   */
  bindChannel(number: number, peer: TransportAddress, permission: Permission, lifetimeMs: number, now: number): void {
    const existing = this.channels.get(number);
    if (existing) {
      existing.expiresAt = now + lifetimeMs;
      return;
    }
    const channel: Channel = { number, peer, permission, expiresAt: now + lifetimeMs };
    this.channels.set(number, channel);
    this.channelByPeer.set(peerKey(peer.address, peer.port), channel);
  }

  /** Drops permissions and channels whose quarantine is over; called by the server's sweep. */
  prune(now: number): void {
    for (const [ip, p] of this.permissions) {
      const inUse = [...this.channels.values()].some(
        (c) => c.permission === p && c.expiresAt + CHANNEL_QUARANTINE_MS > now,
      );
      if (p.expiresAt <= now && !inUse) this.permissions.delete(ip);
    }
    for (const [number, c] of this.channels) {
      if (c.expiresAt + CHANNEL_QUARANTINE_MS <= now) {
        this.channels.delete(number);
        this.channelByPeer.delete(peerKey(c.peer.address, c.peer.port));
      }
    }
  }

  /** ChannelData from the client (RFC 8656 §12.6). `frame` holds header + data. */
  channelDataFromClient(frame: Buffer, now: number): void {
    const channel = this.channels.get(frame.readUInt16BE(0));
    const length = frame.readUInt16BE(2);
    if (!channel || channel.expiresAt <= now || channel.permission.expiresAt <= now) return;
    if (CHANNEL_DATA_HEADER + length > frame.length) return;
    this.toPeer(frame.subarray(CHANNEL_DATA_HEADER, CHANNEL_DATA_HEADER + length), channel.peer, now);
  }

  /** Send indication payload (RFC 8656 §11.2); the caller checked policy and permission. */
  toPeer(data: Buffer, peer: TransportAddress, now: number): void {
    if (this.closed || now >= this.expiresAt) return;
    if (this.deps.upBucket && !this.deps.upBucket.take(data.length, now)) {
      this.stats.bandwidthDrops++;
      return;
    }
    this.stats.packetsClientToPeer++;
    this.stats.bytesClientToPeer += data.length;
    this.toPeers.send(data, peer.port, peer.address);
  }

  /** Datagram from a peer on the relay socket (RFC 8656 §11.3, §12.7). */
  private fromPeer(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const now = Date.now();
    if (this.closed || now >= this.expiresAt) return;
    if (!this.hasPermission(rinfo.address, now)) return;
    if (this.deps.downBucket && !this.deps.downBucket.take(msg.length, now)) {
      this.stats.bandwidthDrops++;
      return;
    }
    this.stats.packetsPeerToClient++;
    this.stats.bytesPeerToClient += msg.length;
    const channel = this.channelByPeer.get(peerKey(rinfo.address, rinfo.port));
    if (channel && channel.expiresAt > now) {
      this.link.sendChannelData(channel.number, msg);
      return;
    }
    const peer: TransportAddress = {
      address: rinfo.address,
      port: rinfo.port,
      family: rinfo.family as 'IPv4' | 'IPv6',
    };
    // Data indications carry no integrity (RFC 8656 §11.3): they are not authenticated.
    this.link.send(
      new MessageBuilder(Method.Data, MessageClass.Indication, indicationTransactionId())
        .add(XorPeerAddress, peer)
        .add(DataAttr, msg)
        .build(),
    );
  }
}

export function peerKey(address: string, port: number): string {
  return `${address}|${port}`;
}

// Indications need unique, not unpredictable, transaction IDs (RFC 8489 §6): a random base and a counter
// avoid a CSPRNG call per relayed packet.
const txBase = randomBytes(12);
let txCounter = 0;
function indicationTransactionId(): Buffer {
  const id = Buffer.from(txBase);
  txCounter = (txCounter + 1) >>> 0;
  id.writeUInt32BE(txCounter, 8);
  return id;
}
