import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingTool } from '../support/system';
import { type Harness, SECRET, startTurn } from './harness';
import { freeUdpPort, parseUclient, run, start } from './processes';

const MESSAGES = 40;
const CLIENTS = 2;

describe.skipIf(missingTool('/usr/bin/turnutils_uclient', 'coturn'))('coturn turnutils interop', () => {
  let h: Harness;
  let peer: ReturnType<typeof start>;
  let peerPort: number;

  beforeAll(async () => {
    h = await startTurn({ maxAllocationsPerUser: 1000 });
    peerPort = await freeUdpPort();
    peer = start('turnutils_peer', ['-p', String(peerPort), '-L', '127.0.0.1']);
    await new Promise((r) => setTimeout(r, 300));
  });
  afterAll(async () => {
    await peer?.stop();
    await h?.close();
  });

  const modes: [string, string[], () => number][] = [
    ['UDP, channels (ChannelData)', [], () => h.udpPort],
    ['UDP, no RTCP pair (-c)', ['-c'], () => h.udpPort],
    ['UDP, Send/Data indications (-s)', ['-s'], () => h.udpPort],
    ['TCP (-t)', ['-t'], () => h.tcpPort],
    ['TCP, indications (-t -s)', ['-t', '-s'], () => h.tcpPort],
    ['TLS (-t -S)', ['-t', '-S'], () => h.tcpPort],
  ];

  // Sequential: six uclients at once plus Chromium in the other worker overload two cores.
  it.each(modes)('%s: every message delivered', async (_name, flags, port) => {
    const args = [
      ...flags,
      ...['-W', SECRET, '-u', `interop${flags.join('')}`, '-p', String(port())],
      ...['-e', '127.0.0.1', '-r', String(peerPort), '-n', String(MESSAGES), '-m', String(CLIENTS), '-l', '1000'],
      '127.0.0.1',
    ];
    const result = await run('turnutils_uclient', args, 60_000);
    const parsed = parseUclient(result.stdout + result.stderr);
    // With -S, uclient also tries TLS 1.0/1.1 contexts at random; Node (like any current TLS stack)
    // refuses them with a protocol_version alert and uclient retries with TLS 1.2/1.3. Only those
    // lines are tolerated; every other error fails the test.
    const errors = parsed.errors.filter((l) => !/alert protocol version|tls_connect: cannot connect/.test(l));
    const tail = (result.stdout + result.stderr).slice(-1500);
    expect(errors, tail).toEqual([]);
    expect(parsed.sent, tail).toBe(MESSAGES * CLIENTS);
    expect(parsed.received, tail).toBe(parsed.sent);
    expect(parsed.lost, tail).toBe(0);
    if (flags.includes('-S')) expect(result.stdout + result.stderr).toMatch(/session connected with cipher/);
  });

  it('turnutils_stunclient gets its reflexive address', async () => {
    const result = await run('turnutils_stunclient', ['-p', String(h.udpPort), '127.0.0.1'], 10_000);
    expect(result.stdout + result.stderr).toMatch(/UDP reflexive addr: 127\.0\.0\.1:\d+/);
  });

  it('with a wrong secret uclient gets no allocation', async () => {
    const args = ['-W', 'not-the-secret', '-u', 'intruder', '-p', String(h.udpPort), '-e', '127.0.0.1'];
    const result = await run('turnutils_uclient', [...args, '-r', String(peerPort), '-n', '5', '127.0.0.1'], 20_000);
    const out = result.stdout + result.stderr;
    const failuresBefore = h.server.stats().authFailures;
    expect(out).toMatch(/Cannot complete Allocation/);
    expect(parseUclient(out).received).toBeLessThanOrEqual(0);
    expect(failuresBefore).toBeGreaterThan(0);
  });
});
