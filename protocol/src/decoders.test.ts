import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeAgentMessage, decodeConsoleMessage, decodeServerToAgent, decodeServerToConsole } from './decoders';

const fp = 'a'.repeat(64);
const hello = {
  type: 'hello',
  id: '1',
  version: '0.1.0',
  hostname: 'pc-1',
  os: 'linux',
  sessions: [{ id: ':0', user: 'ann', kind: 'x11', active: true, supported: true }],
  monitors: [{ id: '0', name: 'HDMI-1', x: 0, y: 0, width: 1920, height: 1080, primary: true }],
  lanAddresses: ['192.168.1.20', 'fe80::1'],
  certFingerprint: fp,
  activeSessions: [],
};

const agentValid: [string, unknown][] = [
  ['hello', hello],
  ['report with one field', { type: 'report', id: '2', sessions: [] }],
  ['accept', { type: 'session.accept', id: '3', sessionId: 's_1' }],
  ['deny', { type: 'session.deny', id: '4', sessionId: 's_1', reason: 'user-denied' }],
  ['offer', { type: 'signal', id: '5', sessionId: 's_1', payload: { kind: 'offer', sdp: 'v=0' } }],
  [
    'candidate',
    {
      type: 'signal',
      id: '6',
      sessionId: 's_1',
      payload: {
        kind: 'candidate',
        candidate: 'candidate:1 1 udp 1 1.2.3.4 5 typ host',
        sdpMid: '0',
        sdpMLineIndex: 0,
      },
    },
  ],
  ['end', { type: 'session.end', id: '7', sessionId: 's_1' }],
  ['lan report', { type: 'session.report', id: '8', sessionId: 's_1', event: 'accepted' }],
];

const agentInvalid: [string, unknown, string][] = [
  ['not JSON', '{"type":', 'bad_json'],
  ['an array', '[]', 'bad_message'],
  ['null', 'null', 'bad_message'],
  ['a number', '42', 'bad_message'],
  ['no type', { id: '1' }, 'bad_message'],
  ['type not a string', { type: 7, id: '1' }, 'bad_message'],
  ['unknown type', { type: 'launch', id: '1' }, 'unknown_type'],
  ['prototype key as type', { type: '__proto__', id: '1' }, 'unknown_type'],
  ['console-only type', { type: 'session.attach', id: '1', sessionId: 's' }, 'unknown_type'],
  ['no id', { type: 'session.accept', sessionId: 's' }, 'invalid_fields'],
  ['empty id', { type: 'session.accept', id: '', sessionId: 's' }, 'invalid_fields'],
  ['extra field', { type: 'session.accept', id: '1', sessionId: 's', admin: true }, 'invalid_fields'],
  ['bad fingerprint', { ...hello, certFingerprint: 'xyz' }, 'invalid_fields'],
  ['bad os', { ...hello, os: 'beos' }, 'invalid_fields'],
  ['bad deny reason', { type: 'session.deny', id: '1', sessionId: 's', reason: 'meh' }, 'invalid_fields'],
  ['bad payload kind', { type: 'signal', id: '1', sessionId: 's', payload: { kind: 'rollback' } }, 'invalid_fields'],
  ['session id with spaces', { type: 'session.end', id: '1', sessionId: 'a b' }, 'invalid_fields'],
];

const encode = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

describe('agent → relay decoder', () => {
  it.each(agentValid)('accepts %s', (_name, value) => {
    const r = decodeAgentMessage(encode(value));
    expect(r).toMatchObject({ ok: true });
  });

  it.each(agentInvalid)('refuses %s as %s', (_name, value, code) => {
    const r = decodeAgentMessage(encode(value));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe(code);
      expect(r.message.length).toBeGreaterThan(0);
    }
  });

  it('returns the offending message id as ref', () => {
    const r = decodeAgentMessage(JSON.stringify({ type: 'session.accept', id: 'abc' }));
    expect(r).toMatchObject({ ok: false, code: 'invalid_fields', ref: 'abc' });
    if (!r.ok) expect(r.message).toContain('sessionId');
  });
});

describe('console → relay decoder', () => {
  it('accepts attach, signal, end', () => {
    for (const m of [
      { type: 'session.attach', id: '1', sessionId: 's' },
      { type: 'signal', id: '2', sessionId: 's', payload: { kind: 'answer', sdp: 'v=0' } },
      { type: 'session.end', id: '3', sessionId: 's', reason: 'done' },
    ]) {
      expect(decodeConsoleMessage(JSON.stringify(m)).ok).toBe(true);
    }
  });
  it('refuses agent-only messages', () => {
    expect(decodeConsoleMessage(JSON.stringify({ type: 'session.accept', id: '1', sessionId: 's' }))).toMatchObject({
      ok: false,
      code: 'unknown_type',
    });
  });
  it('refuses an oversize SDP', () => {
    const m = { type: 'signal', id: '1', sessionId: 's', payload: { kind: 'offer', sdp: 'x'.repeat(60_000) } };
    expect(decodeConsoleMessage(JSON.stringify(m))).toMatchObject({ ok: false, code: 'invalid_fields' });
  });
});

describe('relay → client decoders', () => {
  it('accept what the relay sends', () => {
    const welcome = {
      type: 'welcome',
      id: 's1',
      deviceId: 'd_1',
      heartbeatSeconds: 25,
      serverTime: new Date().toISOString(),
      policy: { consent: 'ask', consentTimeoutSeconds: 30, showIndicator: true },
    };
    expect(decodeServerToAgent(JSON.stringify(welcome)).ok).toBe(true);
    const state = { type: 'session.state', id: 's2', sessionId: 's', state: 'accepted' };
    expect(decodeServerToConsole(JSON.stringify(state)).ok).toBe(true);
  });
});

describe('garbage never throws', () => {
  const decoders = [decodeAgentMessage, decodeConsoleMessage, decodeServerToAgent, decodeServerToConsole];
  it('random bytes', () => {
    for (let i = 0; i < 2000; i++) {
      const buf = randomBytes(Math.floor(Math.random() * 256));
      for (const d of decoders) expect(d(buf).ok).toBe(false);
    }
  });
  it('random JSON-shaped values', () => {
    const atoms = [null, true, 0, -1, 1e308, '', 'x', [], {}, { type: 'hello' }, { type: 'signal', payload: null }];
    const pick = () => atoms[Math.floor(Math.random() * atoms.length)];
    for (let i = 0; i < 2000; i++) {
      const v: Record<string, unknown> = { type: pick(), id: pick(), sessionId: pick(), payload: pick() };
      for (const d of decoders) expect(() => d(JSON.stringify(v))).not.toThrow();
    }
  });
});
