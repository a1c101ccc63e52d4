// TurnServer: wires options, policy, credentials, allocations and transports together. The relay
// embeds it (listenUdp + handleStream from its own TCP/TLS listener); main.ts runs it alone.
import dgram from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Duplex } from 'node:stream';
import { NonceIssuer } from './auth/nonce';
import type { Logger } from './log';
import { type ResolvedOptions, resolveOptions, type TurnOptions } from './options';
import { PeerPolicy } from './policy/peer-policy';
import { isWildcard, unmapAddress } from './server/address-util';
import { AllocationTable } from './server/allocation-table';
import type { ServerContext } from './server/context';
import { Dispatcher } from './server/dispatch';
import type { ClientLink } from './server/link';
import { literalLookup, PortPool, SOCKET_BUFFER_BYTES } from './server/port-pool';
import { StreamConnection } from './server/stream-connection';
import { UdpEndpoint } from './server/udp-endpoint';
import { type UdpSenders, udpSenders } from './server/udp-send/sender';
import { ShardPool } from './shard/shard-pool';
import { emptyStats, type TurnStats } from './stats';
import type { FamilyName } from './stun/constants';

const SWEEP_INTERVAL_MS = 1000;

export class TurnServer {
  private readonly opts: ResolvedOptions;
  private readonly logger: Logger;
  private readonly counters: TurnStats = emptyStats();
  private readonly pool: PortPool;
  private readonly table: AllocationTable;
  private readonly dispatcher: Dispatcher;
  private readonly udp: UdpEndpoint[] = [];
  private readonly streams = new Set<StreamConnection>();
  private readonly sweeper: NodeJS.Timeout;
  private closing: Promise<void> | undefined;
  private readonly shards: ShardPool | undefined;
  private readonly senders: UdpSenders;

  constructor(options: TurnOptions) {
    this.opts = resolveOptions(options);
    this.logger = this.opts.logger.child({ module: 'turn' });
    const bindAddress = (family: FamilyName) => this.opts.relayBindAddress ?? (family === 'IPv4' ? '0.0.0.0' : '::');
    this.pool = new PortPool(this.opts.relayPortRange, bindAddress);
    this.table = new AllocationTable(this.pool, this.counters, this.logger);
    const nonces = new NonceIssuer(this.opts.nonceLifetimeSec);
    this.senders = udpSenders(this.opts.udpSendBatching, this.logger);
    this.logger.info({ udpSend: this.senders.path, reason: this.senders.reason }, 'UDP send path');
    this.shards =
      this.opts.workers > 1
        ? new ShardPool(this.opts.workers, this.opts, nonces.key, this.table, this.logger)
        : undefined;
    const ctx: ServerContext = {
      opts: this.opts,
      stats: this.counters,
      logger: this.logger,
      policy: new PeerPolicy({ denyPeers: this.opts.denyPeers, allowPeers: this.opts.allowPeers }),
      nonces,
      shards: this.shards,
      udpSenders: this.senders,
      pool: this.pool,
      table: this.table,
      families: relayFamilies(this.opts.relayBindAddress),
      advertisedAddress: (family, link) => this.advertisedAddress(family, link),
      closing: () => this.closing !== undefined,
    };
    this.dispatcher = new Dispatcher(ctx);
    this.sweeper = setInterval(() => this.table.sweep(Date.now()), SWEEP_INTERVAL_MS);
  }

  /** Listens for STUN/TURN over UDP. Without host, binds '::' dual-stack (IPv4 clients included). */
  async listenUdp(port: number, host?: string): Promise<{ port: number }> {
    if (this.closing) throw new Error('TurnServer is closed');
    await this.shards?.ready;
    const v6 = host === undefined || isIPv6(host);
    const socket = dgram.createSocket({
      type: v6 ? 'udp6' : 'udp4',
      ipv6Only: false,
      // Relay workers bind client-connected sockets on this port (shard/shard-pool.ts).
      reuseAddr: this.shards !== undefined,
      lookup: literalLookup,
      recvBufferSize: SOCKET_BUFFER_BYTES,
      sendBufferSize: SOCKET_BUFFER_BYTES,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ port, address: host ?? '::', exclusive: true }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    this.udp.push(new UdpEndpoint(socket, this.table, this.dispatcher, this.counters, this.logger, this.senders));
    const bound = socket.address().port;
    this.logger.info({ port: bound, host: host ?? '::' }, 'TURN listening on UDP');
    return { port: bound };
  }

  /** Takes a TCP or TLS stream that starts with STUN; firstChunk holds bytes already read while sniffing. */
  handleStream(
    socket: Duplex,
    remote: { address: string; port: number; family: 'IPv4' | 'IPv6' },
    transport: 'tcp' | 'tls',
    firstChunk?: Buffer,
  ): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const local = (socket as Duplex & { localAddress?: string }).localAddress;
    const conn = new StreamConnection(
      socket,
      unmapAddress(remote.address, remote.port),
      transport,
      isWildcard(local) ? undefined : unmapAddress(local!, 0).address,
      this.table,
      this.dispatcher,
      this.counters,
      this.logger,
      (c) => this.streams.delete(c),
    );
    this.streams.add(conn);
    if (firstChunk && firstChunk.length > 0) conn.onData(firstChunk);
  }

  stats(): TurnStats {
    const snapshot = { ...this.counters, allocationsActive: this.table.size };
    return this.shards ? this.shards.addTo(snapshot) : snapshot;
  }

  /** Idempotent: closes every allocation, relay socket, reservation, listener, stream and timer. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.sweeper);
      this.table.closeAll('server closing');
      this.pool.close();
      await this.shards?.close();
      for (const conn of [...this.streams]) conn.close();
      await Promise.all(this.udp.map((e) => e.close()));
      this.logger.info({}, 'TURN closed');
    })();
    return this.closing;
  }

  private advertisedAddress(family: FamilyName, link: ClientLink): string {
    const external = family === 'IPv4' ? this.opts.externalIPv4 : this.opts.externalIPv6;
    if (external) return external;
    const fits = (a: string | undefined): a is string =>
      a !== undefined && !isWildcard(a) && (family === 'IPv4' ? isIPv4(a) : isIPv6(a));
    if (fits(this.opts.relayBindAddress)) return this.opts.relayBindAddress;
    if (fits(link.localAddress)) return link.localAddress;
    const external4or6 = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && !i.internal && i.family === family && !i.address.startsWith('fe80'));
    if (external4or6) return external4or6.address;
    return family === 'IPv4' ? '127.0.0.1' : '::1';
  }
}

function relayFamilies(bindAddress: string | undefined): Set<FamilyName> {
  if (bindAddress !== undefined) return new Set([isIPv4(bindAddress) ? 'IPv4' : 'IPv6']);
  const hasV6 = Object.values(networkInterfaces())
    .flat()
    .some((i) => i?.family === 'IPv6');
  return new Set<FamilyName>(hasV6 ? ['IPv4', 'IPv6'] : ['IPv4']);
}
