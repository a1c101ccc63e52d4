import type { Frame } from '@rc-relay/protocol';
import { describe, expect, it } from 'vitest';
import { SyntheticBackend } from '../backend/synthetic';
import { createLogger } from '../log';
import { AgentSession } from './session';

const setup = (mode: 'view' | 'control') => {
  const backend = new SyntheticBackend({ width: 64, height: 64, consentAnswer: 'accept', consentDelayMs: 0 });
  const s = new AgentSession(
    { id: 's_1', mode, transport: 'lan', operator: 'ann', userSession: ':0' },
    backend,
    createLogger('silent'),
  );
  const replies: Frame[] = [];
  return { backend, s, replies, reply: (f: Frame) => replies.push(f) };
};

const writes: Frame[] = [
  { type: 'pointer', x: 1, y: 2, buttons: 1, wheelX: 0, wheelY: 0 },
  { type: 'key', code: 'KeyA', key: 'a', down: true, modifiers: 0 },
  { type: 'clipboard', mime: 'text/plain', data: Buffer.from('secret') },
];

describe('AgentSession', () => {
  it('view-only: input and clipboard writes are refused, answered and counted', async () => {
    const { backend, s, replies, reply } = setup('view');
    for (const f of writes) expect(await s.handle(f, reply)).toBe(true);
    expect(backend.inputLog).toEqual([]);
    expect(await backend.readClipboard(':0')).toBeNull();
    expect(s.refused).toBe(3);
    expect(replies.map((r) => r.type === 'error' && r.code)).toEqual(['view_only', 'view_only', 'view_only']);
    // Reading is refused too, and the device's copies are not followed.
    await backend.writeClipboard(':0', { mime: 'text/plain', data: Buffer.from('password') });
    await s.handle({ type: 'clipboard.get' }, reply);
    expect(replies.at(-1)).toMatchObject({ type: 'error', code: 'view_only' });
    s.followClipboard(reply);
    backend.userCopies(':0', { mime: 'text/plain', data: Buffer.from('copied') });
    expect(replies.filter((r) => r.type === 'clipboard')).toEqual([]);
    expect(s.refused).toBe(4);
  });

  it('control: input reaches the backend of the selected user session, clipboard round-trips', async () => {
    const { backend, s, replies, reply } = setup('control');
    for (const f of writes) await s.handle(f, reply);
    expect(backend.inputLog.map((e) => [e.session, e.event.type])).toEqual([
      [':0', 'pointer'],
      [':0', 'key'],
    ]);
    s.followClipboard(reply);
    backend.userCopies(':0', { mime: 'text/plain', data: Buffer.from('on :0') });
    expect(replies.at(-1)).toMatchObject({ type: 'clipboard', data: Buffer.from('on :0') });
    await s.handle({ type: 'session.switch', id: ':1' }, reply);
    // After the switch only the new desktop's copies are followed.
    backend.userCopies(':0', { mime: 'text/plain', data: Buffer.from('stale') });
    backend.userCopies(':1', { mime: 'text/plain', data: Buffer.from('on :1') });
    expect(
      replies.filter((r) => r.type === 'clipboard').map((r) => r.type === 'clipboard' && r.data.toString()),
    ).toEqual(['on :0', 'on :1']);
    s.dispose();
    backend.userCopies(':1', { mime: 'text/plain', data: Buffer.from('after the end') });
    expect(replies.at(-1)).not.toMatchObject({ data: Buffer.from('after the end') });
    await s.handle({ type: 'pointer', x: 9, y: 9, buttons: 0, wheelX: 0, wheelY: 0 }, reply);
    expect(backend.inputLog.at(-1)?.session).toBe(':1');
    await s.handle({ type: 'session.switch', id: ':9' }, reply);
    expect(replies.at(-1)).toMatchObject({ type: 'error', code: 'not_found' });
    await s.handle({ type: 'clipboard.get' }, reply);
    expect(replies.at(-1)).toMatchObject({ type: 'clipboard', mime: 'text/plain' });
    expect(s.refused).toBe(0);
  });

  it('leaves screen flow control to the transport', async () => {
    const { s, reply } = setup('control');
    expect(await s.handle({ type: 'ack', seq: 1, credits: 1 }, reply)).toBe(false);
  });
});
