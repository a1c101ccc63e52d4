// A relay worker thread: owns whole allocations — the relay socket and a UDP socket bound to the
// listening port (SO_REUSEADDR) and connect()ed to the client. Linux delivers a client's datagrams to
// the connected socket in preference to the unconnected listener, so after the main thread has
// authenticated the Allocate, all traffic of that 5-tuple (ChannelData, Send, Refresh,
// CreatePermission, ChannelBind) is handled here without touching the main thread.
import dgram from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';
import { NonceIssuer } from '../auth/nonce';
import type { Logger } from '../log';
import { PeerPolicy } from '../policy/peer-policy';
import { Allocation } from '../server/allocation';
import { AllocationTable } from '../server/allocation-table';
import { handleClientDatagram } from '../server/client-datagram';
import type { ServerContext } from '../server/context';
import { Dispatcher } from '../server/dispatch';
import type { ClientLink } from '../server/link';
import { closeQuietly, literalLookup, PortPool, SOCKET_BUFFER_BYTES } from '../server/port-pool';
import { allocationBuckets } from '../server/token-bucket';
import { udpSenders } from '../server/udp-send/sender';
import { sharedStats } from '../stats';
import type { AllocateOrder, FromWorker, ToWorker, WorkerInit } from './messages';

const init = workerData as WorkerInit;
const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);
// Counters in shared memory: the main thread reads them directly (stats.ts).
const stats = sharedStats(init.statsBuffer);

function forwardingLogger(bindings: object): Logger {
  const at = (level: 'debug' | 'info' | 'warn' | 'error') => (obj: object, msg: string) =>
    post({ type: 'log', level, obj: { ...bindings, ...obj }, msg });
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (b) => forwardingLogger({ ...bindings, ...b }),
  };
}
const logger = forwardingLogger({ worker: init.index });

const pool = new PortPool(init.portRange, (family) => init.relayBindAddress ?? (family === 'IPv4' ? '0.0.0.0' : '::'));
// The main thread logs which path it uses; a worker loads the same koffi and libc, so it only says so at debug.
const senders = udpSenders(init.udpSendBatching, logger);
logger.debug({ udpSend: senders.path, reason: senders.reason }, 'UDP send path');
const clientSockets = new Map<string, dgram.Socket>();
/** Sending on a closed dgram socket throws; links check this first. */
const closedSockets = new WeakSet<dgram.Socket>();
const table = new AllocationTable(pool, stats, logger, (allocation) => {
  const socket = clientSockets.get(allocation.link.key);
  clientSockets.delete(allocation.link.key);
  // Closed on the next turn: the response to the Refresh that deleted the allocation still goes out
  // through this socket. From then on the client's datagrams reach the main thread's listener.
  if (socket)
    setImmediate(() => {
      closedSockets.add(socket);
      closeQuietly(socket);
    });
  post({ type: 'deleted', username: allocation.username });
});
const ctx: ServerContext = {
  opts: {
    realm: init.realm,
    secret: init.secret,
    relayPortRange: init.portRange,
    relayBindAddress: init.relayBindAddress,
    externalIPv4: undefined,
    externalIPv6: undefined,
    denyPeers: init.denyPeers,
    allowPeers: init.allowPeers,
    maxAllocationsPerUser: 0,
    maxAllocationsTotal: 0,
    bandwidthBytesPerSecond: init.bandwidthBytesPerSecond,
    defaultLifetimeSec: init.defaultLifetimeSec,
    maxLifetimeSec: init.maxLifetimeSec,
    permissionLifetimeSec: init.permissionLifetimeSec,
    channelLifetimeSec: init.channelLifetimeSec,
    nonceLifetimeSec: init.nonceLifetimeSec,
    software: init.software,
    logger,
    workers: 1,
    udpSendBatching: init.udpSendBatching,
  },
  stats,
  logger,
  policy: new PeerPolicy({ denyPeers: init.denyPeers, allowPeers: init.allowPeers }),
  nonces: new NonceIssuer(init.nonceLifetimeSec, Buffer.from(init.nonceKey)),
  pool,
  table,
  udpSenders: senders,
  // New allocations are made by the main thread; here an Allocate only meets an existing one
  // (retransmission → cached answer, otherwise 437), and the zero quotas refuse anything else.
  families: new Set(),
  advertisedAddress: () => '',
  closing: () => closing,
};
const dispatcher = new Dispatcher(ctx);
let closing = false;

async function allocate(order: AllocateOrder): Promise<void> {
  const bound = order.token
    ? pool.claim(Buffer.from(order.token), order.family)
    : await pool.bind(order.family, { even: order.even, reserveNext: order.reserveNext });
  if (!bound || closing) {
    if (bound) pool.release(bound.port, bound.socket);
    post({ type: 'allocated', id: order.id, port: undefined, token: undefined });
    return;
  }
  const { listener, client } = order;
  const peerAddress =
    listener.type === 'udp6' && client.family === 'IPv4' ? `::ffff:${client.address}` : client.address;
  const socket = dgram.createSocket({
    type: listener.type,
    reuseAddr: true,
    ipv6Only: false,
    lookup: literalLookup,
    recvBufferSize: SOCKET_BUFFER_BYTES,
    sendBufferSize: SOCKET_BUFFER_BYTES,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ port: listener.port, address: listener.address }, () => {
        socket.connect(client.port, peerAddress, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    });
  } catch (err) {
    logger.error({ err: String(err), client: order.key }, 'client socket for worker allocation failed');
    closeQuietly(socket);
    pool.release(bound.port, bound.socket);
    post({ type: 'allocated', id: order.id, port: undefined, token: undefined });
    return;
  }
  // A connected UDP socket reports the client's ICMP port-unreachable as ECONNREFUSED: the client
  // went away. Its allocation simply expires; anything else is worth a warning.
  socket.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'ECONNREFUSED') logger.debug({ client: order.key }, 'client unreachable');
    else logger.warn({ err: err.message, client: order.key }, 'client socket error');
  });
  const toClient = senders.forSocket(socket);
  const link: ClientLink = {
    transport: 'udp',
    remote: client,
    localAddress: undefined,
    key: order.key,
    udpListener: listener,
    send: (message) => {
      if (!closedSockets.has(socket)) toClient.send(message);
    },
    sendChannelData: (channel, data) => {
      if (!closedSockets.has(socket)) toClient.sendChannelData(channel, data);
    },
  };
  const now = Date.now();
  const bps = init.bandwidthBytesPerSecond;
  const allocation = new Allocation(
    link,
    order.username,
    bound.socket,
    { address: order.advertised, port: bound.port, family: order.family },
    order.lifetimeSec * 1000,
    now,
    {
      stats,
      logger,
      udpSenders: senders,
      ...allocationBuckets(bps, now),
    },
  );
  table.begin(order.key, order.username, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
  table.finish(order.key, order.username, allocation);
  clientSockets.set(order.key, socket);
  socket.on('message', (msg) => handleClientDatagram(msg, allocation, () => link, dispatcher, stats));
  post({ type: 'allocated', id: order.id, port: bound.port, token: bound.reservationToken });
}

const sweeper = setInterval(() => table.sweep(Date.now()), 1000);

port.on('message', (m: ToWorker) => {
  if (m.type === 'allocate') {
    allocate(m).catch((err: unknown) => {
      logger.error({ err: String(err) }, 'worker allocate failed');
      post({ type: 'allocated', id: m.id, port: undefined, token: undefined });
    });
  } else if (m.type === 'remember') {
    const a = table.get(m.key);
    if (a) a.allocateTransaction = { id: m.transactionId, response: Buffer.from(m.response) };
  } else {
    closing = true;
    clearInterval(sweeper);
    table.closeAll('server closing');
    pool.close();
    post({ type: 'closed' });
  }
});

// Loaded and listening for orders: the main thread starts serving once every worker got here.
post({ type: 'ready' });
