// Starts our TURN server in-process on loopback, port 0, with a TCP/TLS listener beside it.
import type net from 'node:net';
import { generate } from 'selfsigned';
import { issueRestCredentials } from '../../turn/src/auth/credentials';
import { createTurnStreamListener } from '../../turn/src/listener';
import type { TurnOptions } from '../../turn/src/options';
import { TurnServer } from '../../turn/src/server';

export const SECRET = 'interop-test-secret';
export const REALM = 'rc-relay.test';

export interface Harness {
  server: TurnServer;
  udpPort: number;
  tcpPort: number;
  tls: { cert: string; key: string };
  creds: (label: string, ttlSec?: number) => { username: string; password: string };
  close: () => Promise<void>;
}

let tlsMaterial: Promise<{ cert: string; key: string }> | undefined;
export function testCertificate(): Promise<{ cert: string; key: string }> {
  tlsMaterial ??= generate([{ name: 'commonName', value: '127.0.0.1' }], { keyType: 'ec', curve: 'P-256' }).then(
    (p) => ({ cert: p.cert, key: p.private }),
  );
  return tlsMaterial;
}

export async function startTurn(overrides: Partial<TurnOptions> = {}): Promise<Harness> {
  const server = new TurnServer({
    realm: REALM,
    secret: SECRET,
    relayPortRange: [40000, 44999],
    relayBindAddress: '127.0.0.1',
    // Loopback peers are denied by default; the tests relay to loopback, so they allow it here only.
    allowPeers: ['127.0.0.0/8'],
    maxAllocationsPerUser: 100,
    software: 'rc-relay-test',
    ...overrides,
  });
  const { port: udpPort } = await server.listenUdp(0, '127.0.0.1');
  const tls = await testCertificate();
  const listener: net.Server = createTurnStreamListener({ server, tls });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const tcpPort = (listener.address() as net.AddressInfo).port;
  return {
    server,
    udpPort,
    tcpPort,
    tls,
    creds: (label, ttlSec = 3600) => issueRestCredentials(SECRET, label, ttlSec),
    close: async () => {
      await new Promise<void>((r) => listener.close(() => r()));
      await server.close();
    },
  };
}
