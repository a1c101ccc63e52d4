import { describe, expect, it } from 'vitest';
import { X11Error } from './errors';
import { loadLib } from './native';

describe('X11 native libraries', () => {
  it.each([
    ['libXtst.so.6', 'libxtst6'],
    ['libXdamage.so.1', 'libxdamage1'],
    ['libturbojpeg.so.0', 'libturbojpeg0'],
    ['libyuv.so.0', 'libyuv0'],
  ])('a missing %s names the Debian package %s', (soname, pkg) => {
    let err: unknown;
    try {
      loadLib(soname, `/nonexistent/${soname}`);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(X11Error);
    expect((err as X11Error).code).toBe('missing_library');
    expect((err as X11Error).message).toContain(`apt-get install ${pkg}`);
  });
});
