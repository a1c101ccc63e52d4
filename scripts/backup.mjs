#!/usr/bin/env node
// Backs up a relay's data dir while the relay runs:
//   node scripts/backup.mjs DEST                 (data dir from RC_DATA_DIR, else ./data)
//   docker compose exec relay node scripts/backup.mjs /data/backups
// The database goes through SQLite's online backup API (a consistent snapshot that includes what is
// still in the WAL file; copying relay.sqlite by hand while the relay writes is not safe). The key
// material is copied as is. Everything lands in DEST/rc-relay-<UTC time>/ with mode 0700/0600.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');

const [destArg] = process.argv.slice(2);
if (!destArg) {
  console.error('usage: node scripts/backup.mjs DEST_DIR   (reads RC_DATA_DIR, default ./data)');
  process.exit(2);
}
const dataDir = resolve(process.env.RC_DATA_DIR ?? './data');
const dbPath = join(dataDir, 'relay.sqlite');
if (!existsSync(dbPath)) {
  console.error(`backup: no ${dbPath}; is RC_DATA_DIR right?`);
  process.exit(1);
}
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const dest = resolve(destArg, `rc-relay-${stamp}`);
mkdirSync(dest, { recursive: true, mode: 0o700 });

const db = new Database(dbPath, { readonly: true, fileMustExist: true });
try {
  await db.backup(join(dest, 'relay.sqlite'));
} finally {
  db.close();
}
chmodSync(join(dest, 'relay.sqlite'), 0o600);

/** The key material: secrets.json, ticket-key.pem and the generated TLS pair, when present. */
function copyTree(from, to) {
  for (const name of readdirSync(from)) {
    if (name.startsWith('relay.sqlite')) continue; // the database (and its -wal/-shm) is done above
    const src = join(from, name);
    if (resolve(src) === resolve(destArg) || src === dest) continue;
    const st = statSync(src);
    if (st.isDirectory()) {
      if (name !== 'tls') continue; // backups kept inside the data dir are not copied into the next one
      mkdirSync(join(to, name), { recursive: true, mode: 0o700 });
      copyTree(src, join(to, name));
    } else if (st.isFile()) {
      copyFileSync(src, join(to, name));
      chmodSync(join(to, name), 0o600);
    }
  }
}
copyTree(dataDir, dest);
console.log(dest);
