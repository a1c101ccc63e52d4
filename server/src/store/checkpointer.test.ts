import { mkdtempSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Checkpointer } from './checkpointer';
import { openDatabase } from './db';
import { Store } from './store';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'rc-checkpoint-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

describe('WAL checkpoints in a worker', () => {
  it('the relay connection never checkpoints; the worker copies the WAL into the database file', async () => {
    const dir = tempDir();
    const db = openDatabase(dir);
    const c = Checkpointer.start(db, () => {}, 200);
    try {
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
      expect(c.offloaded).toBe(true);
      const file = join(dir, 'relay.sqlite');
      const before = statSync(file).size;
      // ~4 MB of pages: four times SQLite's default autocheckpoint threshold.
      db.exec('CREATE TABLE filler (b BLOB)');
      const insert = db.prepare('INSERT INTO filler VALUES (randomblob(4000))');
      db.transaction(() => {
        for (let i = 0; i < 1000; i++) insert.run();
      })();
      // Nothing was checkpointed by the commit itself: the pages are only in the WAL...
      expect(statSync(file).size).toBeLessThan(before + 1_000_000);
      expect(statSync(`${file}-wal`).size).toBeGreaterThan(4_000_000);
      // ...until the worker's next tick copies them over.
      expect(await until(() => statSync(file).size > before + 4_000_000, 5000)).toBe(true);
    } finally {
      c.close();
      db.close();
    }
    // Everything written is there after reopening, through the Store as the relay opens it.
    const store = Store.open(dir);
    expect(store.checkpointsOffloaded).toBe(true);
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    expect(store.db.prepare('SELECT count(*) AS n FROM filler').get()).toEqual({ n: 1000 });
    store.close();
  });

  it('falls back to checkpointing on the connection when the worker cannot open the file', async () => {
    const dir = tempDir();
    const db = openDatabase(dir);
    unlinkSync(join(dir, 'relay.sqlite')); // the relay's connection keeps its open file; the worker finds none
    const reasons: string[] = [];
    const c = Checkpointer.start(db, (r) => reasons.push(r));
    expect(await until(() => reasons.length > 0, 5000)).toBe(true);
    expect(reasons[0]).toMatch(/checkpoint worker (failed|exited)/);
    expect(c.offloaded).toBe(false);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    c.close();
    db.close();
  });

  it('gives up after ten failed checkpoints in a row, and the connection checkpoints again', async () => {
    const dir = tempDir();
    const db = openDatabase(dir);
    const reasons: string[] = [];
    const started = Date.now();
    // A statement SQLite refuses (not SQLITE_BUSY) stands in for a checkpoint that keeps failing.
    const c = Checkpointer.start(db, (r) => reasons.push(r), 30, "table_info('");
    try {
      expect(c.offloaded).toBe(true);
      expect(await until(() => reasons.length > 0, 5000)).toBe(true);
      // Not at the first failure: ten ticks of 30 ms at least.
      expect(Date.now() - started).toBeGreaterThanOrEqual(270);
      expect(reasons[0]).toMatch(/checkpoint worker failed: checkpoint failed 10 times in a row: unrecognized token/);
      expect(c.offloaded).toBe(false);
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    } finally {
      c.close();
      db.close();
    }
  });

  it('an in-memory store has no worker', () => {
    const store = Store.open(':memory:');
    expect(store.checkpointsOffloaded).toBe(false);
    store.close();
  });
});
