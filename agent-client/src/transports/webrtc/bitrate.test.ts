import { describe, expect, it } from 'vitest';
import { DEFAULT_QUALITY, VideoCap, videoCapKbps, withVideoBandwidth } from './bitrate';

describe('videoCapKbps', () => {
  it('caps Low, leaves Medium to libwebrtc, raises the ceiling for High', () => {
    expect(videoCapKbps(40)).toBe(1000);
    expect(videoCapKbps(1)).toBe(259);
    expect(videoCapKbps(DEFAULT_QUALITY)).toBeUndefined();
    expect(videoCapKbps(50)).toBeUndefined();
    expect(videoCapKbps(90)).toBe(20_000);
  });
  it('clamps out-of-range and non-numbers', () => {
    expect(videoCapKbps(0)).toBe(videoCapKbps(1));
    expect(videoCapKbps(500)).toBe(videoCapKbps(100));
    expect(videoCapKbps(Number.NaN)).toBe(videoCapKbps(DEFAULT_QUALITY));
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
  it('without a cap, removes the video section’s bandwidth line only', () => {
    const out = withVideoBandwidth(SDP.join('\r\n'), undefined).split('\r\n');
    expect(out.filter((l) => l.startsWith('b='))).toEqual(['b=AS:30']);
    expect(out).toHaveLength(SDP.length - 1);
  });
  it('handles a video section that is the last thing in the SDP, and SDP without video', () => {
    expect(withVideoBandwidth('v=0\r\nm=video 9 RTP/AVP 96\r\n', 500)).toBe(
      'v=0\r\nm=video 9 RTP/AVP 96\r\nb=AS:500\r\n',
    );
    const dataOnly = 'v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:0\r\n';
    expect(withVideoBandwidth(dataOnly, 500)).toBe(dataOnly);
  });
});

describe('VideoCap', () => {
  it('is stale once the quality asks for another cap than the one last applied', () => {
    const cap = new VideoCap();
    expect(cap.apply('v=0\r\nm=video 9 RTP/AVP 96\r\n')).not.toContain('b=AS'); // Medium: none
    expect(cap.stale).toBe(false);
    cap.quality = 40;
    expect(cap.stale).toBe(true);
    expect(cap.apply('v=0\r\nm=video 9 RTP/AVP 96\r\n')).toContain('b=AS:1000');
    expect(cap.stale).toBe(false);
  });
});
