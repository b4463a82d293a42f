/**
 * OIDC sign-in end to end (issue 13, item 2) against a real OpenID Connect
 * provider, panva's oidc-provider, run here on 127.0.0.1 with a static client
 * and its development login form. The browser is fetch with a small cookie
 * jar, following redirects by hand: Kubently's /ui/oidc/login, the
 * provider's login form (submitted as a person would), the redirect back to
 * /ui/oidc/callback, then the session cookie on a real request.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { createKubently, type Kubently } from "../../lib/kubently.ts";
import { mappedRole } from "../../lib/login/index.ts";
import { readOnly } from "../../plugins/read-only.ts";
import { freePort, startIdp, TestBrowser, type TestIdp } from "../_oidc.ts";

const ADMIN_KEY = "oidc-admin-key-0123456789";
/** The provider's accounts: the id is what the login form takes. */
const ACCOUNTS: Record<string, { preferred_username: string; groups: string[] }> = {
  "sub-alice": { preferred_username: "alice", groups: ["kubently-admins", "staff"] },
  "sub-bob": { preferred_username: "bob", groups: ["staff"] },
  "sub-carl": { preferred_username: "carl", groups: ["strangers"] },
  "sub-mallory": { preferred_username: "local.admin", groups: ["kubently-admins"] },
  "sub-evil-alice": { preferred_username: "alice", groups: ["kubently-admins"] },
  "sub-pre": { preferred_username: "pre.made", groups: [] },
};

let idp: TestIdp;
let issuer: string;
let k: Kubently;
let url: string;
const backend = memoryBackend();

class Browser extends TestBrowser {
  constructor() {
    super(url);
  }
}
const signIn = (b: Browser, accountId: string) => b.signIn(issuer, accountId);

beforeAll(async () => {
  // The provider must know the callback URL, which holds Kubently's port.
  const port = await freePort();
  idp = await startIdp(`http://127.0.0.1:${port}/ui/oidc/callback`, ACCOUNTS);
  issuer = idp.issuer;
  k = createKubently({
    backend,
    policies: [readOnly()],
    apiKeys: [{ name: "root", key: ADMIN_KEY, role: "admin" }],
    login: {
      oidc: {
        issuer,
        clientId: idp.clientId,
        clientSecret: idp.clientSecret,
        scopes: ["openid", "profile", "groups"],
        roleMap: { "kubently-admins": "admin", staff: "viewer" },
      },
    },
  });
  await k.ready();
  url = (await k.listen({ port })).url;
});
afterAll(async () => {
  await k.close();
  await idp.close();
});

describe("OIDC sign-in against oidc-provider", () => {
  test("GET /ui/config tells the login page, without a credential, that SSO is offered (and an instance without OIDC says it is not)", async () => {
    expect(await (await fetch(`${url}/ui/config`)).json()).toEqual({ oidc: true });
    const plain = createKubently({ backend: memoryBackend(), policies: [readOnly()], apiKeys: [{ name: "root", key: ADMIN_KEY, role: "admin" }] });
    await plain.ready();
    try {
      expect(await (await plain.handle(new Request("http://127.0.0.1/ui/config"))).json()).toEqual({ oidc: false });
    } finally {
      await plain.close();
    }
  });

  test("GET /ui/oidc/login redirects to the provider with PKCE (S256), state and nonce, and sets a Lax state cookie on /ui/oidc", async () => {
    const b = new Browser();
    const res = await b.go(`${url}/ui/oidc/login`);
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get("location")!);
    expect(to.origin).toBe(issuer);
    for (const p of ["state", "nonce", "code_challenge"]) expect(to.searchParams.get(p)).toMatch(/^[\w-]{20,}$/);
    expect(to.searchParams.get("code_challenge_method")).toBe("S256");
    expect(to.searchParams.get("redirect_uri")).toBe(`${url}/ui/oidc/callback`);
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^kubently_oidc=[\w-]+\.[\w-]+\.[\w-]+; Path=\/ui\/oidc; Max-Age=600; HttpOnly; SameSite=Lax$/);
  });

  test("a full sign-in: the callback sets the session cookie, the user is created with the mapped role, and the cookie works", async () => {
    const b = new Browser();
    const done = await signIn(b, "sub-alice");
    expect(done.status).toBe(200);
    expect(done.headers.get("content-type")).toContain("text/html");
    expect(await done.text()).toContain('url=/ui"');
    expect(b.jar.has("kubently_session")).toBe(true);
    expect(b.jar.has("kubently_oidc")).toBe(false);
    const session = await b.go(`${url}/ui/session`);
    expect(await session.json()).toMatchObject({ username: "alice", role: "admin" });
    const users = await (await fetch(`${url}/admin/users`, { headers: { "x-api-key": ADMIN_KEY } })).json();
    expect(users.users.find((u: { username: string }) => u.username === "alice")).toMatchObject({ role: "admin", oidc: true, has_password: false });
    expect((await backend.users!.get("alice"))?.oidcSubject).toBe("sub-alice");
    const { entries } = await (await fetch(`${url}/audit?event_type=user.login`, { headers: { "x-api-key": ADMIN_KEY } })).json();
    expect(entries[0]).toMatchObject({ identity: "alice", role: "admin" });
    expect(entries[0].reason).toStartWith("oidc");
  });

  test("the strongest mapped role wins; without a mapping or a defaultRole the sign-in is refused", async () => {
    const bob = new Browser();
    expect((await signIn(bob, "sub-bob")).status).toBe(200);
    expect((await (await bob.go(`${url}/ui/session`)).json()).role).toBe("viewer");
    const carl = new Browser();
    const refused = await signIn(carl, "sub-carl");
    expect(refused.status).toBe(401);
    expect((await refused.json()).error).toContain("no role");
    expect(carl.jar.has("kubently_session")).toBe(false);
    expect(await backend.users!.get("carl")).toBeNull();
  });

  test("a provider account never takes over a local password user, nor another subject's user", async () => {
    await fetch(`${url}/admin/users`, { method: "POST", headers: { "x-api-key": ADMIN_KEY, "content-type": "application/json" }, body: JSON.stringify({ username: "local.admin", role: "admin", password: "a long local password" }) });
    const m = new Browser();
    const res = await signIn(m, "sub-mallory");
    expect(res.status).toBe(401);
    expect((await res.json()).error).toContain("local user with a password");
    const evil = new Browser();
    const other = await signIn(evil, "sub-evil-alice");
    expect(other.status).toBe(401);
    expect((await other.json()).error).toContain("another OIDC subject");
  });

  test("a password-less user an admin made is bound to the first subject of that name, keeping its role", async () => {
    await fetch(`${url}/admin/users`, { method: "POST", headers: { "x-api-key": ADMIN_KEY, "content-type": "application/json" }, body: JSON.stringify({ username: "pre.made", role: "operator" }) });
    const b = new Browser();
    expect((await signIn(b, "sub-pre")).status).toBe(200);
    expect((await (await b.go(`${url}/ui/session`)).json()).role).toBe("operator");
    expect((await backend.users!.get("pre.made"))?.oidcSubject).toBe("sub-pre");
  });

  test("a disabled OIDC user is refused at sign-in", async () => {
    await fetch(`${url}/admin/users/bob`, { method: "PATCH", headers: { "x-api-key": ADMIN_KEY, "content-type": "application/json" }, body: JSON.stringify({ disabled: true }) });
    const res = await signIn(new Browser(), "sub-bob");
    expect(res.status).toBe(401);
    expect((await res.json()).error).toContain("disabled");
  });

  test("a callback without the state cookie, with a forged state, or with the provider's error is refused", async () => {
    const b = new Browser();
    expect((await b.go(`${url}/ui/oidc/callback?code=x&state=y`)).status).toBe(401);
    await b.go(`${url}/ui/oidc/login`);
    const forged = await b.go(`${url}/ui/oidc/callback?code=x&state=not-the-state`);
    expect(forged.status).toBe(401);
    const b2 = new Browser();
    await b2.go(`${url}/ui/oidc/login`);
    const denied = await b2.go(`${url}/ui/oidc/callback?error=access_denied&error_description=no`);
    expect(denied.status).toBe(401);
    expect((await denied.json()).error).toContain("access_denied");
  });

  test("a state cookie from another sign-in does not fit this callback (state bound to the browser)", async () => {
    const a = new Browser();
    const start = await a.go(`${url}/ui/oidc/login`);
    const state = new URL(start.headers.get("location")!).searchParams.get("state");
    const b = new Browser();
    await b.go(`${url}/ui/oidc/login`);
    const res = await b.go(`${url}/ui/oidc/callback?code=x&state=${state}`);
    expect(res.status).toBe(401);
  });

  test("without oidc options the OIDC routes answer 404", async () => {
    const plain = createKubently({ policies: [readOnly()], apiKeys: [{ name: "root", key: ADMIN_KEY, role: "admin" }] });
    await plain.ready();
    expect((await plain.handle(new Request("http://x/ui/oidc/login"))).status).toBe(404);
    expect((await plain.handle(new Request("http://x/ui/oidc/callback?code=x"))).status).toBe(404);
    await plain.close();
  });

  test("mappedRole: strings or lists, the strongest match, nothing for unknown values", () => {
    const map = { ops: "operator", admins: "admin", all: "viewer" } as const;
    expect(mappedRole(["all", "ops"], map)).toBe("operator");
    expect(mappedRole("admins", map)).toBe("admin");
    expect(mappedRole(["x", 5, null], map)).toBeNull();
    expect(mappedRole(["toString", "__proto__"], map)).toBeNull();
    expect(mappedRole(undefined, map)).toBeNull();
  });
});
