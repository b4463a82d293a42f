/** The console's pure parts: routes and roles, links, API calls (CSRF, errors), text helpers, and the page models. */
import { afterEach, describe, expect, test } from "bun:test";
import { ApiError, apiBase, onUnauthenticated, path, request, setCsrfToken, withQuery } from "../../../lib/console/ui/api.ts";
import { ago, argvText, splitArgs } from "../../../lib/console/ui/format.ts";
import { FEED_EVENT_TYPES, toFeedRow } from "../../../lib/console/ui/feed.ts";
import { ROUTES, allowed, can, href, matchRoute, navFor } from "../../../lib/console/ui/routes.ts";
import { offersSso } from "../../../lib/console/ui/session.ts";
import { auditQuery, filtersOf } from "../../../lib/console/pages/audit.tsx";
import { groupBySeverity } from "../../../lib/console/pages/diagnose.tsx";
import { safeNext } from "../../../lib/console/pages/login.tsx";
import { replaySteps } from "../../../lib/console/pages/replay.tsx";
import type { AuditEntryView, Finding } from "../../../lib/console/ui/types.ts";

describe("routes", () => {
  test("matchRoute names the page and decodes parameters; empty and / are the clusters page", () => {
    expect(matchRoute("").route.page).toBe("clusters");
    expect(matchRoute("#/").route.page).toBe("clusters");
    expect(matchRoute("#/clusters").route.page).toBe("clusters");
    const m = matchRoute("#/clusters/a%2Fb?x=1");
    expect([m.route.page, m.params.id, m.query.get("x")]).toEqual(["cluster", "a/b", "1"]);
    expect(matchRoute("#/diagnose/demo?namespace=shop").params).toEqual({ id: "demo" });
    expect(matchRoute("#/sessions/s-1").route.page).toBe("replay");
    expect(matchRoute("#/terminal").route.page).toBe("terminal");
    expect(matchRoute("#/admin/keys").route.page).toBe("admin-keys");
    expect(matchRoute("#/admin/tokens").route.page).toBe("admin-tokens");
    expect(matchRoute("#/login?next=/audit").route.page).toBe("login");
    expect(matchRoute("#/nope").route.page).toBe("not-found");
    expect(matchRoute("#/clusters/%E0%A4%A").route.page).toBe("not-found");
  });

  test("a viewer sees no admin pages, no diagnose and no terminal, and may not execute; an operator executes; an admin has all", () => {
    const nav = (role: string) => navFor(role).map((r) => r.path);
    expect(nav("viewer")).toEqual(["/clusters", "/feed", "/audit"]);
    expect(allowed(matchRoute("#/diagnose/demo").route, "viewer")).toBe(false);
    expect(nav("operator")).toEqual(["/clusters", "/feed", "/diagnose", "/audit", "/terminal"]);
    expect(nav("admin")).toEqual(["/clusters", "/feed", "/diagnose", "/audit", "/terminal", "/admin/keys", "/admin/tokens"]);
    expect(navFor(null)).toEqual([]);
    const admin = ROUTES.filter((r) => r.needs === "admin");
    expect(admin.every((r) => !allowed(r, "viewer") && !allowed(r, "operator") && allowed(r, "admin"))).toBe(true);
    expect([can.execute("viewer"), can.execute("operator"), can.execute("admin"), can.execute(undefined)]).toEqual([false, true, true, false]);
    expect([can.admin("operator"), can.admin("admin")]).toEqual([false, true]);
    expect(allowed(matchRoute("#/login").route, null)).toBe(true);
    expect(allowed(matchRoute("#/clusters").route, null)).toBe(false);
  });

  test("href encodes every interpolated part, so an id cannot change the route", () => {
    expect(href("/clusters/", "a/b#c")).toBe("#/clusters/a%2Fb%23c");
    expect(href("/audit", { cluster_id: "x y", event_type: "", since: undefined })).toBe("#/audit?cluster_id=x+y");
    expect(matchRoute(href("/sessions/", "../admin/keys")).route.page).toBe("replay");
  });

  test("safeNext keeps console routes and refuses anything that could leave the page", () => {
    expect(safeNext("/audit?cluster_id=x")).toBe("/audit?cluster_id=x");
    for (const bad of [null, "", "/login?next=/audit", "//evil.example", "https://evil.example", "javascript:alert(1)", "/a\"b"]) expect(safeNext(bad)).toBe("/clusters");
  });
});

describe("api", () => {
  const realFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = realFetch;
    setCsrfToken(null);
  });
  const capture = (status: number, body: unknown) => {
    const calls: { url: string; init: RequestInit }[] = [];
    globalThis.fetch = (async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return new Response(body === null ? null : JSON.stringify(body), { status, headers: { "content-type": "application/json", "x-request-id": "rid" } });
    }) as typeof fetch;
    return calls;
  };

  test("apiBase is the path in front of /ui, so a mount under a base path works", () => {
    expect(apiBase("/ui/")).toBe("");
    expect(apiBase("/ui")).toBe("");
    expect(apiBase("/kubently/ui/")).toBe("/kubently");
    expect(apiBase("/")).toBe("");
  });

  test("path encodes interpolations; withQuery leaves out empty values", () => {
    expect(path`/debug/clusters/${"a/../b"}`).toBe("/debug/clusters/a%2F..%2Fb");
    expect(withQuery("/audit", { cluster_id: "demo", since: "", limit: 5, x: undefined })).toBe("/audit?cluster_id=demo&limit=5");
  });

  test("every call is same-origin with credentials; the CSRF token goes on non-GET requests only", async () => {
    setCsrfToken("tok");
    const calls = capture(200, { ok: true });
    await request("GET", "/debug/clusters");
    await request("POST", "/debug/execute", { body: { cluster_id: "demo", argv: ["get", "pods"] } });
    await request("DELETE", "/admin/keys/k1");
    expect(calls.map((c) => c.init.credentials)).toEqual(["same-origin", "same-origin", "same-origin"]);
    const csrf = calls.map((c) => (c.init.headers as Record<string, string>)["x-csrf-token"] ?? null);
    expect(csrf).toEqual([null, "tok", "tok"]);
    expect(calls[1]!.init.body).toBe('{"cluster_id":"demo","argv":["get","pods"]}');
    expect((calls[1]!.init.headers as Record<string, string>)["content-type"]).toBe("application/json");
  });

  test("an error answer becomes an ApiError with the API's code and request id; a 401 tells the app", async () => {
    capture(403, { error: "viewers may not execute", code: "FORBIDDEN", request_id: "r-9" });
    const e = await request("POST", "/debug/execute", { body: {} }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect([(e as ApiError).status, (e as ApiError).code, (e as ApiError).message, (e as ApiError).requestId]).toEqual([403, "FORBIDDEN", "viewers may not execute", "r-9"]);
    let told = 0;
    const off = onUnauthenticated(() => told++);
    capture(401, { error: "no", code: "UNAUTHENTICATED" });
    await request("GET", "/debug/clusters").catch(() => {});
    await request("GET", "/ui/session", { quiet401: true }).catch(() => {});
    off();
    expect(told).toBe(1);
    capture(403, { status: "denied", output: "" });
    expect((await request("POST", "/debug/execute", { accept: [403] })).data).toEqual({ status: "denied", output: "" });
  });
});

describe("format", () => {
  test("ago", () => {
    const now = Date.parse("2026-01-01T12:00:00Z");
    expect(ago(null, now)).toBe("never");
    expect(ago("2026-01-01T11:59:30Z", now)).toBe("30s ago");
    expect(ago("2026-01-01T11:30:00Z", now)).toBe("30m ago");
    expect(ago("2026-01-01T06:00:00Z", now)).toBe("6h ago");
    expect(ago("2025-12-25T12:00:00Z", now)).toBe("7d ago");
    expect(ago("2026-01-01T12:00:05Z", now)).toBe("just now");
    expect(ago("garbage", now)).toBe("unknown");
  });

  test("argvText quotes what a shell would split; splitArgs reads it back", () => {
    const argv = ["get", "pods", "-l", "app=web,tier in (a b)", "-n", "it's"];
    const line = argvText(argv);
    expect(line).toBe(`kubectl get pods -l 'app=web,tier in (a b)' -n 'it'\\''s'`);
    expect(splitArgs(`kubectl get pods -l "app=web,tier in (a b)" -n it\\'s`)).toEqual(argv);
    expect(splitArgs("  logs  web-1 --tail 20 ")).toEqual(["logs", "web-1", "--tail", "20"]);
    expect(splitArgs(`get pods -o jsonpath='{.items[*]}' ''`)).toEqual(["get", "pods", "-o", "jsonpath={.items[*]}", ""]);
  });
});

describe("page models", () => {
  test("toFeedRow reads snake_case, camelCase and nested fields; bad JSON becomes the detail", () => {
    const r = toFeedRow("command.finished", "17", JSON.stringify({ at: 1, data: { cluster_id: "demo", argv: ["get", "pods"], status: "success", command_id: "c1", identity: { name: "alice" } } }));
    expect(r).toEqual({ key: "17", type: "command.finished", at: 1, clusterId: "demo", identity: "alice", argv: ["get", "pods"], status: "success", commandId: "c1", sessionId: null, detail: null });
    const m = toFeedRow("message", "18", JSON.stringify({ type: "agent.lost", clusterId: "prod", timestamp: "2026-01-01T00:00:00Z" }));
    expect([m.type, m.clusterId, m.at]).toEqual(["agent.lost", "prod", "2026-01-01T00:00:00Z"]);
    expect(toFeedRow("reset", "19", "not json").detail).toBe("not json");
    expect(FEED_EVENT_TYPES).toContain("command.queued");
    expect(FEED_EVENT_TYPES).toContain("diagnosis.finished");
  });

  test("groupBySeverity puts critical first and keeps the server's order inside a group", () => {
    const f = (id: string, severity: string) => ({ id, severity }) as unknown as Finding;
    const groups = groupBySeverity([f("a", "info"), f("b", "critical"), f("c", "warning"), f("d", "critical")]);
    expect(groups.map((g) => [g.severity, g.findings.map((x) => x.id)])).toEqual([["critical", ["b", "d"]], ["warning", ["c"]], ["info", ["a"]]]);
  });

  test("replaySteps orders a session's entries and folds each command's entries into one step", () => {
    const e = (seq: number, eventType: string, commandId?: string) => ({ seq, eventType, at: seq, timestamp: "", identity: "alice", ...(commandId ? { commandId, argv: ["get", "pods"] } : {}) }) as AuditEntryView;
    const steps = replaySteps([e(4, "command.executed", "c1"), e(1, "session.created"), e(2, "command.queued", "c1"), e(3, "command.queued", "c2"), e(5, "session.ended")]);
    expect(steps.map((s) => (s.kind === "event" ? s.entry.eventType : `${s.commandId}:${s.entries.map((x) => x.seq).join(",")}`))).toEqual(["session.created", "c1:2,4", "c2:3", "session.ended"]);
  });

  test("audit filters travel in the hash; since is sent as an ISO date", () => {
    const f = filtersOf(new URLSearchParams("cluster_id=demo&identity=alice&since=2026-01-01T10:00"));
    expect(f).toEqual({ cluster_id: "demo", event_type: "", identity: "alice", since: "2026-01-01T10:00", limit: "200" });
    const q = new URLSearchParams(auditQuery(f).split("?")[1]);
    expect([q.get("cluster_id"), q.has("identity"), q.get("limit"), new Date(q.get("since")!).getTime()]).toEqual(["demo", false, "200", new Date("2026-01-01T10:00").getTime()]);
  });

  test("offersSso reads the server's hint in any of its spellings, and nothing else", () => {
    for (const yes of [{ oidc: true }, { oidc: { enabled: true } }, { oidc_enabled: true }, { sso: true }, { details: { oidc: true } }]) expect(offersSso(yes)).toBe(true);
    for (const no of [null, "oidc", {}, { oidc: false }, { oidc: { enabled: false } }, { error: "no session", code: "UNAUTHENTICATED" }]) expect(offersSso(no)).toBe(false);
  });
});
