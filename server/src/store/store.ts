import { AuditRepo } from './audit';
import { Checkpointer } from './checkpointer';
import { type Db, openDatabase } from './db';
import { DeviceRepo } from './devices';
import { EnrollmentRepo } from './enrollment';
import { GroupRepo } from './groups';
import { OperatorRepo } from './operators';

/** All repositories over one database connection. */
export class Store {
  readonly operators: OperatorRepo;
  readonly groups: GroupRepo;
  readonly devices: DeviceRepo;
  readonly enrollment: EnrollmentRepo;
  readonly audit: AuditRepo;

  constructor(readonly db: Db) {
    this.operators = new OperatorRepo(db);
    this.groups = new GroupRepo(db);
    this.devices = new DeviceRepo(db);
    this.enrollment = new EnrollmentRepo(db);
    this.audit = new AuditRepo(db);
  }

  private checkpointer: Checkpointer | undefined;

  /**
   * Opens (and migrates) the database in `dataDir`. A file database gets its WAL checkpoints taken
   * in a worker thread (see checkpointer.ts); `onCheckpointFallback` hears if that is not possible.
   */
  static open(dataDir: string | ':memory:', onCheckpointFallback: (reason: string) => void = () => {}): Store {
    const store = new Store(openDatabase(dataDir));
    if (dataDir !== ':memory:') store.checkpointer = Checkpointer.start(store.db, onCheckpointFallback);
    return store;
  }

  /** Whether WAL checkpoints run off the event loop (false for ':memory:' or after a fallback). */
  get checkpointsOffloaded(): boolean {
    return this.checkpointer?.offloaded ?? false;
  }

  close(): void {
    this.checkpointer?.close();
    if (this.db.open) this.db.close();
  }
}
