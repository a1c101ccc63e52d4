import { describe, expect, it } from 'vitest';
import { DEFAULT_QUALITY, maxBitrateFor, withVideoBandwidth } from './bitrate';

describe('maxBitrateFor', () => {
  it('maps the console presets to caps that double every 20 points', () => {
    expect(maxBitrateFor(40)).toBe(1_000_000);
    expect(maxBitrateFor(60)).toBe(2_000_000);
    expect(maxBitrateFor(100)).toBe(8_000_000);
    expect(maxBitrateFor(DEFAULT_QUALITY)).toBeGreaterThan(2_500_000);
  });
  it('clamps out-of-range and non-numbers', () => {
    expect(maxBitrateFor(0)).toBe(maxBitrateFor(1));
    expect(maxBitrateFor(500)).toBe(maxBitrateFor(100));
    expect(maxBitrateFor(Number.NaN)).toBe(maxBitrateFor(DEFAULT_QUALITY));
  });
});

const SDP = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'c=IN IP4 0.0.0.0',
  'b=AS:30000',
  'a=mid:0',
  'a=rtpmap:96 VP8/90000',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'c=IN IP4 0.0.0.0',
  'b=AS:30',
  'a=mid:1',
  '',
];

describe('withVideoBandwidth', () => {
  it('replaces the video section’s bandwidth line after c=, and leaves the data section alone', () => {
    const out = withVideoBandwidth(SDP.join('\r\n'), 1000).split('\r\n');
    expect(out.slice(5, 9)).toEqual(['m=video 9 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'b=AS:1000', 'a=mid:0']);
    expect(out.filter((l) => l.startsWith('b='))).toEqual(['b=AS:1000', 'b=AS:30']);
    expect(out.at(-1)).toBe('');
  });
  it('adds the line where there was none, with LF line ends too', () => {
    const noB = SDP.filter((l) => l !== 'b=AS:30000').join('\n');
    const out = withVideoBandwidth(noB, 259.4).split('\n');
    expect(out[7]).toBe('b=AS:259');
    expect(out.filter((l) => l.startsWith('b='))).toHaveLength(2);
  });
  it('handles a video section that is the last thing in the SDP, and SDP without video', () => {
    expect(withVideoBandwidth('v=0\r\nm=video 9 RTP/AVP 96\r\n', 500)).toBe(
      'v=0\r\nm=video 9 RTP/AVP 96\r\nb=AS:500\r\n',
    );
    const dataOnly = 'v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:0\r\n';
    expect(withVideoBandwidth(dataOnly, 500)).toBe(dataOnly);
  });
});
