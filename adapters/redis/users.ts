/**
 * The Redis UserStore: one hash per user (field values JSON, like every
 * record here) in a set of names, and one key per signed-out session that
 * Redis expires with the session. Creates, updates and deletes are Lua
 * scripts, so replicas never race on a record.
 */
import type { UserRecord, UserStore } from "../../lib/contracts.ts";
import { guarded, type Runtime, type RuntimeSource } from "./_runtime.ts";
import { fromFields, toFields } from "./stores.ts";

/** Creates the Redis UserStore. */
export function redisUsers(rt: RuntimeSource): UserStore {
  const user = (r: Runtime, name: string) => `${r.prefix}:user:${name}`;
  const users = (r: Runtime) => `${r.prefix}:users`;
  const revoked = (r: Runtime, jti: string) => `${r.prefix}:revoked:${jti}`;
  return {
    create: (record) =>
      guarded(async () => {
        const r = await rt();
        return (await r.run("userCreate", [user(r, record.username), users(r)], [record.username, ...toFields(record)])) === 1;
      }),
    get: (username) =>
      guarded(async () => {
        const r = await rt();
        return fromFields<UserRecord>(await r.redis.hgetall(user(r, username)));
      }),
    list: () =>
      guarded(async () => {
        const r = await rt();
        const names = (await r.redis.smembers(users(r))).sort();
        if (!names.length) return [];
        const pipeline = r.redis.pipeline();
        for (const name of names) pipeline.hgetall(user(r, name));
        const out: UserRecord[] = [];
        for (const [err, hash] of (await pipeline.exec()) ?? []) {
          if (err) throw err;
          const record = fromFields<UserRecord>(hash as Record<string, string>);
          if (record) out.push(record);
        }
        return out;
      }),
    update: (username, patch) =>
      guarded(async () => {
        const r = await rt();
        const { username: _name, createdAt: _created, ...fields } = patch as Partial<UserRecord>;
        return fromFields<UserRecord>(await r.run<string[] | null>("userUpdate", [user(r, username)], toFields(fields)));
      }),
    delete: (username) =>
      guarded(async () => {
        const r = await rt();
        return (await r.run("userDelete", [user(r, username), users(r)], [username])) === 1;
      }),
    revokeSession: (jti, expiresAt) =>
      guarded(async () => {
        const r = await rt();
        const px = Math.ceil(expiresAt - Date.now());
        if (px > 0) await r.redis.set(revoked(r, jti), "1", "PX", px);
      }),
    isSessionRevoked: (jti) =>
      guarded(async () => {
        const r = await rt();
        return (await r.redis.exists(revoked(r, jti))) === 1;
      }),
  };
}
