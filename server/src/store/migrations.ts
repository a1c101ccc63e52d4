// Versioned schema migrations. Append only: a released migration never changes; `user_version`
// records how far a database has come, and each step runs in its own transaction.
export const MIGRATIONS: readonly string[] = [
  // 1: operators, groups, devices, enrollment tokens, session audit
  `
  CREATE TABLE device_groups (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    consent TEXT NOT NULL DEFAULT 'ask' CHECK (consent IN ('auto-accept', 'ask', 'deny')),
    consent_timeout_s REAL, -- NULL: the relay's RC_CONSENT_TIMEOUT_SECONDS
    show_indicator INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
  );
  INSERT INTO device_groups (id, name, created_at) VALUES ('g_default', 'default', strftime('%Y-%m-%dT%H:%M:%fZ'));

  CREATE TABLE operators (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    totp_secret TEXT,
    totp_enabled INTEGER NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
  );

  CREATE TABLE operator_groups (
    operator_id TEXT NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
    group_id TEXT NOT NULL REFERENCES device_groups(id) ON DELETE CASCADE,
    PRIMARY KEY (operator_id, group_id)
  );

  CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    group_id TEXT NOT NULL REFERENCES device_groups(id),
    hostname TEXT NOT NULL,
    os TEXT NOT NULL,
    cert_fingerprint TEXT NOT NULL,
    credential_hash TEXT NOT NULL,
    enrolled_at TEXT NOT NULL,
    last_seen TEXT,
    revoked_at TEXT,
    agent_version TEXT,
    facts TEXT NOT NULL DEFAULT '{}'
  );
  CREATE INDEX devices_group ON devices(group_id);

  CREATE TABLE enrollment_tokens (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    group_id TEXT NOT NULL REFERENCES device_groups(id) ON DELETE CASCADE,
    expires_at TEXT NOT NULL,
    max_uses INTEGER NOT NULL,
    uses INTEGER NOT NULL DEFAULT 0,
    revoked INTEGER NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
  );

  CREATE TABLE session_audit (
    session_id TEXT PRIMARY KEY,
    operator_id TEXT NOT NULL,
    operator_name TEXT NOT NULL,
    device_id TEXT NOT NULL,
    hostname TEXT NOT NULL,
    mode TEXT NOT NULL,
    transport TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT,
    requested_at TEXT NOT NULL,
    answered_at TEXT,
    ended_at TEXT,
    end_reason TEXT
  );
  CREATE INDEX session_audit_device ON session_audit(device_id, requested_at);
  CREATE INDEX session_audit_operator ON session_audit(operator_id, requested_at);
  `,
  // 2: the last TOTP step accepted per operator, so no code is taken twice (RFC 6238 §5.2)
  `
  ALTER TABLE operators ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT -1;
  `,
];
