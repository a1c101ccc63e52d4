// The embedded TURN/STUN server (turn/) on the relay's own port: UDP on RC_PORT, and TCP/TLS
// streams that the front listener recognises as STUN. Its counters join /metrics.
import { autoWorkerCount, resolveExternalAddresses, TurnServer, type TurnStats } from '@rc-relay/turn';
import type { PortSharer } from './app';
import type { RelayContext } from './context';
import type { TlsMaterial } from './keys';

/** Prometheus name, type and help for each TURN counter. */
const TURN_METRICS: { [K in keyof TurnStats]: [string, 'counter' | 'gauge', string] } = {
  allocationsActive: ['rc_turn_allocations_active', 'gauge', 'TURN allocations alive now.'],
  allocationsTotal: ['rc_turn_allocations_total', 'counter', 'TURN allocations created.'],
  bytesClientToPeer: ['rc_turn_client_to_peer_bytes_total', 'counter', 'Payload bytes relayed from clients to peers.'],
  packetsClientToPeer: ['rc_turn_client_to_peer_packets_total', 'counter', 'Packets relayed from clients to peers.'],
  bytesPeerToClient: ['rc_turn_peer_to_client_bytes_total', 'counter', 'Payload bytes relayed from peers to clients.'],
  packetsPeerToClient: ['rc_turn_peer_to_client_packets_total', 'counter', 'Packets relayed from peers to clients.'],
  authFailures: ['rc_turn_auth_failures_total', 'counter', 'TURN requests refused for their credentials.'],
  staleNonces: ['rc_turn_stale_nonces_total', 'counter', 'TURN requests answered 438 Stale Nonce.'],
  deniedPeers: ['rc_turn_denied_peers_total', 'counter', 'Permissions, channels or sends refused for a denied peer.'],
  quotaRefusals: ['rc_turn_quota_refusals_total', 'counter', 'Allocations refused by quota (486).'],
  capacityRefusals: [
    'rc_turn_capacity_refusals_total',
    'counter',
    'Allocations refused for lack of relay ports (508).',
  ],
  bandwidthDrops: ['rc_turn_bandwidth_drops_total', 'counter', 'Packets dropped by the per-allocation bandwidth cap.'],
  streamBackpressureDrops: [
    'rc_turn_stream_backpressure_drops_total',
    'counter',
    'Relayed packets dropped because a TCP/TLS client reads too slowly.',
  ],
  malformed: ['rc_turn_malformed_total', 'counter', 'Datagrams or stream frames that were not valid STUN/ChannelData.'],
};

export function turnMetricsText(stats: TurnStats): string {
  return Object.entries(TURN_METRICS)
    .map(
      ([key, [name, type, help]]) =>
        `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${stats[key as keyof TurnStats]}\n`,
    )
    .join('');
}

export async function buildTurnSharer(ctx: RelayContext, _tls: TlsMaterial | null): Promise<PortSharer | undefined> {
  const { config } = ctx;
  if (!config.turn) return undefined;
  // A DNS name in RC_PUBLIC_HOST is resolved here, so a relay in a container still advertises its public address.
  const external = await resolveExternalAddresses(config.publicHost);
  const wildcard = config.host === '0.0.0.0' || config.host === '::';
  const turn = new TurnServer({
    realm: 'rc-relay',
    secret: ctx.keys.turnSecret,
    relayPortRange: config.relayPorts,
    ...(wildcard ? {} : { relayBindAddress: config.host }),
    ...external,
    denyPeers: config.turnDenyPeers,
    allowPeers: config.turnAllowPeers,
    software: 'rc-relay',
    logger: ctx.log.child({ mod: 'turn' }),
    workers: config.turnWorkers === 'auto' ? autoWorkerCount(config.relayPorts) : config.turnWorkers,
    udpSendBatching: config.turnSendmmsg,
  });
  return {
    onStunStream: (socket, remote, transport, first) => turn.handleStream(socket, remote, transport, first),
    listenUdp: async (port, host) => {
      await turn.listenUdp(port, host);
    },
    metricsText: () => turnMetricsText(turn.stats()),
    close: () => turn.close(),
  };
}
