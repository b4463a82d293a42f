/**
 * Who is calling (lib/identity.ts): key parsing, the secret a request
 * carries, the authenticator over configured and stored keys and agent
 * tokens, and the role and cluster checks every service uses.
 */
import { describe, expect, setSystemTime, test } from "bun:test";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { canUseCluster, createAuthenticator, mintAgentToken, parseApiKeys, presentedSecret, requireRole } from "../../lib/identity.ts";
import type { Identity } from "../../lib/schemas.ts";
import { hashSecret } from "../../lib/_utils.ts";

const id = (over: Partial<Identity>): Identity => ({ kind: "service", name: "svc", keyId: "k", role: "operator", ...over });

describe("parseApiKeys(text, role)", () => {
  test("reads service:key pairs, trims, skips empty parts, and defaults the name and role", () => {
    expect(parseApiKeys(" ci:k1 , ,default-only ,ops:with:colon")).toEqual([
      { name: "ci", key: "k1", role: "operator" },
      { name: "default", key: "default-only", role: "operator" },
      { name: "ops", key: "with:colon", role: "operator" },
    ]);
    expect(parseApiKeys("root:k", "admin")).toEqual([{ name: "root", key: "k", role: "admin" }]);
  });

  test("returns [] for no text", () => {
    expect(parseApiKeys(undefined)).toEqual([]);
    expect(parseApiKeys("")).toEqual([]);
  });

  test("refuses an empty key or an empty name", () => {
    for (const text of ["ci:", ":k1"]) {
      expect(() => parseApiKeys(text)).toThrow(expect.objectContaining({ code: "VALIDATION_FAILED", message: "API keys must be written service:key" }));
    }
  });
});

describe("presentedSecret(headers)", () => {
  const h = (init: Record<string, string>) => new Headers(init);
  test("prefers X-API-Key (trimmed), else a Bearer token, else null", () => {
    expect(presentedSecret(h({ "x-api-key": " k1 ", authorization: "Bearer t1" }))).toBe("k1");
    expect(presentedSecret(h({ authorization: "Bearer t1" }))).toBe("t1");
    expect(presentedSecret(h({ authorization: "bearer   t1  " }))).toBe("t1");
    expect(presentedSecret(h({}))).toBeNull();
  });

  test("does not take a malformed Authorization header", () => {
    for (const value of ["Basic dTpw", "Bearer", "Bearer a b", "xBearer t1", "Bearer t1 x"]) {
      expect({ value, secret: presentedSecret(h({ authorization: value })) }).toEqual({ value, secret: null });
    }
  });
});

describe("createAuthenticator(auth, configured)", () => {
  test("authenticate: a configured key acts as its service with its role and scope", async () => {
    const a = createAuthenticator(memoryBackend().auth, [
      { name: "root", key: "root-secret", role: "admin" },
      { name: "ci", key: "ci-secret" },
      { name: "scoped", key: "scoped-secret", role: "viewer", clusters: ["c1"], namespaces: ["shop"] },
    ]);
    expect(await a.authenticate("root-secret")).toEqual({ kind: "admin", name: "root", keyId: "config:root", role: "admin" });
    expect(await a.authenticate("ci-secret")).toEqual({ kind: "service", name: "ci", keyId: "config:ci", role: "operator" });
    expect(await a.authenticate("scoped-secret")).toEqual({ kind: "service", name: "scoped", keyId: "config:scoped", role: "viewer", clusters: ["c1"], namespaces: ["shop"] });
  });

  test("authenticate: a stored key acts as its record, is touched, and stops at revocation", async () => {
    const backend = memoryBackend();
    await backend.auth.createApiKey({ id: "k1", hash: hashSecret("stored-secret"), name: "bot", role: "admin", createdAt: 1, clusters: ["c1"], namespaces: ["ns"] });
    await backend.auth.createApiKey({ id: "k2", hash: hashSecret("plain-secret"), name: "plain", role: "viewer", createdAt: 2 });
    const a = createAuthenticator(backend.auth, []);
    expect(await a.authenticate("stored-secret")).toEqual({ kind: "admin", name: "bot", keyId: "k1", role: "admin", clusters: ["c1"], namespaces: ["ns"] });
    expect(await a.authenticate("plain-secret")).toEqual({ kind: "service", name: "plain", keyId: "k2", role: "viewer" });
    await new Promise((r) => setTimeout(r, 5));
    expect((await backend.auth.listApiKeys()).find((k) => k.id === "k1")?.lastUsedAt).toBeNumber();
    await backend.auth.revokeApiKey("k1");
    await expect(a.authenticate("stored-secret")).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });

  test("authenticate: no secret or an unknown one is UNAUTHENTICATED", async () => {
    const a = createAuthenticator(memoryBackend().auth, [{ name: "ci", key: "ci-secret" }]);
    for (const secret of [null, "", "ci-secreT", "ci-secret "]) {
      await expect(a.authenticate(secret)).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: "a valid API key is required (X-API-Key or Authorization: Bearer)" });
    }
  });

  test("authenticateAgent: a cluster's current token, or one still in its grace period, for that cluster only", async () => {
    const backend = memoryBackend();
    const current = mintAgentToken("current-token-0123456789");
    const grace = mintAgentToken("grace-token-0123456789");
    const expired = mintAgentToken("expired-token-0123456789");
    await backend.auth.registerCluster({ id: "c1", createdAt: 1 });
    await backend.auth.setAgentTokens("c1", [current.record, { ...grace.record, expiresAt: Date.now() + 60_000 }, { ...expired.record, expiresAt: Date.now() - 1 }]);
    const a = createAuthenticator(backend.auth, []);
    expect(await a.authenticateAgent("c1", current.token)).toEqual({ kind: "agent", name: "agent:c1", keyId: current.record.id, role: "agent", clusters: ["c1"] });
    expect((await a.authenticateAgent("c1", grace.token)).keyId).toBe(grace.record.id);
    await expect(a.authenticateAgent("c1", expired.token)).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: "the agent token is not valid for cluster c1" });
    await expect(a.authenticateAgent("c2", current.token)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(a.authenticateAgent("c1", null)).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: "an agent token is required (Authorization: Bearer)" });
  });

  test("authenticateAgent: a token whose grace ends this very millisecond no longer works", async () => {
    const backend = memoryBackend();
    const t = mintAgentToken("edge-token-0123456789");
    const now = 1_800_000_000_000;
    await backend.auth.setAgentTokens("c1", [{ ...t.record, expiresAt: now }]);
    const a = createAuthenticator(backend.auth, []);
    try {
      setSystemTime(new Date(now - 1));
      expect((await a.authenticateAgent("c1", t.token)).keyId).toBe(t.record.id);
      setSystemTime(new Date(now));
      await expect(a.authenticateAgent("c1", t.token)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    } finally {
      setSystemTime();
    }
  });

  test("an agent token is not an API key, and an API key is not an agent token", async () => {
    const backend = memoryBackend();
    const t = mintAgentToken("agent-token-0123456789");
    await backend.auth.setAgentTokens("c1", [t.record]);
    const a = createAuthenticator(backend.auth, [{ name: "ci", key: "ci-secret-0123456789" }]);
    await expect(a.authenticate(t.token)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(a.authenticateAgent("c1", "ci-secret-0123456789")).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });
});

describe("mintAgentToken(token)", () => {
  test("keeps only the sha256 of the secret, with a fresh id and the creation time", () => {
    const before = Date.now();
    const { token, record } = mintAgentToken();
    expect(token).toMatch(/^kat_[A-Za-z0-9_-]{32}$/);
    expect(record.hash).toBe(hashSecret(token));
    expect(record.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(record.createdAt).toBeGreaterThanOrEqual(before);
    expect(record.createdAt).toBeLessThanOrEqual(Date.now());
    expect(mintAgentToken("given-token").token).toBe("given-token");
    expect(mintAgentToken().token).not.toBe(token);
  });
});

describe("canUseCluster(identity, clusterId)", () => {
  test("an admin uses every cluster; others their list, or every cluster without one", () => {
    expect(canUseCluster(id({ role: "admin", clusters: ["c1"] }), "c2")).toBe(true);
    expect(canUseCluster(id({ clusters: ["c1"] }), "c1")).toBe(true);
    expect(canUseCluster(id({ clusters: ["c1"] }), "c2")).toBe(false);
    expect(canUseCluster(id({ clusters: [] }), "c1")).toBe(false);
    expect(canUseCluster(id({}), "c1")).toBe(true);
  });
});

describe("requireRole(identity, roles, action)", () => {
  test("passes a listed role and throws FORBIDDEN naming the role, the action and the roles required", () => {
    expect(() => requireRole(id({ role: "operator" }), ["admin", "operator"], "do it")).not.toThrow();
    expect(() => requireRole(id({ role: "viewer" }), ["admin", "operator"], "do it")).toThrow(
      expect.objectContaining({ code: "FORBIDDEN", status: 403, message: "role viewer may not do it", details: { required: ["admin", "operator"] } }),
    );
    expect(() => requireRole(id({ role: "admin" }), [], "do it")).toThrow(expect.objectContaining({ code: "FORBIDDEN" }));
  });
});
