import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit';

describe('RateLimiter', () => {
  it('blocks after the limit until the window passes', () => {
    let t = 0;
    const rl = new RateLimiter(3, 60_000, () => t);
    for (let i = 0; i < 3; i++) {
      expect(rl.retryAfter('a')).toBe(0);
      rl.hit('a');
    }
    expect(rl.retryAfter('a')).toBe(60);
    expect(rl.retryAfter('b')).toBe(0);
    t = 30_000;
    expect(rl.retryAfter('a')).toBe(30);
    t = 60_000;
    expect(rl.retryAfter('a')).toBe(0);
  });
  it('reset clears a key', () => {
    const rl = new RateLimiter(1, 1000);
    rl.hit('x');
    expect(rl.retryAfter('x')).toBeGreaterThan(0);
    rl.reset('x');
    expect(rl.retryAfter('x')).toBe(0);
  });
});
