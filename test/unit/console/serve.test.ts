/** consoleRoute: the shell and assets, their headers (CSP, nosniff, caching), and what it leaves to the API. */
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { CONSOLE_CSP, consoleFiles, consoleRoute, consoleShell } from "../../../lib/console/index.ts";
import { DIST, ensureConsoleBuilt } from "./_built.ts";

const req = (path: string, init?: RequestInit) => new Request(`http://kubently.test${path}`, init);
const get = async (path: string, init?: RequestInit) => {
  const r = consoleRoute(req(path, init));
  if (!r) throw new Error(`${path} was not the console's`);
  return r;
};
/** The asset URLs the shell references, as absolute paths. */
const assetPaths = (html: string) => [...html.matchAll(/(?:src|href)="(assets\/[^"]+)"/g)].map((m) => `/ui/${m[1]}`);

beforeAll(ensureConsoleBuilt, 120_000);

describe("consoleRoute", () => {
  test("GET /ui/ answers the HTML shell with the strict CSP and security headers", async () => {
    const res = await get("/ui/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-security-policy")).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("etag")).toMatch(/^"[0-9a-f]{32}"$/);
    const html = await res.text();
    expect(html).toStartWith("<!doctype html>");
    expect(html).toContain('<div id="app"></div>');
  });

  test("the shell has no inline script, inline style or remote reference", async () => {
    const html = await (await get("/ui/")).text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBe(1);
    expect(scripts[0]![1]).toMatch(/type="module" src="assets\/app-[0-9a-f]{16}\.js"/);
    expect(scripts[0]![2]).toBe("");
    expect(html).not.toMatch(/<style|style=|\son[a-z]+=|javascript:|https?:\/\//i);
  });

  test("/ui/index.html is the shell too; /ui redirects to ui/ (relative, so a base path survives)", async () => {
    expect(await (await get("/ui/index.html")).text()).toBe(await (await get("/ui/")).text());
    const r = await get("/ui");
    expect(r.status).toBe(308);
    expect(r.headers.get("location")).toBe("ui/");
  });

  test("the assets the shell names are the built files, typed, immutable and hashed by content", async () => {
    const html = await (await get("/ui/")).text();
    const paths = assetPaths(html);
    expect(paths.length).toBe(2);
    const js = paths.find((p) => p.endsWith(".js"));
    const css = paths.find((p) => p.endsWith(".css"));
    const jsRes = await get(js!);
    expect(jsRes.status).toBe(200);
    expect(jsRes.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(jsRes.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(jsRes.headers.get("content-security-policy")).toBe(CONSOLE_CSP);
    expect(jsRes.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await jsRes.text()).toBe(readFileSync(resolve(DIST, "app.js.txt"), "utf8"));
    const cssRes = await get(css!);
    expect(cssRes.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(cssRes.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(await cssRes.text()).toBe(readFileSync(resolve(DIST, "app.css.txt"), "utf8"));
  });

  test("HEAD answers the headers without a body; a matching If-None-Match is a 304", async () => {
    const full = await get("/ui/");
    const head = await get("/ui/", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe(full.headers.get("content-type"));
    expect(await head.text()).toBe("");
    const cached = await get("/ui/", { headers: { "if-none-match": full.headers.get("etag")! } });
    expect(cached.status).toBe(304);
    expect(await cached.text()).toBe("");
    expect(cached.headers.get("etag")).toBe(full.headers.get("etag"));
  });

  test("an unknown asset is a 404 in the REST error shape, with the caller's request id", async () => {
    const r = consoleRoute(req("/ui/assets/app-0000000000000000.js"), { requestId: "req-1" })!;
    const res = await r;
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("x-request-id")).toBe("req-1");
    const body = await res.json();
    expect(body).toEqual({ error: expect.stringContaining("no console asset named app-0000000000000000.js"), code: "NOT_FOUND", request_id: "req-1" });
    // Only the two built names exist: a path that climbs out is normalized away or unknown.
    expect(consoleRoute(req("/ui/assets/../../etc/passwd"))).toBeNull();
    expect((await get("/ui/assets/..%2F..%2Fetc%2Fpasswd")).status).toBe(404);
  });

  test("everything else is left to the API: other paths, the login routes, and methods other than GET and HEAD", () => {
    for (const path of ["/", "/uix", "/ui/login", "/ui/session", "/ui/logout", "/ui/oidc/login", "/ui/config", "/debug/clusters", "/events", "/ui/assetsx"]) {
      expect({ path, route: consoleRoute(req(path)) }).toEqual({ path, route: null });
    }
    for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
      expect({ method, route: consoleRoute(req("/ui/", { method })) }).toEqual({ method, route: null });
    }
  });

  test("the CSP allows nothing inline, no eval and no other origin", () => {
    expect(CONSOLE_CSP).not.toMatch(/unsafe|\*|https?:|blob:/);
    const directives = Object.fromEntries(CONSOLE_CSP.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1).join(" ")]));
    expect(directives).toEqual({
      "default-src": "'none'", "script-src": "'self'", "style-src": "'self'", "connect-src": "'self'",
      "img-src": "'self' data:", "font-src": "'self'", "base-uri": "'none'", "form-action": "'self'", "frame-ancestors": "'none'",
    });
  });
});

describe("consoleFiles", () => {
  test("asset names follow their content, so a new build is never served from a stale cache", () => {
    const a = consoleFiles("console.log(1)", "a{}");
    const b = consoleFiles("console.log(2)", "a{}");
    const names = (x: typeof a) => [...x.assets.keys()];
    expect(names(a)[0]).not.toBe(names(b)[0]);
    expect(names(a)[1]).toBe(names(b)[1]);
    expect(a.shell.body).toBe(consoleShell(names(a)[0]!, names(a)[1]!));
    expect(a.shell.etag).not.toBe(b.shell.etag);
  });
});
