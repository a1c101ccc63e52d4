import { describe, expect, it } from 'vitest';
import { ErrorCode } from './error-codes';

describe('ErrorCode map', () => {
  it('every code is a distinct 3xx-6xx value with a reason phrase', () => {
    const codes = Object.values(ErrorCode).map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const e of Object.values(ErrorCode)) {
      expect(e.code).toBeGreaterThanOrEqual(300);
      expect(e.code).toBeLessThan(700);
      expect(e.reason.length).toBeGreaterThan(0);
    }
  });
});
