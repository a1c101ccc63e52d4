// Session discovery from a socket directory: the `only` list (config `backend.displays`) keeps
// other X servers on the host out of the operator's session picker.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { discoverSessions } from './sessions';

describe('discoverSessions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rc-x11-sockets-'));
  const sockets = join(dir, 'sockets');
  const proc = join(dir, 'proc');
  mkdirSync(sockets);
  mkdirSync(proc);
  for (const n of ['X3', 'X5', 'X9', 'not-a-display']) writeFileSync(join(sockets, n), '');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const base = { socketDir: sockets, procDir: proc, useLogind: false, env: {} };

  it('lists every display with a socket when not restricted', async () => {
    expect((await discoverSessions(base)).map((s) => s.id)).toEqual([':3', ':5', ':9']);
  });

  it('lists only the configured displays, the preferred one active', async () => {
    const found = await discoverSessions({ ...base, only: [':9', 'unix:5.0', ':7'], preferred: ':9' });
    expect(found.map((s) => [s.id, s.active])).toEqual([
      [':5', false],
      [':9', true],
    ]);
  });

  it('with no configured display running, lists none', async () => {
    expect(await discoverSessions({ ...base, only: [':7'] })).toEqual([]);
  });
});
