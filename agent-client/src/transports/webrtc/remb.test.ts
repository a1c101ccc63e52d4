import { describe, expect, it } from 'vitest';
import { preferRemb } from './remb';

// The video and data sections of a Chromium 13x offer, as the console sends it (trimmed).
const OFFER = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97',
  'c=IN IP4 0.0.0.0',
  'a=mid:0',
  'a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  'a=recvonly',
  'a=rtpmap:96 VP8/90000',
  'a=rtcp-fb:96 goog-remb',
  'a=rtcp-fb:96 transport-cc',
  'a=rtcp-fb:96 nack',
  'a=rtpmap:97 rtx/90000',
  'a=fmtp:97 apt=96',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'c=IN IP4 0.0.0.0',
  'a=mid:1',
  '',
];

describe('preferRemb', () => {
  it('drops transport-cc from a video section that has REMB and abs-send-time, and nothing else', () => {
    const out = preferRemb(OFFER.join('\r\n')).split('\r\n');
    expect(out).toEqual(OFFER.filter((l) => !l.includes('transport-wide-cc') && !l.endsWith(' transport-cc')));
    expect(out).toContain('a=rtcp-fb:96 goog-remb');
    expect(out).toContain('a=fmtp:97 apt=96');
  });

  it('keeps transport-cc where there would be no REMB feedback to fall back on', () => {
    const noRemb = OFFER.filter((l) => !l.endsWith(' goog-remb')).join('\r\n');
    expect(preferRemb(noRemb)).toBe(noRemb);
    const noAbsSendTime = OFFER.filter((l) => !l.includes('abs-send-time')).join('\r\n');
    expect(preferRemb(noAbsSendTime)).toBe(noAbsSendTime);
  });

  it('keeps the line endings it was given and leaves other sections alone', () => {
    const lf = OFFER.join('\n');
    expect(preferRemb(lf)).not.toContain('\r');
    expect(preferRemb(lf)).not.toContain('transport-cc');
    const audio = OFFER.join('\r\n').replace('m=video', 'm=audio');
    expect(preferRemb(audio)).toBe(audio);
  });
});
