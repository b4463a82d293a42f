/**
 * Conformance suite for {@link UserStore} (console users and signed-out
 * sessions): every adapter runs it unchanged.
 *
 * @example describeUserStore("memory", fromBackend(() => memoryBackend(), "users"));
 */
import { describe, expect } from "bun:test";
import type { UserRecord, UserStore } from "../../lib/contracts.ts";
import { harness, sleep, uid } from "./_harness.ts";
import type { ConformanceOptions, Make } from "./_options.ts";

const user = (over: Partial<UserRecord> = {}): UserRecord => ({
  username: `u-${uid()}`,
  passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA",
  role: "viewer",
  createdAt: 1_700_000_000_000,
  ...over,
});

/** Registers the UserStore conformance suite for one adapter. */
export function describeUserStore(name: string, make: Make<UserStore>, options: ConformanceOptions = {}): void {
  describe(`UserStore conformance: ${name}`, () => {
    const h = harness(options);
    const fresh = () => h.make(make, {});
    const it = h.test;

    it("create(user) then get(username) returns the record as given", async () => {
      const s = await fresh();
      const u = user({ updatedAt: 1_700_000_000_500, disabled: false, oidcSubject: "sub-1", sessionsNotBefore: 1_700_000_000_100, lastLoginAt: 1_700_000_000_200 });
      expect(await s.create(u)).toBe(true);
      expect(await s.get(u.username)).toEqual(u);
    });

    it("create(user) keeps absent optional fields absent", async () => {
      const s = await fresh();
      const u: UserRecord = { username: `u-${uid()}`, role: "operator", createdAt: 5 };
      await s.create(u);
      const got = await s.get(u.username);
      expect(got).toEqual(u);
      expect(Object.keys(got!).sort()).toEqual(["createdAt", "role", "username"]);
    });

    it("create(user) answers false when the name exists, and changes nothing", async () => {
      const s = await fresh();
      const u = user({ role: "admin" });
      await s.create(u);
      expect(await s.create({ ...u, role: "viewer", passwordHash: "other" })).toBe(false);
      expect(await s.get(u.username)).toEqual(u);
    });

    it("create(user) by 10 concurrent callers with one name: exactly one wins", async () => {
      const s = await fresh();
      const name = `u-${uid()}`;
      const wins = await Promise.all(Array.from({ length: 10 }, (_, i) => s.create(user({ username: name, passwordHash: `h${i}` }))));
      expect(wins.filter(Boolean).length).toBe(1);
      const winner = wins.indexOf(true);
      expect((await s.get(name))?.passwordHash).toBe(`h${winner}`);
    });

    it("get(username) returns null for an unknown user", async () => {
      const s = await fresh();
      expect(await s.get(`nobody-${uid()}`)).toBeNull();
    });

    it("list() returns every user ordered by name", async () => {
      const s = await fresh();
      const names = ["carol", "alice", "bob.x", "0zed"].map((n) => `${n}-${uid()}`);
      for (const n of names) await s.create(user({ username: n }));
      const listed = await s.list();
      expect(listed.map((u) => u.username)).toEqual([...names].sort());
      expect(listed[0]).toEqual(user({ username: [...names].sort()[0]! }));
    });

    it("update(username, patch) sets the given fields, keeps the others, and returns the record", async () => {
      const s = await fresh();
      const u = user({ oidcSubject: "keep" });
      await s.create(u);
      const after = await s.update(u.username, { role: "admin", disabled: true, updatedAt: 10, passwordHash: undefined });
      const expected: UserRecord = { ...u, role: "admin", disabled: true, updatedAt: 10 };
      expect(after).toEqual(expected);
      expect(await s.get(u.username)).toEqual(expected);
      expect(await s.update(u.username, { disabled: false })).toEqual({ ...expected, disabled: false });
    });

    it("update(username, patch) never changes the name or createdAt", async () => {
      const s = await fresh();
      const u = user();
      await s.create(u);
      await s.update(u.username, { role: "operator", ...({ username: "someone-else", createdAt: 1 } as object) });
      expect(await s.get(u.username)).toMatchObject({ username: u.username, createdAt: u.createdAt, role: "operator" });
      expect(await s.get("someone-else")).toBeNull();
    });

    it("update(username, patch) returns null for an unknown user and creates nothing", async () => {
      const s = await fresh();
      const name = `nobody-${uid()}`;
      expect(await s.update(name, { role: "admin" })).toBeNull();
      expect(await s.get(name)).toBeNull();
    });

    it("delete(username) removes the user; false when unknown", async () => {
      const s = await fresh();
      const u = user();
      await s.create(u);
      expect(await s.delete(u.username)).toBe(true);
      expect(await s.get(u.username)).toBeNull();
      expect((await s.list()).map((x) => x.username)).not.toContain(u.username);
      expect(await s.delete(u.username)).toBe(false);
      expect(await s.create(u)).toBe(true);
    });

    it("revokeSession(jti, expiresAt) makes isSessionRevoked(jti) true; other ids stay valid", async () => {
      const s = await fresh();
      const jti = `j-${uid()}`;
      expect(await s.isSessionRevoked(jti)).toBe(false);
      await s.revokeSession(jti, Date.now() + 3_600_000);
      expect(await s.isSessionRevoked(jti)).toBe(true);
      expect(await s.isSessionRevoked(`j-${uid()}`)).toBe(false);
    });

    it("isSessionRevoked(jti) is false again once the expiry given has passed", async () => {
      const s = await fresh();
      const jti = `j-${uid()}`;
      await s.revokeSession(jti, Date.now() + 300);
      expect(await s.isSessionRevoked(jti)).toBe(true);
      await sleep(450);
      expect(await s.isSessionRevoked(jti)).toBe(false);
    });
  });
}
