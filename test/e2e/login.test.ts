/**
 * End to end through the compiled binary (issue 13, item 2): `kubently user`
 * against `kubently api`, then a console sign-in with the password it set
 * (argon2id in WebAssembly inside the single-file executable), and the
 * demo's "Console login" line.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startIdp, TestBrowser } from "../_oidc.ts";
import { BINARY, ensureBinary, prerequisites, run, type Proc } from "./_harness.ts";

const { skip } = prerequisites([ensureBinary()]);
const ADMIN = "login-e2e-admin-key-0123456789";
const PASSWORD = "a long and sturdy passphrase";
let api: Proc;
let url = "";

async function cli(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = Bun.spawn([BINARY, ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: mkdtempSync(join(tmpdir(), "kubently-login-")), KUBENTLY_API_URL: url, KUBENTLY_API_KEY: ADMIN },
    stdin: stdin === undefined ? "ignore" : new Blob([stdin]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}

const signIn = (username: string, password: string) =>
  fetch(`${url}/ui/login`, { method: "POST", headers: { "content-type": "application/json", origin: url }, body: JSON.stringify({ username, password }) });

beforeAll(async () => {
  if (skip) return;
  api = run(["api", "--port", "0", "--disable-a2a", "--host", "127.0.0.1", "--admin-key", ADMIN]);
  url = (await api.waitFor(/API listening on (http:\/\/\S+)/))[1]!;
});
afterAll(async () => {
  await api?.stop();
});

describe.skipIf(skip)("kubently user, through the binary", () => {
  test("user add --password-stdin, then a console sign-in with that password works and the cookie reads as the user", async () => {
    const added = await cli(["user", "add", "alice", "--role", "operator", "--password-stdin"], `${PASSWORD}\n`);
    expect(added).toMatchObject({ code: 0, stdout: "created user alice (role operator)\n" });
    const res = await signIn("alice", PASSWORD);
    expect(res.status).toBe(200);
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    const session = await fetch(`${url}/ui/session`, { headers: { cookie: cookie.split(";")[0]! } });
    expect(await session.json()).toMatchObject({ username: "alice", role: "operator" });
    expect((await signIn("alice", "not the passphrase")).status).toBe(401);
  });

  test("a weak password is refused before anything is sent; without --password-stdin and no terminal, user add refuses", async () => {
    const weak = await cli(["user", "add", "bob", "--role", "viewer", "--password-stdin"], "short\n");
    expect(weak.code).toBe(2);
    expect(weak.stderr).toContain("refusing a weak password: the password must be at least 12 characters");
    const noTty = await cli(["user", "add", "bob", "--role", "viewer"]);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toContain("--password-stdin");
    const missingRole = await cli(["user", "add", "bob", "--password-stdin"], PASSWORD);
    expect(missingRole.code).toBe(2);
    expect(missingRole.stderr).toContain("--role");
    expect((await cli(["user", "list", "--json"])).stdout).not.toContain('"bob"');
  });

  test("user list, set, passwd and remove", async () => {
    expect((await cli(["user", "add", "carol", "--role", "viewer", "--password-stdin"], PASSWORD)).code).toBe(0);
    expect((await cli(["user", "add", "sso.dave", "--role", "viewer", "--no-password"])).stdout).toContain("OIDC sign-in only");
    const list = await cli(["user", "list"]);
    expect(list.code).toBe(0);
    expect(list.stdout.split("\n")[0]).toMatch(/^NAME\s+ROLE\s+SIGN-IN\s+DISABLED\s+CREATED\s+LAST LOGIN$/);
    expect(list.stdout).toMatch(/^carol\s+viewer\s+password\s+no\s/m);
    expect(list.stdout).toMatch(/^sso\.dave\s+viewer\s+-\s+no\s/m);
    expect(list.stdout).not.toContain("argon2");
    expect((await cli(["user", "set", "carol", "--role", "operator", "--disable"])).stdout).toBe("user carol: role operator, disabled\n");
    expect((await signIn("carol", PASSWORD)).status).toBe(401);
    expect((await cli(["user", "set", "carol", "--enable"])).code).toBe(0);
    expect((await cli(["user", "passwd", "carol", "--password-stdin"], "a fresh new passphrase")).code).toBe(0);
    expect((await signIn("carol", "a fresh new passphrase")).status).toBe(200);
    expect((await cli(["user", "remove", "carol"])).stdout).toBe("removed user carol\n");
    const gone = await cli(["user", "remove", "carol"]);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain("error (NOT_FOUND)");
    const audit = await (await fetch(`${url}/audit?limit=1000`, { headers: { "x-api-key": ADMIN } })).json();
    const events = audit.entries.map((e: { eventType: string }) => e.eventType);
    for (const e of ["user.created", "user.updated", "user.password.changed", "user.deleted", "user.login", "user.login.failed"]) expect(events).toContain(e);
  });

  test("kubently user --help and a mistyped subcommand", async () => {
    const help = await cli(["user", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("add NAME --role ROLE [--password-stdin | --no-password]");
    const wrong = await cli(["user", "ad", "x"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('unknown subcommand "ad"');
  });
});

describe.skipIf(skip)("kubently demo", () => {
  test("prints a Console login whose password signs in as admin", async () => {
    const demo = run(["demo", "--port", "0", "--disable-a2a", "--executor", "echo"]);
    try {
      const [, consoleUrl, password] = (await demo.waitFor(/Console:\s+(http:\/\/\S+)\/ui\s+Console login: admin \/ (\S+)/, 30_000));
      const res = await fetch(`${consoleUrl}/ui/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "admin", password }) });
      expect(res.status).toBe(200);
      expect((await res.json()).role).toBe("admin");
    } finally {
      await demo.stop();
    }
  }, 40_000);
});

describe.skipIf(skip)("OIDC through the binary", () => {
  test("oidc in the config file: a sign-in through oidc-provider sets the session cookie with the mapped role", async () => {
    const port = await freePort();
    const idp = await startIdp(`http://127.0.0.1:${port}/ui/oidc/callback`, { "sub-erin": { email: "Erin@Example.com", email_verified: true, groups: ["sre"] } });
    const dir = mkdtempSync(join(tmpdir(), "kubently-oidc-"));
    const config = join(dir, "kubently.json");
    writeFileSync(config, JSON.stringify({ oidc: { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, scopes: ["openid", "email", "groups"], roleMap: { sre: "operator" } } }));
    const p = run(["api", "--config", config, "--port", String(port), "--disable-a2a", "--host", "127.0.0.1", "--admin-key", ADMIN]);
    try {
      const apiUrl = (await p.waitFor(/API listening on (http:\/\/\S+)/))[1]!;
      const b = new TestBrowser(apiUrl);
      const done = await b.signIn(idp.issuer, "sub-erin");
      expect(done.status).toBe(200);
      const session = await b.go(`${apiUrl}/ui/session`);
      expect(await session.json()).toMatchObject({ username: "erin@example.com", role: "operator" });
    } finally {
      await p.stop();
      await idp.close();
    }
  }, 30_000);
});
