// One TURN server for a describe block, and UDP test clients that are closed after each test.
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { TurnOptions } from '../../turn/src/options';
import { RequestedTransport } from '../../turn/src/stun/attributes/requested-transport';
import type { MessageBuilder } from '../../turn/src/stun/builder';
import { type Harness, startTurn } from './harness';
import { TurnTestClient } from './turn-client';

export interface TurnSuite {
  /** The running server; set before the first test. */
  h: Harness;
  /** Clients closed after each test (push any opened by hand). */
  clients: TurnTestClient[];
  /** A UDP client with time-limited credentials for `label`, closed after the test. */
  client(label: string, ttl?: number): Promise<TurnTestClient>;
}

export function turnSuite(overrides: Partial<TurnOptions> = {}): TurnSuite {
  const suite: TurnSuite = {
    h: undefined as unknown as Harness,
    clients: [],
    async client(label, ttl) {
      const c = await TurnTestClient.udp(suite.h.udpPort, suite.h.creds(label, ttl));
      suite.clients.push(c);
      return c;
    },
  };
  beforeAll(async () => {
    suite.h = await startTurn(overrides);
  });
  afterEach(() => {
    for (const c of suite.clients.splice(0)) c.close();
  });
  afterAll(() => suite.h.close());
  return suite;
}

/** REQUESTED-TRANSPORT UDP, which every Allocate in these tests carries. */
export const udp17 = (b: MessageBuilder) => b.add(RequestedTransport, 17);
