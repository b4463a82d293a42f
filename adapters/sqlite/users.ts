/**
 * The SQLite UserStore: one row per user (plain columns, NULL for an absent
 * field) and the signed-out session ids until their expiry. An update reads
 * and writes the row in one `BEGIN IMMEDIATE` transaction.
 */
import type { UserPatch, UserRecord, UserRole, UserStore } from "../../lib/contracts.ts";
import type { SqliteDriver } from "./_driver.ts";

interface UserRow {
  username: string;
  password_hash: string | null;
  role: UserRole;
  created_at: number;
  updated_at: number | null;
  disabled: number | null;
  oidc_subject: string | null;
  sessions_not_before: number | null;
  last_login_at: number | null;
}

const COLUMNS = "username, password_hash, role, created_at, updated_at, disabled, oidc_subject, sessions_not_before, last_login_at";

function toUser(row: UserRow): UserRecord {
  const user: UserRecord = { username: row.username, role: row.role, createdAt: row.created_at };
  if (row.password_hash !== null) user.passwordHash = row.password_hash;
  if (row.updated_at !== null) user.updatedAt = row.updated_at;
  if (row.disabled !== null) user.disabled = row.disabled === 1;
  if (row.oidc_subject !== null) user.oidcSubject = row.oidc_subject;
  if (row.sessions_not_before !== null) user.sessionsNotBefore = row.sessions_not_before;
  if (row.last_login_at !== null) user.lastLoginAt = row.last_login_at;
  return user;
}

const values = (u: UserRecord) => [
  u.username,
  u.passwordHash ?? null,
  u.role,
  u.createdAt,
  u.updatedAt ?? null,
  u.disabled === undefined ? null : u.disabled ? 1 : 0,
  u.oidcSubject ?? null,
  u.sessionsNotBefore ?? null,
  u.lastLoginAt ?? null,
];

/** SQLite UserStore; `purge` drops revocations past their expiry. */
export function sqliteUsers(db: SqliteDriver): UserStore & { purge(now: number): void } {
  const read = (username: string) => db.prepare(`SELECT ${COLUMNS} FROM kubently_users WHERE username = ?`).get<UserRow>(username);
  const update = db.transaction((username: string, patch: UserPatch): UserRecord | null => {
    const row = read(username);
    if (!row) return null;
    const next: UserRecord = { ...toUser(row) };
    for (const [k, v] of Object.entries(patch)) if (v !== undefined) (next as unknown as Record<string, unknown>)[k] = v;
    next.username = row.username;
    next.createdAt = row.created_at;
    db.prepare(
      // Every column but the key and created_at, in COLUMNS order.
      `UPDATE kubently_users SET password_hash = ?, role = ?, updated_at = ?, disabled = ?, oidc_subject = ?, sessions_not_before = ?, last_login_at = ? WHERE username = ?`,
    ).run(...values(next).slice(1, 3), ...values(next).slice(4), username);
    return next;
  });
  return {
    async create(user) {
      const { changes } = db
        .prepare(`INSERT INTO kubently_users (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING`)
        .run(...values(user));
      return changes > 0;
    },
    async get(username) {
      const row = read(username);
      return row && toUser(row);
    },
    async list() {
      return db.prepare(`SELECT ${COLUMNS} FROM kubently_users ORDER BY username`).all<UserRow>().map(toUser);
    },
    async update(username, patch) {
      return update(username, patch);
    },
    async delete(username) {
      return db.prepare("DELETE FROM kubently_users WHERE username = ?").run(username).changes > 0;
    },
    async revokeSession(jti, expiresAt) {
      db.prepare(
        "INSERT INTO kubently_revoked_sessions (jti, expires_at) VALUES (?, ?) ON CONFLICT (jti) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)",
      ).run(jti, expiresAt);
    },
    async isSessionRevoked(jti) {
      return db.prepare("SELECT 1 AS yes FROM kubently_revoked_sessions WHERE jti = ? AND expires_at > ?").get(jti, Date.now()) !== null;
    },
    purge(now) {
      db.prepare("DELETE FROM kubently_revoked_sessions WHERE expires_at <= ?").run(now);
    },
  };
}
