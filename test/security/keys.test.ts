/**
 * Key and agent-token administration (lib/keys.ts) at the service level, as
 * an admin: what is stored, what is shown, what is audited. The role matrix
 * is in roles.test.ts.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { memoryBackend } from "../../adapters/memory/index.ts";
import type { CoreContext } from "../../lib/context.ts";
import { createAuthenticator } from "../../lib/identity.ts";
import { createMetrics } from "../../lib/metrics.ts";
import { createPipeline } from "../../lib/policy.ts";
import type { Identity } from "../../lib/schemas.ts";
import { createServices } from "../../lib/services.ts";
import { createSigner } from "../../lib/signing.ts";
import { hashSecret } from "../../lib/_utils.ts";

const ADMIN: Identity = { kind: "admin", name: "root", keyId: "k-root", role: "admin" };
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function setup() {
  const backend = memoryBackend();
  const context: CoreContext = { backend, pipeline: createPipeline([], "api"), authenticator: createAuthenticator(backend.auth, []), metrics: createMetrics(), signer: createSigner() };
  const services = createServices(context);
  closers.push(() => backend.close());
  await services.clusters.register("c1");
  const audit = async () => (await backend.audit.query({})).reverse().map(({ eventType, identity, role, clusterId, reason }) => ({ eventType, identity, role, clusterId, reason }));
  return { backend, keys: services.keys, authenticator: context.authenticator, audit };
}

describe("keys.create(admin, input)", () => {
  test("stores only the hash, shows the secret once, copies the scope, and audits", async () => {
    const { backend, keys, authenticator, audit } = await setup();
    const clusters = ["c1"];
    const before = Date.now();
    const { key, record } = await keys.create(ADMIN, { name: "ci", role: "operator", clusters, namespaces: ["shop"] });
    clusters.push("c2");
    expect(key).toMatch(/^kbt_[A-Za-z0-9_-]{32}$/);
    expect(record).toEqual({ id: expect.any(String), name: "ci", role: "operator", createdAt: expect.any(Number), clusters: ["c1"], namespaces: ["shop"] });
    expect(record.createdAt).toBeGreaterThanOrEqual(before);
    const [stored] = await backend.auth.listApiKeys();
    expect(stored).toEqual({ ...record, hash: hashSecret(key) });
    expect(await authenticator.authenticate(key)).toMatchObject({ name: "ci", role: "operator", clusters: ["c1"], namespaces: ["shop"] });
    expect(await audit()).toEqual([{ eventType: "key.created", identity: "root", role: "admin", clusterId: undefined, reason: `key ${record.id} for ci (operator)` }]);
  });

  test("a key without scope has no clusters or namespaces members", async () => {
    const { keys } = await setup();
    const { record } = await keys.create(ADMIN, { name: "all", role: "viewer" });
    expect(Object.keys(record).sort()).toEqual(["createdAt", "id", "name", "role"]);
  });
});

describe("keys.list(admin)", () => {
  test("lists every key oldest first, never the hash", async () => {
    const { backend, keys } = await setup();
    for (const [id, createdAt] of [["b", 2], ["c", 3], ["a", 1]] as const) await backend.auth.createApiKey({ id, hash: `h-${id}`, name: id, role: "viewer", createdAt });
    const listed = await keys.list(ADMIN);
    expect(listed.map((k) => k.id)).toEqual(["a", "b", "c"]);
    expect(listed.every((k) => !("hash" in k))).toBe(true);
  });
});

describe("keys.revoke(admin, id)", () => {
  test("stops the key at once and audits; an unknown id is NOT_FOUND", async () => {
    const { keys, authenticator, audit } = await setup();
    const { key, record } = await keys.create(ADMIN, { name: "ci", role: "operator" });
    await keys.revoke(ADMIN, record.id);
    await expect(authenticator.authenticate(key)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    expect((await audit()).at(-1)).toEqual({ eventType: "key.revoked", identity: "root", role: "admin", clusterId: undefined, reason: `key ${record.id}` });
    await expect(keys.revoke(ADMIN, "x".repeat(100))).rejects.toMatchObject({ code: "NOT_FOUND", message: `no API key ${"x".repeat(80)}` });
  });
});

describe("keys.createAgentToken(admin, clusterId, token)", () => {
  test("registers the cluster, issues a working token once, and audits", async () => {
    const { backend, keys, authenticator, audit } = await setup();
    const created = await keys.createAgentToken(ADMIN, "c9", "given-token-0123456789");
    expect(created).toEqual({ token: "given-token-0123456789", clusterId: "c9", createdAt: expect.any(Number) });
    expect(await backend.auth.getCluster("c9")).not.toBeNull();
    expect(await authenticator.authenticateAgent("c9", created.token)).toMatchObject({ role: "agent", clusters: ["c9"] });
    await expect(keys.createAgentToken(ADMIN, "c9")).rejects.toMatchObject({ code: "TOKEN_EXISTS", message: "cluster c9 already has an agent token; revoke it first" });
    expect((await audit()).map((e) => e.eventType)).toEqual(["agent.token.created"]);
    expect((await audit())[0]).toMatchObject({ clusterId: "c9", identity: "root" });
  });

  test("refuses a cluster id that is not a DNS label, and a token under 16 characters", async () => {
    const { keys } = await setup();
    // The cluster id is checked first, whatever the token.
    await expect(keys.createAgentToken(ADMIN, "Bad_Id", "short")).rejects.toMatchObject({ code: "VALIDATION_FAILED", message: expect.stringMatching(/^cluster_id "Bad_Id" /) });
    await expect(keys.createAgentToken(ADMIN, "c2", "x".repeat(15))).rejects.toMatchObject({ code: "VALIDATION_FAILED", message: "token must be at least 16 characters" });
    expect((await keys.createAgentToken(ADMIN, "c2", "x".repeat(16))).token).toBe("x".repeat(16));
  });
});

describe("keys.revokeAgentTokens(admin, clusterId)", () => {
  test("cuts every token of the cluster off and audits; an unknown cluster is CLUSTER_NOT_FOUND", async () => {
    const { backend, keys, authenticator, audit } = await setup();
    const { token } = await keys.createAgentToken(ADMIN, "c1");
    await keys.revokeAgentTokens(ADMIN, "c1");
    expect(await backend.auth.getAgentTokens("c1")).toEqual([]);
    await expect(authenticator.authenticateAgent("c1", token)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    expect((await audit()).at(-1)).toMatchObject({ eventType: "agent.token.revoked", clusterId: "c1" });
    await expect(keys.revokeAgentTokens(ADMIN, "nope")).rejects.toMatchObject({ code: "CLUSTER_NOT_FOUND", message: 'cluster "nope" is not registered' });
    await expect(keys.revokeAgentTokens(ADMIN, "n".repeat(100))).rejects.toMatchObject({ message: `cluster "${"n".repeat(80)}" is not registered` });
  });
});

describe("keys.rotateAgentToken(admin, clusterId, graceSeconds)", () => {
  test("the new token works; the old one works for the grace period only; expired ones are dropped", async () => {
    const { backend, keys, authenticator, audit } = await setup();
    const { token: old } = await keys.createAgentToken(ADMIN, "c1");
    const before = Date.now();
    const rotated = await keys.rotateAgentToken(ADMIN, "c1", 60);
    expect(rotated.previousValidUntil).toBeGreaterThanOrEqual(before + 60_000);
    expect(rotated.previousValidUntil).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(rotated.clusterId).toBe("c1");
    expect(await authenticator.authenticateAgent("c1", rotated.token)).toMatchObject({ clusters: ["c1"] });
    expect(await authenticator.authenticateAgent("c1", old)).toMatchObject({ clusters: ["c1"] });
    const tokens = await backend.auth.getAgentTokens("c1");
    expect(tokens.map((t) => t.expiresAt)).toEqual([rotated.previousValidUntil, undefined]);
    expect((await audit()).at(-1)).toMatchObject({ eventType: "agent.token.rotated", clusterId: "c1", reason: "grace 60s" });

    // A second rotation with a longer grace does not extend the first token's grace.
    const again = await keys.rotateAgentToken(ADMIN, "c1", 3600);
    const after = await backend.auth.getAgentTokens("c1");
    expect(after.map((t) => t.expiresAt)).toEqual([rotated.previousValidUntil, again.previousValidUntil, undefined]);

    // Grace 0 cuts every earlier token off at once.
    const cut = await keys.rotateAgentToken(ADMIN, "c1", 0);
    expect((await backend.auth.getAgentTokens("c1")).map((t) => t.expiresAt)).toEqual([undefined]);
    await expect(authenticator.authenticateAgent("c1", old)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(authenticator.authenticateAgent("c1", again.token)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    expect(await authenticator.authenticateAgent("c1", cut.token)).toMatchObject({ role: "agent" });
  });

  test("drops a token already past its grace", async () => {
    const { backend, keys } = await setup();
    await backend.auth.setAgentTokens("c1", [{ id: "gone", hash: "h", createdAt: 1, expiresAt: Date.now() - 1 }, { id: "now", hash: "h2", createdAt: 2, expiresAt: Date.now() + 10_000 }]);
    await keys.rotateAgentToken(ADMIN, "c1", 60);
    const ids = (await backend.auth.getAgentTokens("c1")).map((t) => t.id);
    expect(ids.slice(0, 1)).toEqual(["now"]);
    expect(ids).toHaveLength(2);
  });
});
