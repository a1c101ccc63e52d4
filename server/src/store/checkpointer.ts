// WAL checkpoints off the event loop. In WAL mode with synchronous = NORMAL a commit writes the WAL
// without fsync; a checkpoint fsyncs the WAL, copies pages into the database and fsyncs that. SQLite
// runs it inside whichever commit crosses wal_autocheckpoint, which is the relay's event loop: in
// `npm run bench:signalling` (10k agents, 100 pairings/s, disk-backed data dir) that was 90 fsyncs,
// 0.7 s in total and up to 149 ms each, on the thread that relays every signalling message.
// Here the relay's connection never checkpoints; a worker thread with its own connection runs PASSIVE
// checkpoints (they never wait for or block the writer) every few seconds. One fsync stays on the
// relay's thread: the first commit after a completed checkpoint reuses the WAL from its start and
// syncs its header (SQLite needs that for power-loss safety), so checkpoints are spaced 5 s apart:
// 1 s gave 33 of those syncs in the same run. If the worker cannot start or dies, the relay's
// connection checkpoints again as SQLite does by default: slower tails, no data lost.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Db } from './db';

/** SQLite's default wal_autocheckpoint, restored if the worker is gone. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
const INTERVAL_MS = 5000;

// Runs in the worker (CommonJS eval): its own connection to the same file, a PASSIVE checkpoint per
// tick, closed on 'close'. SQLITE_BUSY (the relay holds a write transaction) is retried at the next
// tick; any other error ten ticks in a row ends the worker with it, and the relay falls back.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
let failures = 0;
const timer = setInterval(() => {
  try {
    db.pragma(workerData.statement);
    failures = 0;
  } catch (err) {
    if (err && err.code === 'SQLITE_BUSY') return;
    // A plain Error: a SqliteError reaches the relay's thread without its message.
    if (++failures >= 10) throw new Error('checkpoint failed 10 times in a row: ' + (err && err.message));
  }
}, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'close') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
parentPort.postMessage('ready');
`;

export class Checkpointer {
  private worker: Worker | undefined;
  private closed = false;

  /**
   * Takes checkpoints of `db` (a file database in WAL mode) over to a worker thread. `statement`
   * is the pragma each tick runs; a test gives one that fails, to see the worker give up.
   */
  static start(
    db: Db,
    onFallback: (reason: string) => void,
    intervalMs = INTERVAL_MS,
    statement = 'wal_checkpoint(PASSIVE)',
  ): Checkpointer {
    const c = new Checkpointer();
    let worker: Worker;
    try {
      worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: {
          driver: createRequire(import.meta.url).resolve('better-sqlite3'),
          file: db.name,
          intervalMs,
          statement,
        },
        // A small heap: the worker holds one connection and a timer.
        resourceLimits: { maxOldGenerationSizeMb: 32 },
      });
    } catch (err) {
      onFallback(`checkpoint worker did not start: ${(err as Error).message}`);
      return c;
    }
    c.worker = worker;
    db.pragma('wal_autocheckpoint = 0');
    worker.unref();
    const fallBack = (reason: string) => {
      if (c.closed || !c.worker) return;
      c.worker = undefined;
      if (db.open) db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
      onFallback(reason);
    };
    worker.on('error', (err) => fallBack(`checkpoint worker failed: ${err.message}`));
    worker.on('exit', (code) => fallBack(`checkpoint worker exited with ${code}`));
    return c;
  }

  /** Whether checkpoints currently run in the worker. */
  get offloaded(): boolean {
    return this.worker !== undefined;
  }

  /** Stops the worker; the relay's connection closing afterwards checkpoints what is left. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.worker?.postMessage('close');
    this.worker = undefined;
  }
}
