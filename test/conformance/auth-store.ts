/**
 * Conformance suite for {@link AuthStore}: every adapter runs it unchanged.
 *
 * @example describeAuthStore("memory", fromBackend(() => memoryBackend(), "auth"));
 */
import { describe, expect } from "bun:test";
import type { AuthStore } from "../../lib/contracts.ts";
import type { AgentTokenRecord, ApiKeyRecord, Cluster } from "../../lib/schemas.ts";
import { expectKubentlyError, harness, uid } from "./_harness.ts";
import type { ConformanceOptions, Make } from "./_options.ts";

function apiKey(over: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    id: `key-${uid()}`,
    hash: `hash-${uid()}`,
    name: "ci-bot",
    role: "operator",
    clusters: ["prod-eu"],
    namespaces: ["default", "web"],
    createdAt: Date.now(),
    ...over,
  };
}

function cluster(over: Partial<Cluster> = {}): Cluster {
  return { id: `c-${uid()}`, createdAt: Date.now(), ...over };
}

function token(over: Partial<AgentTokenRecord> = {}): AgentTokenRecord {
  return { id: `tok-${uid()}`, hash: `hash-${uid()}`, createdAt: Date.now(), ...over };
}

const byId = <T extends { id: string }>(xs: T[]) => [...xs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

/** Registers the AuthStore conformance suite for one adapter. */
export function describeAuthStore(name: string, make: Make<AuthStore>, options: ConformanceOptions = {}): void {
  describe(`AuthStore conformance: ${name}`, () => {
    const h = harness(options);
    const fresh = () => h.make(make, {});
    const it = h.test;

    // --- API keys -------------------------------------------------------------

    it("createApiKey(record) then findApiKey(hash) returns it", async () => {
      const a = await fresh();
      const k = apiKey();
      await a.createApiKey(k);
      expect(await a.findApiKey(k.hash)).toEqual(k);
    });

    it("createApiKey(record) keeps optional fields absent", async () => {
      const a = await fresh();
      const k: ApiKeyRecord = { id: `key-${uid()}`, hash: `hash-${uid()}`, name: "admin", role: "admin", createdAt: 1 };
      await a.createApiKey(k);
      // toEqual tells a missing field from `null`; scope fields that are absent mean "unrestricted".
      expect(await a.findApiKey(k.hash)).toEqual(k);
    });

    it("findApiKey(hash) of an unknown hash returns null", async () => {
      const a = await fresh();
      await a.createApiKey(apiKey());
      expect(await a.findApiKey(`hash-${uid()}`)).toBeNull();
    });

    it("createApiKey(record) with a known id throws CONFLICT", async () => {
      const a = await fresh();
      const k = apiKey();
      await a.createApiKey(k);
      await expectKubentlyError(a.createApiKey({ ...k, hash: `hash-${uid()}`, name: "other" }), "CONFLICT");
      expect(await a.findApiKey(k.hash)).toEqual(k);
      expect((await a.listApiKeys()).length).toBe(1);
    });

    it("revokeApiKey(id, at) hides the key from findApiKey(hash)", async () => {
      const a = await fresh();
      const k = apiKey();
      const other = apiKey();
      await a.createApiKey(k);
      await a.createApiKey(other);
      expect(await a.revokeApiKey(k.id, 1234)).toBe(true);
      expect(await a.findApiKey(k.hash)).toBeNull();
      expect(await a.findApiKey(other.hash)).toEqual(other);
    });

    it("revokeApiKey(id) of an unknown key returns false", async () => {
      const a = await fresh();
      expect(await a.revokeApiKey(`key-${uid()}`)).toBe(false);
    });

    it("listApiKeys() returns every key, revoked ones included", async () => {
      const a = await fresh();
      expect(await a.listApiKeys()).toEqual([]);
      const keys = [apiKey(), apiKey({ role: "viewer" }), apiKey({ role: "admin" })];
      for (const k of keys) await a.createApiKey(k);
      const before = Date.now();
      await a.revokeApiKey(keys[1]!.id);
      const listed = byId(await a.listApiKeys());
      expect(listed.map((k) => k.id)).toEqual(byId(keys).map((k) => k.id));
      const revoked = listed.find((k) => k.id === keys[1]!.id)!;
      expect(revoked.revokedAt).toBeGreaterThanOrEqual(before);
      expect(revoked.revokedAt).toBeLessThanOrEqual(Date.now());
      expect(listed.filter((k) => k.revokedAt !== undefined).length).toBe(1);
      expect(byId(listed.map(({ revokedAt: _, ...k }) => k))).toEqual(byId(keys));
    });

    it("touchApiKey(id, at) sets lastUsedAt", async () => {
      const a = await fresh();
      const k = apiKey();
      await a.createApiKey(k);
      await a.touchApiKey(k.id, 1_700_000_000_000);
      expect((await a.findApiKey(k.hash))?.lastUsedAt).toBe(1_700_000_000_000);
      await a.touchApiKey(k.id, 1_700_000_001_000);
      expect((await a.listApiKeys())[0]?.lastUsedAt).toBe(1_700_000_001_000);
      // Touching an unknown key is harmless.
      await a.touchApiKey(`key-${uid()}`, 1);
    });

    // --- clusters -------------------------------------------------------------

    it("registerCluster(cluster) then getCluster(id) returns it", async () => {
      const a = await fresh();
      const c = cluster();
      expect(await a.registerCluster(c)).toBe(true);
      expect(await a.getCluster(c.id)).toEqual(c);
      expect(await a.getCluster(`c-${uid()}`)).toBeNull();
    });

    it("registerCluster(cluster) of a known id returns false and changes nothing", async () => {
      const a = await fresh();
      const c = cluster({ lastSeenAt: 5, agent: { version: "1.0.0" } });
      await a.registerCluster(c);
      expect(await a.registerCluster({ id: c.id, createdAt: 99, agent: { version: "2.0.0" } })).toBe(false);
      expect(await a.getCluster(c.id)).toEqual(c);
    });

    it("listClusters() returns every cluster ordered by id", async () => {
      const a = await fresh();
      expect(await a.listClusters()).toEqual([]);
      const cs = ["b-cluster", "a-cluster", "c-cluster", "a-cluster-2"].map((id) => cluster({ id }));
      for (const c of cs) await a.registerCluster(c);
      expect(await a.listClusters()).toEqual(byId(cs));
    });

    it("updateCluster(id, patch) merges lastSeenAt and agent", async () => {
      const a = await fresh();
      const c = cluster();
      await a.registerCluster(c);
      expect(await a.updateCluster(c.id, { lastSeenAt: 1_000 })).toBe(true);
      expect(await a.getCluster(c.id)).toEqual({ ...c, lastSeenAt: 1_000 });
      const agent = { agentId: "agent-1", version: "1.2.3", capabilities: ["exec"], activeSessions: 2 };
      expect(await a.updateCluster(c.id, { agent })).toBe(true);
      expect(await a.getCluster(c.id)).toEqual({ ...c, lastSeenAt: 1_000, agent });
      expect(await a.updateCluster(c.id, { lastSeenAt: 2_000 })).toBe(true);
      expect(await a.getCluster(c.id)).toEqual({ ...c, lastSeenAt: 2_000, agent });
    });

    it("a run of lastSeenAt-only updates (an agent's polls) shows the latest time everywhere and keeps the agent info", async () => {
      const a = await fresh();
      const agent = { agentId: "agent-1", version: "1.2.3" };
      const c = cluster({ lastSeenAt: 1_000, agent });
      await a.registerCluster(c);
      // The same time twice, then later ones: each answers true (the cluster is known).
      for (const t of [1_000, 1_000, 5_000, 9_000, 9_001]) expect(await a.updateCluster(c.id, { lastSeenAt: t })).toBe(true);
      const now = { ...c, lastSeenAt: 9_001 };
      expect(await a.getCluster(c.id)).toEqual(now);
      expect((await a.listClusters()).find((x) => x.id === c.id)).toEqual(now);
      if (a.listClustersSeen) {
        expect(byId(await a.listClustersSeen(9_001, 9_002))).toEqual([now]);
        expect(await a.listClustersSeen(1_000, 9_001)).toEqual([]);
      }
      // A goodbye (0), then a poll again: back in the windows with the new time.
      expect(await a.updateCluster(c.id, { lastSeenAt: 0 })).toBe(true);
      expect((await a.getCluster(c.id))?.lastSeenAt).toBe(0);
      expect(await a.updateCluster(c.id, { lastSeenAt: 12_000 })).toBe(true);
      expect(await a.getCluster(c.id)).toEqual({ ...c, lastSeenAt: 12_000 });
      // A never-seen cluster's first poll sets its time; a deleted one's poll registers nothing.
      const fresh2 = cluster();
      await a.registerCluster(fresh2);
      expect(await a.updateCluster(fresh2.id, { lastSeenAt: 3_000 })).toBe(true);
      expect(await a.getCluster(fresh2.id)).toEqual({ ...fresh2, lastSeenAt: 3_000 });
      await a.deleteCluster(c.id);
      expect(await a.updateCluster(c.id, { lastSeenAt: 13_000 })).toBe(false);
      expect(await a.getCluster(c.id)).toBeNull();
      if (a.listClustersSeen) expect((await a.listClustersSeen(1, 20_000)).map((x) => x.id)).toEqual([fresh2.id]);
    });

    it("listClustersSeen(from, to) returns exactly the clusters last seen in [from, to), as updated and deleted", async () => {
      const a = await fresh();
      if (!a.listClustersSeen) return;
      const at = (lastSeenAt: number) => cluster({ lastSeenAt });
      const early = at(1_000);
      const start = at(2_000);
      const inside = at(2_500);
      const end = at(3_000);
      const never = cluster();
      for (const c of [early, start, inside, end, never]) await a.registerCluster(c);
      expect(byId(await a.listClustersSeen(2_000, 3_000))).toEqual(byId([start, inside]));
      // A heartbeat moves a cluster out of (and into) windows; a goodbye (lastSeenAt 0) takes it out of any.
      expect(await a.updateCluster(early.id, { lastSeenAt: 2_900 })).toBe(true);
      expect(await a.updateCluster(start.id, { lastSeenAt: 0 })).toBe(true);
      expect(await a.updateCluster(never.id, { lastSeenAt: 2_100, agent: { agentId: "x" } })).toBe(true);
      expect(byId(await a.listClustersSeen(2_000, 3_000))).toEqual(byId([{ ...early, lastSeenAt: 2_900 }, inside, { ...never, lastSeenAt: 2_100, agent: { agentId: "x" } }]));
      await a.deleteCluster(inside.id);
      expect((await a.listClustersSeen(1, 10_000)).map((c) => c.id).sort()).toEqual([early.id, end.id, never.id].sort());
    });

    it("updateCluster(id, patch) of an unknown cluster returns false and registers nothing", async () => {
      const a = await fresh();
      const id = `c-${uid()}`;
      expect(await a.updateCluster(id, { lastSeenAt: 1 })).toBe(false);
      expect(await a.getCluster(id)).toBeNull();
    });

    it("deleteCluster(id) removes the cluster and its agent tokens", async () => {
      const a = await fresh();
      const c = cluster();
      const kept = cluster();
      await a.registerCluster(c);
      await a.registerCluster(kept);
      await a.setAgentTokens(c.id, [token()]);
      const keptTokens = [token()];
      await a.setAgentTokens(kept.id, keptTokens);
      expect(await a.deleteCluster(c.id)).toBe(true);
      expect(await a.getCluster(c.id)).toBeNull();
      expect(await a.getAgentTokens(c.id)).toEqual([]);
      expect(await a.listClusters()).toEqual([kept]);
      expect(await a.getAgentTokens(kept.id)).toEqual(keptTokens);
      // Registered again, it starts without tokens.
      await a.registerCluster(c);
      expect(await a.getAgentTokens(c.id)).toEqual([]);
    });

    it("deleteCluster(id) of an unknown cluster returns false", async () => {
      const a = await fresh();
      expect(await a.deleteCluster(`c-${uid()}`)).toBe(false);
    });

    // --- agent tokens ---------------------------------------------------------

    it("setAgentTokens(cluster, tokens) then getAgentTokens(cluster) returns them", async () => {
      const a = await fresh();
      const c = cluster();
      await a.registerCluster(c);
      expect(await a.getAgentTokens(c.id)).toEqual([]);
      const current = token();
      const grace = token({ createdAt: 1, expiresAt: Date.now() + 60_000 });
      expect(await a.setAgentTokens(c.id, [current, grace])).toBe(true);
      expect(await a.getAgentTokens(c.id)).toEqual([current, grace]);
    });

    it("setAgentTokens(cluster, tokens) replaces the existing tokens", async () => {
      const a = await fresh();
      const c = cluster();
      await a.registerCluster(c);
      await a.setAgentTokens(c.id, [token(), token()]);
      const next = [token()];
      expect(await a.setAgentTokens(c.id, next)).toBe(true);
      expect(await a.getAgentTokens(c.id)).toEqual(next);
      expect(await a.setAgentTokens(c.id, [])).toBe(true);
      expect(await a.getAgentTokens(c.id)).toEqual([]);
    });

    it("setAgentTokens(cluster, tokens, { ifNone }) writes only when the cluster has no token", async () => {
      const a = await fresh();
      const c = cluster();
      await a.registerCluster(c);
      const first = [token()];
      expect(await a.setAgentTokens(c.id, first, { ifNone: true })).toBe(true);
      expect(await a.getAgentTokens(c.id)).toEqual(first);
      expect(await a.setAgentTokens(c.id, [token()], { ifNone: true })).toBe(false);
      expect(await a.getAgentTokens(c.id)).toEqual(first);
      // An emptied token list counts as none.
      await a.setAgentTokens(c.id, []);
      const second = [token()];
      expect(await a.setAgentTokens(c.id, second, { ifNone: true })).toBe(true);
      expect(await a.getAgentTokens(c.id)).toEqual(second);
    });

    it("setAgentTokens(cluster, tokens, { ifNone }) lets exactly one of concurrent writers win", async () => {
      const a = await fresh();
      const c = cluster();
      await a.registerCluster(c);
      const candidates = Array.from({ length: 5 }, () => [token()]);
      const wins = await Promise.all(candidates.map((t) => a.setAgentTokens(c.id, t, { ifNone: true })));
      expect(wins.filter(Boolean).length).toBe(1);
      expect(await a.getAgentTokens(c.id)).toEqual(candidates[wins.indexOf(true)]!);
    });

    it("getAgentTokens(cluster) and findApiKey(hash) do not share objects with the caller", async () => {
      const a = await fresh();
      const c = cluster();
      await a.registerCluster(c);
      const tokens = [token()];
      const stored = structuredClone(tokens);
      await a.setAgentTokens(c.id, tokens);
      tokens[0]!.hash = "changed";
      (await a.getAgentTokens(c.id))[0]!.hash = "changed too";
      expect(await a.getAgentTokens(c.id)).toEqual(stored);
      const k = apiKey();
      await a.createApiKey(k);
      (await a.findApiKey(k.hash))!.role = "admin";
      expect((await a.findApiKey(k.hash))?.role).toBe("operator");
    });

    h.done();
  });
}
