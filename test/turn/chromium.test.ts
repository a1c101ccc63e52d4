// Chromium (headless, driven by playwright-core, FINDINGS.md flags) runs two RTCPeerConnections in
// one page with iceTransportPolicy 'relay', so every byte must cross our TURN server: over UDP, over
// TCP (?transport=tcp) and over TLS (turns:). The selected candidate pair must be relay/relay with the
// expected relay protocol, and data must flow both ways.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingTool } from '../support/system';
import { type Harness, startTurn } from './harness';

const CHROMIUM = '/usr/bin/chromium';

interface SessionResult {
  error?: string;
  localType: string;
  remoteType: string;
  relayProtocol: string;
  aToB: number;
  bToA: number;
  expected: number;
}

const PAGE_SCRIPT = readFileSync(join(import.meta.dirname, 'browser', 'relay-session.js'), 'utf8');

describe.skipIf(missingTool(CHROMIUM, 'chromium'))('Chromium data channel through our TURN only', () => {
  let h: Harness;
  let context: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    // Allocation lifetime shortened so the long session below must survive several Refreshes.
    h = await startTurn({ defaultLifetimeSec: 4, maxLifetimeSec: 4 });
    profile = mkdtempSync(join(tmpdir(), 'rc-turn-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--disable-features=WebRtcHideLocalIpsWithMdns',
        // The TURN-over-TLS case uses the test's self-signed certificate; Chromium validates TURN
        // TLS certificates, so this flag is what lets the turns: test connect. Only in this test.
        '--ignore-certificate-errors',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await h?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const session = async (urls: string, messages: number, intervalMs: number, server: Harness = h) => {
    const page = await context.newPage();
    try {
      const { username, password } = server.creds('chromium');
      const args = JSON.stringify({ urls, username, credential: password, messages, intervalMs });
      return (await page.evaluate(`${PAGE_SCRIPT}\nrelaySession(${args})`)) as SessionResult;
    } finally {
      await page.close();
    }
  };

  it.each([
    ['UDP', () => `turn:127.0.0.1:${h.udpPort}?transport=udp`, 'udp'],
    ['TCP', () => `turn:127.0.0.1:${h.tcpPort}?transport=tcp`, 'tcp'],
    ['TLS', () => `turns:127.0.0.1:${h.tcpPort}?transport=tcp`, 'tls'],
  ])(
    'over %s: relay/relay pair, data both ways',
    async (_name, urls, protocol) => {
      const r = await session(urls(), 20, 10);
      expect(r.localType).toBe('relay');
      expect(r.remoteType).toBe('relay');
      expect(r.relayProtocol).toBe(protocol);
      expect(r.aToB).toBe(r.expected);
      expect(r.bToA).toBe(r.expected);
    },
    30_000,
  );

  it('over UDP with relay worker threads (workers: 2): relay/relay pair, data both ways', async () => {
    const sharded = await startTurn({ workers: 2 });
    try {
      const r = await session(`turn:127.0.0.1:${sharded.udpPort}?transport=udp`, 20, 10, sharded);
      expect(r.error).toBeUndefined();
      expect([r.localType, r.remoteType, r.relayProtocol]).toEqual(['relay', 'relay', 'udp']);
      expect(r.aToB).toBe(r.expected);
      expect(r.bToA).toBe(r.expected);
    } finally {
      await sharded.close();
    }
  }, 30_000);

  it('a session longer than the allocation lifetime keeps flowing (Refresh honoured)', async () => {
    const before = h.server.stats().allocationsTotal;
    const r = await session(`turn:127.0.0.1:${h.udpPort}?transport=udp`, 50, 200); // ~10 s > 2 × 4 s
    expect(r.error).toBeUndefined();
    expect(r.localType).toBe('relay');
    expect(r.aToB).toBe(r.expected);
    expect(r.bToA).toBe(r.expected);
    // Two allocations (one per peer) and no re-allocation: the originals were refreshed.
    expect(h.server.stats().allocationsTotal - before).toBe(2);
  }, 40_000);
});
