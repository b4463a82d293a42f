/**
 * Property: every service method that checks a role is called, at the
 * service level, with each role; the roles it names pass and every other one
 * gets `FORBIDDEN` with nothing written. A meta test reads each
 * `requireRole(...)` call site in lib/ so a new one fails here until it is in
 * the table. Services are built over the memory backend; nothing listens or
 * spawns.
 *
 * Pins issue 19, bug 4: `kubently.services.keys.list` allowed to operators.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { alertsService, type AlertsService } from "../../lib/alerts/index.ts";
import type { CoreContext } from "../../lib/context.ts";
import { KubentlyError } from "../../lib/errors.ts";
import { createAuthenticator } from "../../lib/identity.ts";
import { createMetrics } from "../../lib/metrics.ts";
import { createPipeline } from "../../lib/policy.ts";
import type { Identity, Role } from "../../lib/schemas.ts";
import { createServices, type Services } from "../../lib/services.ts";
import { createSigner } from "../../lib/signing.ts";
import { readOnly } from "../../plugins/read-only.ts";

const ROLES: Role[] = ["admin", "operator", "viewer", "agent"];
const who = (role: Role, name: string = role, extra: Partial<Identity> = {}): Identity => ({
  kind: role === "admin" ? "admin" : role === "agent" ? "agent" : "service",
  name,
  keyId: `key-${name}`,
  role,
  ...(role === "agent" ? { clusters: ["c1"] } : {}),
  ...extra,
});
const ADMIN = who("admin", "root");

/** One instance: its backend and services (clusters c1 and c2 registered). */
interface Instance {
  backend: CoreContext["backend"];
  services: Services;
  alerts: AlertsService;
}

const open: Instance[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map(async (k) => (await k.alerts.close(), await k.backend.close())));
});

async function instance(): Promise<Instance> {
  const backend = memoryBackend();
  const context: CoreContext = { backend, pipeline: createPipeline([readOnly()], "api"), authenticator: createAuthenticator(backend.auth, []), metrics: createMetrics(), signer: createSigner() };
  const services = createServices(context);
  const k = { backend, services, alerts: alertsService({ diagnose: services.diagnose, clusters: services.clusters, audit: backend.audit, metrics: context.metrics }) };
  open.push(k);
  for (const id of ["c1", "c2"]) await k.services.clusters.register(id);
  await backend.users!.create({ username: "u1", role: "viewer", createdAt: 1 });
  return k;
}

/** What a backend holds that a denied call must not change. */
async function state(k: Instance) {
  const audit = [];
  for await (const e of k.backend.audit.scan()) audit.push(e.eventType);
  return { audit, users: JSON.stringify(await k.backend.users?.list()), keys: (await k.backend.auth.listApiKeys()).length, tokens: (await k.backend.auth.getAgentTokens("c1")).length, queued: await k.backend.queue.depth("c1"), sessions: (await k.backend.sessions.list()).length };
}

type Call = { name: string; roles: Role[]; action: string; run: (k: Instance, as: Identity) => Promise<unknown> };

/** Every requireRole call site in the services. */
const CALLS: Call[] = [
  { name: "keys.create", roles: ["admin"], action: "create API keys", run: (k, as) => k.services.keys.create(as, { name: "new", role: "viewer" }) },
  { name: "keys.list", roles: ["admin"], action: "list API keys", run: (k, as) => k.services.keys.list(as) },
  {
    name: "keys.revoke",
    roles: ["admin"],
    action: "revoke API keys",
    run: async (k, as) => k.services.keys.revoke(as, (await k.services.keys.create(ADMIN, { name: "old", role: "viewer" })).record.id),
  },
  { name: "keys.rotateAgentToken", roles: ["admin"], action: "rotate agent tokens", run: (k, as) => k.services.keys.rotateAgentToken(as, "c1", 60) },
  { name: "keys.createAgentToken", roles: ["admin"], action: "manage agent tokens", run: (k, as) => k.services.keys.createAgentToken(as, "c3") },
  {
    name: "keys.revokeAgentTokens",
    roles: ["admin"],
    action: "manage agent tokens",
    run: async (k, as) => {
      await k.services.keys.createAgentToken(ADMIN, "c1");
      return k.services.keys.revokeAgentTokens(as, "c1");
    },
  },
  { name: "clusters.remove", roles: ["admin"], action: "remove clusters", run: (k, as) => k.services.clusters.remove(as, "c1") },
  {
    name: "alerts.receive",
    roles: ["admin", "operator"],
    action: "post alerts (each one runs a diagnosis)",
    run: (k, as) =>
      k.alerts.receive(as, {
        version: "4",
        status: "firing",
        receiver: "kubently",
        groupLabels: {},
        commonLabels: {},
        commonAnnotations: {},
        externalURL: "http://alertmanager.example:9093",
        alerts: [{ status: "firing", labels: { alertname: "KubePodCrashLooping", cluster: "c1", namespace: "shop" }, annotations: {}, startsAt: "2026-02-02T12:00:00Z", endsAt: "0001-01-01T00:00:00Z", fingerprint: "0123456789abcdef" }],
      }),
  },
  { name: "alerts.deadLetters", roles: ["admin"], action: "read dead letters", run: async (k, as) => k.alerts.deadLetters(as) },
  { name: "audit.verify", roles: ["admin"], action: "verify the audit log", run: (k, as) => k.services.audit.verify(as) },
  { name: "sessions.create", roles: ["admin", "operator"], action: "create sessions", run: (k, as) => k.services.sessions.create(as, { clusterId: "c1" }) },
  { name: "execute.execute", roles: ["admin", "operator"], action: "execute commands", run: (k, as) => k.services.execute.execute(as, { clusterId: "c1", argv: ["get", "pods"], wait: false }) },
  {
    name: "execute.cancel",
    roles: ["admin", "operator"],
    action: "cancel commands",
    run: async (k, as) => {
      // Queued by the caller when it may execute, else by an admin: the role check comes before visibility.
      const owner = ["admin", "operator"].includes(as.role) ? as : ADMIN;
      const queued = await k.services.execute.execute(owner, { clusterId: "c1", argv: ["get", "pods"], wait: false });
      return k.services.execute.cancel(as, queued.commandId);
    },
  },
  { name: "login.users.create", roles: ["admin"], action: "manage users", run: (k, as) => k.services.login.users.create(as, { username: "new.user", role: "viewer" }) },
  { name: "login.users.list", roles: ["admin"], action: "manage users", run: (k, as) => k.services.login.users.list(as) },
  {
    name: "login.users.update",
    roles: ["admin"],
    action: "manage users",
    run: (k, as) => k.services.login.users.update(as, "u1", { role: "admin" }),
  },
  {
    name: "login.users.setPassword",
    roles: ["admin"],
    action: "manage users",
    run: (k, as) => k.services.login.users.setPassword(as, "u1", "a long new passphrase"),
  },
  {
    name: "login.users.remove",
    roles: ["admin"],
    action: "manage users",
    run: (k, as) => k.services.login.users.remove(as, "u1"),
  },
];

describe("role checks at the service level", () => {
  test("the table covers every requireRole call site in lib/ outside the protocol edges", () => {
    const sites: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, e.name);
        if (e.isDirectory()) walk(path);
        else if (path.endsWith(".ts") && !path.endsWith("identity.ts")) {
          for (const m of readFileSync(path, "utf8").matchAll(/requireRole\(\w+, \[([^\]]*)\], "([^"]+)"\)/g)) sites.push(`${m[1]} ${m[2]}`);
        }
      }
    };
    walk(join(import.meta.dir, "../../lib"));
    // A protocol edge may check a role on top of a service; the service check is what this table pins.
    // The web terminal refuses viewers before its WebSocket opens; each line then goes through execute, which checks again.
    const EDGE_ONLY = new Set(['"admin" manage agents', '"admin", "operator" use the web terminal']);
    const covered = new Set(CALLS.map((c) => `${c.roles.map((r) => `"${r}"`).join(", ")} ${c.action}`));
    expect(sites.filter((s) => !covered.has(s) && !EDGE_ONLY.has(s))).toEqual([]);
  });

  for (const call of CALLS) {
    for (const role of ROLES) {
      const allowed = call.roles.includes(role);
      test(`${call.name}(${role}) ${allowed ? "is allowed" : "throws FORBIDDEN and writes nothing"}`, async () => {
        const k = await instance();
        const as = who(role);
        if (allowed) {
          await call.run(k, as);
          return;
        }
        // Revoke and cancel prepare with an admin first; compare state after that preparation.
        let before: Awaited<ReturnType<typeof state>> | undefined;
        const { execute, keys } = k.services;
        const watched: Instance = {
          ...k,
          services: {
            ...k.services,
            execute: { ...execute, cancel: async (i, id) => ((before = await state(k)), execute.cancel(i, id)) },
            keys: {
              ...keys,
              revoke: async (i, id) => ((before = await state(k)), keys.revoke(i, id)),
              revokeAgentTokens: async (i, id) => ((before = await state(k)), keys.revokeAgentTokens(i, id)),
            },
          },
        };
        const start = await state(k);
        // Called inside an async function so a synchronous throw counts like a rejection.
        const error = await (async () => call.run(watched, as))().then(() => null, (e: unknown) => e);
        expect(error).toBeInstanceOf(KubentlyError);
        expect(error).toMatchObject({ code: "FORBIDDEN", status: 403, message: `role ${role} may not ${call.action}`, details: { required: call.roles } });
        expect(await state(k)).toEqual(before ?? start);
      });
    }
  }

  test("keys.list(operator) throws FORBIDDEN (issue 19, bug 4)", async () => {
    const k = await instance();
    await k.services.keys.create(ADMIN, { name: "ci", role: "operator" });
    await expect(k.services.keys.list(who("operator"))).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await k.services.keys.list(ADMIN)).toHaveLength(1);
  });

  test("execute.fanout(viewer) answers FORBIDDEN per cluster and queues nothing", async () => {
    const k = await instance();
    const entries = await k.services.execute.fanout(who("viewer"), { clusterIds: ["c1", "c2"], argv: ["get", "pods"] });
    expect(entries).toEqual([
      { clusterId: "c1", error: { code: "FORBIDDEN", message: "role viewer may not execute commands" } },
      { clusterId: "c2", error: { code: "FORBIDDEN", message: "role viewer may not execute commands" } },
    ]);
    expect((await state(k)).queued).toBe(0);
  });

  test("execute.explain(viewer) is allowed: it decides without queueing", async () => {
    const k = await instance();
    expect(await k.services.execute.explain(who("viewer"), { clusterId: "c1", argv: ["get", "pods"] })).toMatchObject({ allowed: true, policies: ["read-only"] });
    expect((await state(k)).queued).toBe(0);
  });
});

describe("ownership and scope at the service level", () => {
  test("execute.result: an operator sees only its own commands; admins and viewers see any", async () => {
    const k = await instance();
    const mine = await k.services.execute.execute(who("operator", "op-a"), { clusterId: "c1", argv: ["get", "pods"], wait: false });
    await expect(k.services.execute.result(who("operator", "op-b"), mine.commandId)).rejects.toMatchObject({ code: "RESULT_NOT_FOUND" });
    await expect(k.services.execute.cancel(who("operator", "op-b"), mine.commandId)).rejects.toMatchObject({ code: "RESULT_NOT_FOUND" });
    for (const reader of [who("operator", "op-a"), ADMIN, who("viewer")]) {
      expect((await k.services.execute.result(reader, mine.commandId)).command.id).toBe(mine.commandId);
    }
  });

  test("execute.result: a cluster-scoped identity does not see other clusters' commands", async () => {
    const k = await instance();
    const c2 = await k.services.execute.execute(ADMIN, { clusterId: "c2", argv: ["get", "pods"], wait: false });
    await expect(k.services.execute.result(who("viewer", "v", { clusters: ["c1"] }), c2.commandId)).rejects.toMatchObject({ code: "RESULT_NOT_FOUND" });
  });

  test("sessions.get/use/end: only the creator or an admin; others get SESSION_NOT_FOUND", async () => {
    const k = await instance();
    const s = await k.services.sessions.create(who("operator", "op-a"), { clusterId: "c1" });
    for (const other of [who("operator", "op-b"), who("viewer", "op-c")]) {
      await expect(k.services.sessions.get(other, s.id)).rejects.toMatchObject({ code: "SESSION_NOT_FOUND" });
      await expect(k.services.sessions.use(other, s.id, "c1")).rejects.toMatchObject({ code: "SESSION_NOT_FOUND" });
      await expect(k.services.sessions.end(other, s.id)).rejects.toMatchObject({ code: "SESSION_NOT_FOUND" });
    }
    expect((await k.services.sessions.get(who("operator", "op-a"), s.id)).id).toBe(s.id);
    expect((await k.services.sessions.use(ADMIN, s.id, "c1")).id).toBe(s.id);
    await expect(k.services.sessions.use(ADMIN, s.id, "c2")).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
    await k.services.sessions.end(ADMIN, s.id);
    await expect(k.services.sessions.use(who("operator", "op-a"), s.id, "c1")).rejects.toMatchObject({ code: "SESSION_CLOSED" });
  });

  test("clusters.list/get: a cluster-scoped identity sees only its clusters, and the error lists only those", async () => {
    const k = await instance();
    const scoped = who("operator", "op", { clusters: ["c2"] });
    expect((await k.services.clusters.list(scoped)).map((c) => c.id)).toEqual(["c2"]);
    expect((await k.services.clusters.list(ADMIN)).map((c) => c.id)).toEqual(["c1", "c2"]);
    // An admin is never limited by a cluster list.
    expect((await k.services.clusters.list({ ...ADMIN, clusters: ["c2"] })).map((c) => c.id)).toEqual(["c1", "c2"]);
    await expect(k.services.clusters.get(scoped, "c1")).rejects.toMatchObject({ code: "CLUSTER_NOT_FOUND", details: { known_clusters: ["c2"] } });
    await expect(k.services.execute.execute(scoped, { clusterId: "c1", argv: ["get", "pods"], wait: false })).rejects.toMatchObject({ code: "CLUSTER_NOT_FOUND" });
    await expect(k.services.keys.rotateAgentToken(ADMIN, "nope", 0)).rejects.toMatchObject({ code: "CLUSTER_NOT_FOUND" });
  });

  test("execute: a namespace-scoped key is held to its scope whatever the policies (identity-scope)", async () => {
    const k = await instance();
    const scoped = who("operator", "op", { namespaces: ["shop"] });
    const out = await k.services.execute.execute(scoped, { clusterId: "c1", argv: ["get", "pods", "-A", "-n", "shop"], wait: false });
    expect(out.status).toBe("denied");
    expect(out.result).toMatchObject({ code: "POLICY_DENIED", policy: "identity-scope", error: "this key is scoped to namespaces: --all-namespaces reads every namespace" });
    expect((await k.services.execute.execute(scoped, { clusterId: "c1", argv: ["get", "pods", "-n", "shop"], wait: false })).status).toBe("queued");
    const denied = await k.backend.audit.query({ eventType: "command.denied" });
    expect(denied).toMatchObject([{ decision: "denied", policy: "identity-scope", identity: "op" }]);
  });
});

describe("audit reading at the service level", () => {
  test("audit.query: a non-admin reads only its own entries; an admin reads everyone's", async () => {
    const k = await instance();
    await k.services.sessions.create(who("operator", "op"), { clusterId: "c1" });
    await k.services.sessions.create(ADMIN, { clusterId: "c1" });
    const identities = async (as: Identity) => (await k.services.audit.query(as, {})).map((e) => e.identity).sort();
    expect(await identities(ADMIN)).toEqual(["op", "root"]);
    expect(await identities(who("operator", "op"))).toEqual(["op"]);
    expect(await identities(who("viewer", "view"))).toEqual([]);
    // A filter cannot widen a non-admin's view.
    expect((await k.services.audit.query(who("operator", "op"), { identity: "root" } as never)).map((e) => e.identity)).toEqual(["op"]);
  });

  test("audit.verify(admin) checks the chain", async () => {
    const k = await instance();
    await k.services.sessions.create(ADMIN, { clusterId: "c1" });
    expect(await k.services.audit.verify(ADMIN)).toMatchObject({ ok: true, count: 1 });
  });
});
