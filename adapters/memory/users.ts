/**
 * The in-memory UserStore: console users and signed-out sessions, in this
 * process only. Users are few and made by admins, so they are not bounded;
 * a revoked session id is kept until its expiry, then swept.
 */
import type { UserRecord, UserStore } from "../../lib/contracts.ts";
import { clone } from "../../lib/_utils.ts";

/** How often (at most) the revocations are walked for expired ones. */
const SWEEP_MS = 60_000;

/** Creates an in-memory UserStore. */
export function memoryUsers(): UserStore {
  const users = new Map<string, UserRecord>();
  const revoked = new Map<string, number>();
  let sweptAt = Date.now();
  const sweep = (now: number) => {
    if (now - sweptAt < SWEEP_MS) return;
    sweptAt = now;
    for (const [jti, until] of revoked) if (until <= now) revoked.delete(jti);
  };
  return {
    async create(user) {
      if (users.has(user.username)) return false;
      users.set(user.username, clone(user));
      return true;
    },
    async get(username) {
      const u = users.get(username);
      return u ? clone(u) : null;
    },
    async list() {
      return [...users.values()].sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0)).map(clone);
    },
    async update(username, patch) {
      const u = users.get(username);
      if (!u) return null;
      for (const [k, v] of Object.entries(clone(patch))) {
        if (v !== undefined && k !== "username" && k !== "createdAt") (u as unknown as Record<string, unknown>)[k] = v;
      }
      return clone(u);
    },
    async delete(username) {
      return users.delete(username);
    },
    async revokeSession(jti, expiresAt) {
      const now = Date.now();
      sweep(now);
      if (expiresAt > now) revoked.set(jti, Math.max(expiresAt, revoked.get(jti) ?? 0));
    },
    async isSessionRevoked(jti) {
      const until = revoked.get(jti);
      return until !== undefined && until > Date.now();
    },
  };
}
