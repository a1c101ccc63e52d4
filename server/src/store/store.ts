import { AuditRepo } from './audit';
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

  static open(dataDir: string | ':memory:'): Store {
    return new Store(openDatabase(dataDir));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
