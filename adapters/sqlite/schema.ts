/**
 * The SQLite schema as an ordered list of migrations, and the connection
 * settings. Every table is prefixed `kubently_` so the adapter can live in a
 * database the host already uses; the schema version is kept in
 * `kubently_meta` rather than `PRAGMA user_version`, which belongs to the
 * host's own migrations in such a database.
 */
import { KubentlyError } from "../../lib/errors.ts";
import type { SqliteDriver } from "./_driver.ts";

/**
 * Migration `i` moves the schema from version `i` to `i + 1`. Append only:
 * never edit a released migration, add the next one.
 */
export const MIGRATIONS: readonly string[] = [
  /* 1: the four contracts. */ `
  CREATE TABLE kubently_sessions (
    id               TEXT PRIMARY KEY,
    cluster_id       TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    last_activity_at INTEGER NOT NULL,
    ttl_ms           INTEGER NOT NULL,
    -- last_activity_at + ttl_ms, kept so the expiry can be indexed.
    expires_at       INTEGER NOT NULL,
    status           TEXT NOT NULL,
    correlation_id   TEXT
  );
  CREATE INDEX kubently_sessions_active ON kubently_sessions (cluster_id, expires_at) WHERE status = 'active';
  CREATE INDEX kubently_sessions_expiry ON kubently_sessions (expires_at);

  -- One row per command from push until its result expires. command and result are JSON.
  CREATE TABLE kubently_commands (
    seq               INTEGER PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    cluster_id        TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('pending', 'leased', 'done')),
    -- Deliveries so far; a pending row with attempt 1 is a re-delivery and goes first.
    attempt           INTEGER NOT NULL DEFAULT 0,
    deadline          INTEGER NOT NULL,
    command           TEXT NOT NULL,
    lease_id          TEXT,
    lease_expires_at  INTEGER,
    agent_id          TEXT,
    result            TEXT,
    result_expires_at INTEGER
  );
  -- Partial indexes: each holds only the rows in one state, so they stay small.
  CREATE INDEX kubently_commands_line ON kubently_commands (cluster_id, attempt DESC, seq) WHERE state = 'pending';
  CREATE INDEX kubently_commands_deadline ON kubently_commands (deadline) WHERE state = 'pending';
  CREATE INDEX kubently_commands_lease_expiry ON kubently_commands (lease_expires_at) WHERE state = 'leased';
  CREATE INDEX kubently_commands_result_expiry ON kubently_commands (result_expires_at) WHERE state = 'done';

  CREATE TABLE kubently_api_keys (
    id           TEXT PRIMARY KEY,
    hash         TEXT NOT NULL,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    clusters     TEXT,
    namespaces   TEXT,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
  );
  CREATE INDEX kubently_api_keys_hash ON kubently_api_keys (hash);

  CREATE TABLE kubently_clusters (
    id           TEXT PRIMARY KEY,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER,
    agent        TEXT
  );

  -- No foreign key to kubently_clusters: like every backend, tokens may be set
  -- before the cluster is registered; deleteCluster removes them explicitly.
  CREATE TABLE kubently_agent_tokens (
    cluster_id TEXT NOT NULL,
    pos        INTEGER NOT NULL,
    id         TEXT NOT NULL,
    hash       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    PRIMARY KEY (cluster_id, pos)
  );

  -- The audit chain. entry is the AuditInput as JSON, the one source of truth
  -- the hash covers; the filter columns are generated from it.
  CREATE TABLE kubently_audit (
    seq            INTEGER PRIMARY KEY,
    entry          TEXT NOT NULL,
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL,
    at             INTEGER GENERATED ALWAYS AS (json_extract(entry, '$.at')) VIRTUAL,
    event_type     TEXT GENERATED ALWAYS AS (json_extract(entry, '$.eventType')) VIRTUAL,
    identity       TEXT GENERATED ALWAYS AS (json_extract(entry, '$.identity')) VIRTUAL,
    cluster_id     TEXT GENERATED ALWAYS AS (json_extract(entry, '$.clusterId')) VIRTUAL,
    session_id     TEXT GENERATED ALWAYS AS (json_extract(entry, '$.sessionId')) VIRTUAL,
    correlation_id TEXT GENERATED ALWAYS AS (json_extract(entry, '$.correlationId')) VIRTUAL
  );
  CREATE INDEX kubently_audit_cluster ON kubently_audit (cluster_id, seq);
  CREATE INDEX kubently_audit_session ON kubently_audit (session_id, seq);
  CREATE INDEX kubently_audit_correlation ON kubently_audit (correlation_id, seq);
  CREATE INDEX kubently_audit_at ON kubently_audit (at);
  `,
  // 1 -> 2: shared fixed-window counters (rate limits).
  `
  CREATE TABLE kubently_counters (
    key TEXT PRIMARY KEY,
    reset_at INTEGER NOT NULL,
    count INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX kubently_counters_reset ON kubently_counters (reset_at);
  `,
  // 2 -> 3: streamed command output. One row per stream holds what an append
  // checks (the next seq) and what the purge looks for (the expiry), so
  // neither reads the chunks; chunks can be large, hence a rowid table.
  `
  CREATE TABLE kubently_streams (
    command_id TEXT PRIMARY KEY,
    next_seq   INTEGER NOT NULL,
    -- UTF-8 size of every chunk stored.
    bytes      INTEGER NOT NULL,
    -- Last append + the result TTL.
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX kubently_streams_expiry ON kubently_streams (expires_at);

  CREATE TABLE kubently_stream_chunks (
    command_id TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (command_id, seq)
  );
  `,
  // 3 -> 4: the audit outbox. Set in the statement that stores a result (an
  // agent's, or the queue's own end of a command) while its terminal audit
  // entry is not confirmed: when the mark was set or last renewed; NULL
  // otherwise. Results stored before this migration are left unmarked: what
  // happened to their audit is not known, and guessing could write an entry twice.
  `
  ALTER TABLE kubently_commands ADD COLUMN unaudited_since INTEGER;
  CREATE INDEX kubently_commands_unaudited ON kubently_commands (unaudited_since) WHERE unaudited_since IS NOT NULL;
  `,
  // 4 -> 5: console users (docs/login.md) and the sessions they signed out
  // of, kept until the session would have expired anyway.
  `
  CREATE TABLE kubently_users (
    username            TEXT PRIMARY KEY,
    password_hash       TEXT,
    role                TEXT NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER,
    disabled            INTEGER,
    oidc_subject        TEXT,
    sessions_not_before INTEGER,
    last_login_at       INTEGER
  ) WITHOUT ROWID;

  CREATE TABLE kubently_revoked_sessions (
    jti        TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX kubently_revoked_sessions_expiry ON kubently_revoked_sessions (expires_at);
  `,
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Applies connection settings and brings the schema up to date, in one
 * `BEGIN IMMEDIATE` transaction so two processes opening a new file at once
 * do not both migrate it.
 *
 * - WAL: readers never block the writer, and commits need no fsync of the
 *   main file; `synchronous = NORMAL` is safe with WAL (a power loss may drop
 *   the last commits, never corrupt the file).
 * - `busy_timeout`: a connection waits this long for another one's write
 *   lock before failing with `BACKEND_UNAVAILABLE`.
 */
export function prepareDatabase(db: SqliteDriver, options: { busyTimeoutMs: number }): void {
  db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}`);
  // Answers "memory" for an in-memory database, which is fine.
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  // Checkpoints are where WAL mode fsyncs; every 1,000 pages (the default) they dominated the
  // execute path. 10,000 pages (~40 MiB of WAL) makes them rare; durability is unchanged.
  db.exec("PRAGMA wal_autocheckpoint = 10000");
  db.transaction(() => {
    db.exec("CREATE TABLE IF NOT EXISTS kubently_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    const row = db.prepare("SELECT value FROM kubently_meta WHERE key = 'schema_version'").get<{ value: string }>();
    const version = row ? Number(row.value) : 0;
    if (!Number.isInteger(version) || version > SCHEMA_VERSION) {
      throw new KubentlyError(
        "BACKEND_UNAVAILABLE",
        `sqlite: the database has schema version ${row?.value}, newer than this Kubently understands (${SCHEMA_VERSION}); upgrade Kubently`,
      );
    }
    for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
    if (version !== SCHEMA_VERSION) {
      db.prepare("INSERT INTO kubently_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .run(String(SCHEMA_VERSION));
    }
  })();
}
