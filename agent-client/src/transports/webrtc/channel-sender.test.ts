import { describe, expect, it } from 'vitest';
import { ChannelSender } from './channel-sender';
import type { WrtcDataChannel } from './wrtc';

/** A channel whose network drains only when told to. */
function fakeChannel() {
  const sent: number[] = [];
  const ch = {
    label: 'x',
    readyState: 'open',
    bufferedAmount: 0,
    binaryType: 'arraybuffer',
    send(d: Buffer) {
      sent.push(d.length);
      this.bufferedAmount += d.length;
    },
    close() {},
    onopen: null,
    onclose: null,
    onmessage: null,
  };
  return { ch: ch as unknown as WrtcDataChannel & { bufferedAmount: number }, sent };
}

describe('ChannelSender', () => {
  it('never lets bufferedAmount pass the high-water mark; the rest waits and drains in order', async () => {
    const { ch, sent } = fakeChannel();
    const s = new ChannelSender(ch, 1000, 100);
    for (let i = 0; i < 5; i++) expect(s.send(Buffer.alloc(40))).toBe(true);
    expect(sent).toEqual([40, 40]);
    expect(ch.bufferedAmount).toBeLessThanOrEqual(100);
    expect(s.backlogBytes()).toBe(200);
    ch.bufferedAmount = 0; // the network took it
    await new Promise((r) => setTimeout(r, 30));
    expect(sent).toEqual([40, 40, 40, 40]);
    ch.bufferedAmount = 0;
    await new Promise((r) => setTimeout(r, 30));
    expect(sent).toHaveLength(5);
    s.close();
  });

  it('drops, and counts, past its own queue bound', () => {
    const { ch } = fakeChannel();
    const s = new ChannelSender(ch, 100, 10);
    expect(s.send(Buffer.alloc(10))).toBe(true);
    expect(s.send(Buffer.alloc(90))).toBe(true);
    expect(s.send(Buffer.alloc(20))).toBe(false);
    expect(s.dropped).toBe(1);
    s.close();
  });
});
