/**
 * Human login over real HTTP (issue 13, item 2): createKubently + listen,
 * fetch as a browser would (Cookie, Origin, X-CSRF-Token). Covers the
 * cookie's attributes, CSRF refusals and acceptance, sign-out revocation,
 * a disabled or deleted user and a changed role or password taking effect
 * at the next request, brute-force limits, roles (a viewer cannot execute),
 * the admin users API and the audit trail.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { echoExecutor } from "../../lib/agent/executors.ts";
import { createKubently, type Kubently, type KubentlyOptions } from "../../lib/kubently.ts";
import { hashPassword, isSameOrigin, verifyPassword } from "../../lib/login/index.ts";
import { readOnly } from "../../plugins/read-only.ts";

const ADMIN_KEY = "login-admin-key-0123456789";
const OPERATOR_KEY = "login-operator-key-0123456789";
const PASSWORD = "correct horse battery staple";
let k: Kubently;
let url: string;

const admin = (method: string, path: string, body?: unknown) =>
  fetch(`${url}${path}`, { method, headers: { "x-api-key": ADMIN_KEY, ...(body !== undefined ? { "content-type": "application/json" } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });

/** A signed-in browser: its cookie and CSRF token. */
interface Browser {
  cookie: string;
  csrf: string;
  setCookie: string;
}

async function signIn(username: string, password = PASSWORD, headers: Record<string, string> = {}): Promise<Browser> {
  const res = await fetch(`${url}/ui/login`, { method: "POST", headers: { "content-type": "application/json", origin: url, ...headers }, body: JSON.stringify({ username, password }) });
  expect(res.status).toBe(200);
  const setCookie = res.headers.get("set-cookie")!;
  const body = await res.json();
  return { cookie: setCookie.split(";")[0]!, csrf: body.csrf_token, setCookie };
}

/** A request from the signed-in browser's page: same origin, the CSRF token on changes. */
const asBrowser = (b: Browser, method: string, path: string, body?: unknown, extra: Record<string, string> = {}) =>
  fetch(`${url}${path}`, {
    method,
    headers: {
      cookie: b.cookie,
      origin: url,
      ...(method === "GET" ? {} : { "x-csrf-token": b.csrf }),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...extra,
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });

async function makeUser(username: string, role: string, password = PASSWORD) {
  const res = await admin("POST", "/admin/users", { username, role, password });
  expect(res.status).toBe(201);
}

beforeAll(async () => {
  k = createKubently({
    backend: memoryBackend(),
    policies: [readOnly()],
    apiKeys: [
      { name: "root", key: ADMIN_KEY, role: "admin" },
      { name: "ops", key: OPERATOR_KEY, role: "operator" },
    ],
    clusters: [{ id: "c1" }],
    login: { rateLimit: { perUser: 5, perAddress: 1000 } },
  });
  await k.ready();
  k.startLocalAgent({ clusterId: "c1", executor: echoExecutor() });
  url = (await k.listen({ port: 0 })).url;
  await makeUser("alice", "operator");
  await makeUser("vic", "viewer");
  await makeUser("root.user", "admin");
});
afterAll(() => k.close());

describe("sign-in", () => {
  test("POST /ui/login sets an HttpOnly, SameSite=Strict session cookie on Path=/ with Max-Age 8 h, and answers the CSRF token", async () => {
    const res = await fetch(`${url}/ui/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "alice", password: PASSWORD }) });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^kubently_session=[\w-]+\.[\w-]+\.[\w-]+; /);
    const attrs = cookie.split("; ").slice(1);
    expect(attrs.sort()).toEqual(["HttpOnly", "Max-Age=28800", "Path=/", "SameSite=Strict"]);
    const body = await res.json();
    expect(body).toMatchObject({ username: "alice", role: "operator" });
    expect(body.csrf_token).toMatch(/^[\w-]{43}$/);
    expect(Date.parse(body.expires_at) - Date.now()).toBeGreaterThan(28_700_000);
  });

  test("the cookie is Secure when the request came over https (X-Forwarded-Proto)", async () => {
    const b = await signIn("alice", PASSWORD, { "x-forwarded-proto": "https" });
    expect(b.setCookie.split("; ")).toContain("Secure");
  });

  test("a wrong password, an unknown user and a malformed name all answer the same 401", async () => {
    const answers = [];
    for (const [username, password] of [["alice", "wrong password here"], ["nobody-here", PASSWORD], ["Not A Name!", PASSWORD]]) {
      const res = await fetch(`${url}/ui/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password }) });
      expect(res.headers.get("set-cookie")).toBeNull();
      const body = await res.json();
      answers.push([res.status, body.code, body.error]);
    }
    expect(answers).toEqual(Array(3).fill([401, "UNAUTHENTICATED", "invalid username or password"]));
  });

  test("user names are matched case-insensitively (ALICE signs in as alice)", async () => {
    const res = await fetch(`${url}/ui/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: " ALICE ", password: PASSWORD }) });
    expect((await res.json()).username).toBe("alice");
  });

  test("a sign-in from another origin is refused (login CSRF)", async () => {
    const res = await fetch(`${url}/ui/login`, { method: "POST", headers: { "content-type": "application/json", origin: "https://evil.example" }, body: JSON.stringify({ username: "alice", password: PASSWORD }) });
    expect(res.status).toBe(403);
    expect((await res.json()).code).toBe("CSRF_FAILED");
  });

  test("GET /ui/session describes the session of the cookie, with the same CSRF token; 401 without one or with an API key only", async () => {
    const b = await signIn("alice");
    const res = await asBrowser(b, "GET", "/ui/session");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ username: "alice", role: "operator", csrf_token: b.csrf });
    expect((await fetch(`${url}/ui/session`)).status).toBe(401);
    expect((await fetch(`${url}/ui/session`, { headers: { "x-api-key": ADMIN_KEY } })).status).toBe(401);
    expect((await fetch(`${url}/ui/session`, { headers: { cookie: "kubently_session=forged.token.here" } })).status).toBe(401);
  });

  test("the cookie authenticates reads as the user", async () => {
    const b = await signIn("alice");
    const res = await asBrowser(b, "GET", "/debug/clusters");
    expect(await res.json()).toEqual({ clusters: ["c1"], count: 1 });
  });
});

describe("CSRF", () => {
  let b: Browser;
  beforeAll(async () => {
    b = await signIn("alice");
  });
  const create = (headers: Record<string, string>) =>
    fetch(`${url}/debug/session`, { method: "POST", headers: { cookie: b.cookie, "content-type": "application/json", ...headers }, body: JSON.stringify({ cluster_id: "c1" }) });

  test("a cookie-authenticated change without X-CSRF-Token is 403 CSRF_FAILED", async () => {
    const res = await create({ origin: url });
    expect(res.status).toBe(403);
    expect((await res.json()).code).toBe("CSRF_FAILED");
  });

  test("a wrong X-CSRF-Token (another session's, or junk) is 403 CSRF_FAILED", async () => {
    const other = await signIn("alice");
    for (const token of [other.csrf, "x", b.csrf.slice(0, -1) + (b.csrf.endsWith("A") ? "B" : "A")]) {
      const res = await create({ origin: url, "x-csrf-token": token });
      expect({ token, code: (await res.json()).code }).toEqual({ token, code: "CSRF_FAILED" });
    }
  });

  test("a cross-site Origin, or no Origin nor Referer, is 403 CSRF_FAILED even with the right token", async () => {
    const cases: Record<string, string>[] = [{ origin: "https://evil.example" }, { origin: "null" }, { origin: url.replace("127.0.0.1", "localhost") }, {}, { referer: "https://evil.example/page" }];
    for (const headers of cases) {
      const res = await create({ ...headers, "x-csrf-token": b.csrf });
      expect({ headers, status: res.status }).toEqual({ headers, status: 403 });
    }
  });

  test("the right token from the same origin (Origin, or Referer without one) is accepted", async () => {
    expect((await create({ origin: url, "x-csrf-token": b.csrf })).status).toBe(201);
    expect((await create({ referer: `${url}/ui/clusters`, "x-csrf-token": b.csrf })).status).toBe(201);
  });

  test("behind a proxy, X-Forwarded-Host names the origin the browser used", async () => {
    expect((await create({ origin: "https://kubently.example.com", "x-forwarded-host": "kubently.example.com", "x-csrf-token": b.csrf })).status).toBe(201);
  });

  test("GET needs no token; API-key requests are unaffected, and a key wins over a cookie (a wrong one is 401)", async () => {
    expect((await fetch(`${url}/debug/clusters`, { headers: { cookie: b.cookie, origin: "https://evil.example" } })).status).toBe(200);
    const byKey = await fetch(`${url}/debug/session`, { method: "POST", headers: { "x-api-key": OPERATOR_KEY, "content-type": "application/json", origin: "https://evil.example" }, body: JSON.stringify({ cluster_id: "c1" }) });
    expect(byKey.status).toBe(201);
    expect((await byKey.json()).service_identity).toBe("ops");
    const wrongKey = await fetch(`${url}/debug/clusters`, { headers: { cookie: b.cookie, "x-api-key": "not-a-key" } });
    expect(wrongKey.status).toBe(401);
  });

  test("a WebSocket upgrade by cookie must come from the same origin", async () => {
    const upgrade = (origin?: string) =>
      k.services.login.authenticate(new Request(`${url}/events/ws`, { headers: { cookie: b.cookie, upgrade: "websocket", connection: "Upgrade", host: new URL(url).host, ...(origin ? { origin } : {}) } }));
    expect(await upgrade(url)).toMatchObject({ kind: "user", name: "alice", role: "operator" });
    await expect(upgrade("https://evil.example")).rejects.toMatchObject({ code: "CSRF_FAILED" });
    await expect(upgrade()).rejects.toMatchObject({ code: "CSRF_FAILED" });
  });

  test("isSameOrigin: default ports, allowed origins", () => {
    const req = (headers: Record<string, string>) => new Request("http://x/", { headers });
    expect(isSameOrigin(req({ host: "k.example:443", origin: "https://k.example" }))).toBe(true);
    expect(isSameOrigin(req({ host: "k.example", origin: "http://k.example:80" }))).toBe(true);
    expect(isSameOrigin(req({ host: "k.example:8080", origin: "http://k.example:8081" }))).toBe(false);
    expect(isSameOrigin(req({ host: "api.internal", origin: "https://console.example" }), ["https://console.example"])).toBe(true);
    expect(isSameOrigin(req({ host: "k.example", origin: "javascript:alert(1)" }))).toBe(false);
  });
});

describe("sessions end", () => {
  test("after POST /ui/logout the same cookie is refused (revoked until its expiry), and the cookie is cleared", async () => {
    const b = await signIn("alice");
    const out = await asBrowser(b, "POST", "/ui/logout");
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/^kubently_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict/);
    const again = await asBrowser(b, "GET", "/debug/clusters");
    expect(again.status).toBe(401);
    expect((await again.json()).error).toContain("signed out");
    expect((await asBrowser(b, "GET", "/ui/session")).status).toBe(401);
  });

  test("sign-out of a signed-in cookie needs the CSRF token; without a session it just clears the cookie", async () => {
    const b = await signIn("alice");
    const forged = await fetch(`${url}/ui/logout`, { method: "POST", headers: { cookie: b.cookie, origin: "https://evil.example" } });
    expect(forged.status).toBe(403);
    expect((await asBrowser(b, "GET", "/ui/session")).status).toBe(200);
    expect((await fetch(`${url}/ui/logout`, { method: "POST" })).status).toBe(204);
  });

  test("a disabled user is refused at the next request; enabled again, a new sign-in works", async () => {
    await makeUser("dora", "operator");
    const b = await signIn("dora");
    expect((await asBrowser(b, "GET", "/debug/clusters")).status).toBe(200);
    expect((await admin("PATCH", "/admin/users/dora", { disabled: true })).status).toBe(200);
    expect((await asBrowser(b, "GET", "/debug/clusters")).status).toBe(401);
    const refused = await fetch(`${url}/ui/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "dora", password: PASSWORD }) });
    expect(refused.status).toBe(401);
    expect((await refused.json()).error).toBe("invalid username or password");
    await admin("PATCH", "/admin/users/dora", { disabled: false });
    expect((await asBrowser(await signIn("dora"), "GET", "/debug/clusters")).status).toBe(200);
  });

  test("a changed role takes effect at the next request", async () => {
    await makeUser("rolf", "viewer");
    const b = await signIn("rolf");
    expect((await asBrowser(b, "POST", "/debug/session", { cluster_id: "c1" })).status).toBe(403);
    await admin("PATCH", "/admin/users/rolf", { role: "operator" });
    expect((await asBrowser(b, "POST", "/debug/session", { cluster_id: "c1" })).status).toBe(201);
    expect((await (await asBrowser(b, "GET", "/ui/session")).json()).role).toBe("operator");
  });

  test("a new password ends the user's open sessions; the new one signs in", async () => {
    await makeUser("pia", "viewer");
    const b = await signIn("pia");
    expect((await admin("POST", "/admin/users/pia/password", { password: "a brand new passphrase" })).status).toBe(204);
    expect((await asBrowser(b, "GET", "/debug/clusters")).status).toBe(401);
    expect((await fetch(`${url}/ui/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "pia", password: PASSWORD }) })).status).toBe(401);
    expect((await asBrowser(await signIn("pia", "a brand new passphrase"), "GET", "/debug/clusters")).status).toBe(200);
  });

  test("a deleted user's cookie is refused, also after a user of the same name is created again", async () => {
    await makeUser("dan", "operator");
    const b = await signIn("dan");
    expect((await admin("DELETE", "/admin/users/dan")).status).toBe(204);
    expect((await asBrowser(b, "GET", "/debug/clusters")).status).toBe(401);
    await makeUser("dan", "operator");
    expect((await asBrowser(b, "GET", "/debug/clusters")).status).toBe(401);
  });
});

describe("roles", () => {
  test("a viewer's cookie may read but not execute (403 FORBIDDEN from the execute service)", async () => {
    const b = await signIn("vic");
    expect((await asBrowser(b, "GET", "/debug/clusters")).status).toBe(200);
    const res = await asBrowser(b, "POST", "/debug/execute", { cluster_id: "c1", argv: ["get", "pods"] });
    expect(res.status).toBe(403);
    expect((await res.json()).code).toBe("FORBIDDEN");
  });

  test("an operator's cookie executes; the command is requested by the user", async () => {
    const b = await signIn("alice");
    const res = await asBrowser(b, "POST", "/debug/execute", { cluster_id: "c1", argv: ["get", "pods"] });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.output).toBe("get pods\n");
    const audit = await (await admin("GET", `/audit?correlation_id=${body.correlation_id}`)).json();
    expect(audit.entries.some((e: { identity: string; eventType: string }) => e.identity === "alice" && e.eventType === "command.queued")).toBe(true);
  });

  test("the admin users API refuses a non-admin user's cookie and serves an admin user's", async () => {
    const op = await signIn("alice");
    expect((await asBrowser(op, "GET", "/admin/users")).status).toBe(403);
    const root = await signIn("root.user");
    expect((await asBrowser(root, "GET", "/admin/users")).status).toBe(200);
    expect((await asBrowser(root, "POST", "/admin/users", { username: "made.by.cookie", role: "viewer", password: PASSWORD })).status).toBe(201);
    expect((await asBrowser(root, "POST", "/admin/users", { username: "no.csrf", role: "viewer", password: PASSWORD }, { "x-csrf-token": "" })).status).toBe(403);
  });
});

describe("admin users API", () => {
  test("create refuses a taken name (409), a weak password and a bad name (400)", async () => {
    expect((await admin("POST", "/admin/users", { username: "alice", role: "viewer", password: PASSWORD })).status).toBe(409);
    for (const [username, password, field] of [["weak", "short", "password"], ["weak2", "aaaaaaaaaaaaaaaa", "password"], ["weak3", "weak3-is-my-password", "password"], ["Bad Name", PASSWORD, "username"], ["-dash", PASSWORD, "username"]]) {
      const res = await admin("POST", "/admin/users", { username, role: "viewer", password });
      const body = await res.json();
      expect({ username, status: res.status, field: body.details?.fields?.[0]?.field }).toEqual({ username, status: 400, field });
    }
  });

  test("list never shows password hashes", async () => {
    const res = await admin("GET", "/admin/users");
    const text = await res.text();
    expect(text).not.toContain("argon2");
    const { users } = JSON.parse(text);
    expect(users.find((u: { username: string }) => u.username === "alice")).toMatchObject({ username: "alice", role: "operator", disabled: false, has_password: true, oidc: false });
    expect(users.map((u: { username: string }) => u.username)).toEqual([...users.map((u: { username: string }) => u.username)].sort());
  });

  test("a user without a password cannot sign in with one", async () => {
    expect((await admin("POST", "/admin/users", { username: "sso.only", role: "viewer" })).status).toBe(201);
    const res = await fetch(`${url}/ui/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "sso.only", password: "" }) });
    expect(res.status).toBe(401);
  });

  test("unknown users are 404; a PATCH needs role or disabled", async () => {
    expect((await admin("DELETE", "/admin/users/ghost")).status).toBe(404);
    expect((await admin("PATCH", "/admin/users/ghost", { role: "admin" })).status).toBe(404);
    expect((await admin("POST", "/admin/users/ghost/password", { password: PASSWORD })).status).toBe(404);
    expect((await admin("PATCH", "/admin/users/alice", {})).status).toBe(400);
    expect((await admin("PATCH", "/admin/users/alice", { role: "root" })).status).toBe(400);
  });

  test("an operator key may not manage users", async () => {
    const res = await fetch(`${url}/admin/users`, { headers: { "x-api-key": OPERATOR_KEY } });
    expect(res.status).toBe(403);
  });

  test("every sign-in, failed sign-in, sign-out and user change is audited", async () => {
    await makeUser("audrey", "viewer");
    await admin("PATCH", "/admin/users/audrey", { role: "operator" });
    await admin("POST", "/admin/users/audrey/password", { password: "another long passphrase" });
    await fetch(`${url}/ui/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "audrey", password: "nope nope nope" }) });
    const b = await signIn("audrey", "another long passphrase");
    await asBrowser(b, "POST", "/ui/logout");
    await admin("DELETE", "/admin/users/audrey");
    const { entries } = await (await admin("GET", "/audit?limit=1000")).json();
    const mine = entries
      .filter((e: { reason?: string; identity: string }) => e.identity === "audrey" || e.reason?.includes("audrey"))
      .reverse()
      .map((e: { eventType: string; identity: string }) => `${e.eventType} ${e.identity}`);
    expect(mine).toEqual(["user.created root", "user.updated root", "user.password.changed root", "user.login.failed audrey", "user.login audrey", "user.logout audrey", "user.deleted root"]);
    const updated = entries.find((e: { eventType: string; reason?: string }) => e.eventType === "user.updated" && e.reason?.includes("audrey"));
    expect(updated.reason).toBe("user audrey: role viewer -> operator");
    expect(JSON.stringify(entries)).not.toContain("another long passphrase");
  });
});

describe("brute force", () => {
  test("5 failed sign-ins for one name in the window, then 429 with Retry-After, even with the right password", async () => {
    await makeUser("bruno", "viewer");
    const attempt = (password: string) => fetch(`${url}/ui/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "bruno", password }) });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await attempt(`guess number ${i} here`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    const limited = await attempt(PASSWORD);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await limited.json()).code).toBe("RATE_LIMITED");
    // Other names are not affected.
    expect((await signIn("alice")).csrf).toBeString();
  });

  test("a successful sign-in starts the name's count again", async () => {
    await makeUser("sam", "viewer");
    const attempt = (password: string) => fetch(`${url}/ui/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "sam", password }) });
    for (let i = 0; i < 4; i++) expect((await attempt("not the password")).status).toBe(401);
    expect((await attempt(PASSWORD)).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await attempt("not the password")).status).toBe(401);
    expect((await attempt(PASSWORD)).status).toBe(200);
  });

  test("per client address: past the limit every name is refused from that address", async () => {
    const k2 = createKubently({ policies: [readOnly()], apiKeys: [{ name: "root", key: ADMIN_KEY, role: "admin" }], login: { rateLimit: { perUser: 100, perAddress: 3 } } });
    await k2.ready();
    const u2 = (await k2.listen({ port: 0 })).url;
    try {
      const attempt = (username: string) => fetch(`${u2}/ui/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password: PASSWORD }) });
      const statuses = [];
      for (const name of ["a1", "a2", "a3", "a4", "a5"]) statuses.push((await attempt(name)).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      const { entries } = await (await fetch(`${u2}/audit?event_type=user.login.failed`, { headers: { "x-api-key": ADMIN_KEY } })).json();
      expect(entries.map((e: { reason: string }) => e.reason)).toEqual(["rate limited from 127.0.0.1", "rate limited from 127.0.0.1", "invalid username or password from 127.0.0.1", "invalid username or password from 127.0.0.1", "invalid username or password from 127.0.0.1"]);
    } finally {
      await k2.close();
    }
  });
});

describe("replicas", () => {
  test("instances sharing the signing key (or a sessionSecret) and the backend accept each other's sessions; others do not", async () => {
    const backend = memoryBackend();
    const { generateSigningKeyPem } = await import("../../lib/signing.ts");
    const signingKey = generateSigningKeyPem();
    const make = (o: Partial<KubentlyOptions>) => createKubently({ backend, policies: [readOnly()], apiKeys: [{ name: "root", key: ADMIN_KEY, role: "admin" }], auditReconciler: false, ...o });
    const a = make({ signingKey });
    const b = make({ signingKey });
    const c = make({});
    const d = make({ login: { sessionSecret: "s".repeat(16) + "t".repeat(16) } });
    const e = make({ login: { sessionSecret: "s".repeat(16) + "t".repeat(16) } });
    for (const x of [a, b, c, d, e]) await x.ready();
    await backend.users!.create({ username: "rep", role: "viewer", createdAt: Date.now(), passwordHash: await hashPassword(PASSWORD) });
    const login = async (x: Kubently) => {
      const res = await x.handle(new Request("http://x/ui/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "rep", password: PASSWORD }) }));
      return res.headers.get("set-cookie")!.split(";")[0]!;
    };
    const status = async (x: Kubently, cookie: string) => (await x.handle(new Request("http://x/ui/session", { headers: { cookie } }))).status;
    const fromA = await login(a);
    expect([await status(a, fromA), await status(b, fromA), await status(c, fromA), await status(d, fromA)]).toEqual([200, 200, 401, 401]);
    const fromD = await login(d);
    expect([await status(e, fromD), await status(a, fromD)]).toEqual([200, 401]);
    expect(() => make({ login: { sessionSecret: "short" } })).toThrow("at least 32 characters");
  });
});

describe("passwords", () => {
  test("argon2id PHC strings; concurrent hashes verify each against its own password only", async () => {
    const passwords = Array.from({ length: 6 }, (_, i) => `concurrent password ${i}`);
    const hashes = await Promise.all(passwords.map(hashPassword));
    expect(hashes.every((h) => h.startsWith("$argon2id$v=19$m=19456,t=2,p=1$"))).toBe(true);
    expect(new Set(hashes).size).toBe(6);
    const checks = await Promise.all(hashes.flatMap((h, i) => [verifyPassword(passwords[i]!, h), verifyPassword(passwords[(i + 1) % 6]!, h)]));
    expect(checks).toEqual(Array.from({ length: 12 }, (_, i) => i % 2 === 0));
    expect(await verifyPassword("x", "$2b$10$notargon")).toBe(false);
    expect(await verifyPassword("x", "$argon2id$garbage")).toBe(false);
  });
});

describe("without a users store", () => {
  test("the login routes answer 404 and cookies are ignored", async () => {
    const { users: _users, ...rest } = memoryBackend();
    const bare = createKubently({ backend: rest as ReturnType<typeof memoryBackend>, policies: [readOnly()], apiKeys: [{ name: "root", key: ADMIN_KEY, role: "admin" }] });
    await bare.ready();
    const res = await bare.handle(new Request("http://x/ui/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "a", password: "b" }) }));
    expect(res.status).toBe(404);
    expect((await bare.handle(new Request("http://x/debug/clusters", { headers: { cookie: "kubently_session=x.y.z" } }))).status).toBe(401);
    await bare.close();
  });
});
