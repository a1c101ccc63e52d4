import { describe, expect, it } from 'vitest';
import { maxConnections, openFilesLimit } from './fd-limit';

const limits = `Limit                     Soft Limit           Hard Limit           Units
Max processes             unlimited            unlimited            processes
Max open files            20000                20000                files
`;

describe('fd limit', () => {
  it('reads the soft open-files limit', () => {
    expect(openFilesLimit(limits)).toBe(20000);
    expect(openFilesLimit(limits.replace('20000                20000', 'unlimited  unlimited'))).toBeUndefined();
    expect(openFilesLimit('')).toBeUndefined();
  });
  it('leaves headroom below it', () => {
    expect(maxConnections(20000)).toBe(19488);
    expect(maxConnections(100)).toBe(64);
    expect(maxConnections(undefined)).toBeUndefined();
  });
});
