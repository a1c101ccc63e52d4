import { describe, expect, it } from 'vitest';
import { ErrorCodes, isErrorCode } from './errors';

describe('error codes', () => {
  it.each(Object.entries(ErrorCodes))('%s is documented with an HTTP status', (code, def) => {
    expect(code).toMatch(/^[a-z_]+$/);
    expect(def.doc.trim().length).toBeGreaterThan(15);
    expect(def.http).toBeGreaterThanOrEqual(400);
    expect(def.http).toBeLessThan(600);
  });

  it('recognises only its own codes', () => {
    expect(isErrorCode('not_found')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode('nope')).toBe(false);
  });
});
