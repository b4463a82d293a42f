/**
 * Alerts through the real path: an Alertmanager batch posted over HTTP to
 * `POST /alerts/alertmanager` -> the alerts service -> one `diagnose` command
 * per (cluster, namespace), queued, policed and audited as the posting key ->
 * the agent's native executor over the simulated cluster (the default
 * scenario, with its faults) -> the built-in analyzers -> findings rendered
 * for Slack, PagerDuty Events v2 and generic JSON receivers served on
 * loopback, with retries, breakers and dead letters.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { loadConfig } from "../../bin/_config.ts";
import { nativeExecutor } from "../../lib/agent/native.ts";
import { findingIsAbout, fingerprintOf, retryAfterMs, type AlertMessage } from "../../lib/alerts/index.ts";
import { isKubentlyError } from "../../lib/errors.ts";
import { createKubently, type Kubently } from "../../lib/kubently.ts";
import { type SimCluster, startSimCluster } from "../../lib/sim/index.ts";
import { BUILTIN_ANALYZERS } from "../../plugins/analyzers/index.ts";
import { readOnly } from "../../plugins/read-only.ts";
import { redactSecrets } from "../../plugins/redact-secrets.ts";
import { webhookReceiver } from "../_webhook-receiver.ts";

const OPS = "alerts-ops-0123456789abcdef";
const ADMIN = "alerts-admin-0123456789abcdef";
const VIEWER = "alerts-viewer-0123456789abcdef";
const OTHER = "alerts-other-0123456789abcdef";
const SHOP = "alerts-shop-0123456789abcdef";
const ROUTING_KEY = "R0UT1NGKEY0123456789abcdefghijkl";
const SLACK_PATH = "/services/T0SECRET/B0SECRET/xoxSECRETtoken";
const JSON_AUTH = "Bearer receiver-secret-0123456789";

const receiver = webhookReceiver;

let sim: SimCluster;
let k: Kubently;
let url = "";
let rx: ReturnType<typeof receiver>;
let downUrl = "";

const alert = (labels: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  status: "firing",
  labels,
  annotations: { summary: `${labels.alertname} fired`, runbook_url: "https://runbooks.example/x" },
  startsAt: "2026-02-02T12:00:00Z",
  endsAt: "0001-01-01T00:00:00Z",
  generatorURL: "http://prometheus.example/graph?g0.expr=up",
  fingerprint: fingerprintOf(labels),
  ...extra,
});
const CRASH = { alertname: "KubePodCrashLooping", cluster: "demo", namespace: "shop", pod: "checkout-6b8f9d7c5c-8wzrn", container: "checkout", severity: "critical", job: "kube-state-metrics" };
const OOM = { alertname: "KubeDeploymentReplicasMismatch", cluster: "demo", namespace: "shop", deployment: "recommendations", severity: "warning", job: "kube-state-metrics" };
const PULL = { alertname: "KubePodNotReady", cluster: "demo", namespace: "payments", pod: "payments-api-5d7f8b9c6d-kx7mn", severity: "warning" };
/** A realistic Alertmanager webhook (payload version 4). */
const batch = (alerts: unknown[], status = "firing") => ({
  version: "4",
  groupKey: '{}/{severity=~"warning|critical"}:{alertname="KubePodCrashLooping"}',
  truncatedAlerts: 0,
  status,
  receiver: "kubently",
  groupLabels: { alertname: "KubePodCrashLooping" },
  commonLabels: { cluster: "demo" },
  commonAnnotations: {},
  externalURL: "http://alertmanager.example:9093",
  alerts,
});

const post = async (body: unknown, key: string | null = OPS, raw?: string) => {
  const res = await fetch(`${url}/alerts/alertmanager`, { method: "POST", headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), "content-type": "application/json" }, body: raw ?? JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
};
const get = async (path: string, key = ADMIN) => {
  const res = await fetch(`${url}${path}`, { headers: { "x-api-key": key } });
  return { status: res.status, text: await res.text() };
};
const breaker = (name: string) => k.alerts.breakers().find((b) => b.name === name)!.snapshot();

beforeAll(async () => {
  sim = await startSimCluster();
  const kubeconfig = await sim.writeKubeconfig();
  rx = receiver((path, n) => {
    if (path === "/flaky") return n === 1 ? new Response("slow down", { status: 503, headers: { "retry-after": "0" } }) : n === 2 ? new Response("oops", { status: 500 }) : new Response("ok");
    if (path === "/broken") return new Response("receiver broken", { status: 500 });
    if (path === "/rejects") return new Response("bad payload", { status: 400 });
    return new Response(path === "/pd/v2/enqueue" ? JSON.stringify({ status: "success", dedup_key: "x" }) : "ok", { status: path === "/pd/v2/enqueue" ? 202 : 200 });
  });
  // A port nothing listens on: a receiver that is down.
  const gone = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
  downUrl = `http://127.0.0.1:${gone.port}/down`;
  gone.stop(true);
  k = createKubently({
    backend: memoryBackend(),
    policies: [readOnly(), redactSecrets()],
    apiKeys: [
      { name: "alertmanager", key: OPS },
      { name: "root", key: ADMIN, role: "admin" },
      { name: "viewer", key: VIEWER, role: "viewer" },
      { name: "other-team", key: OTHER, clusters: ["other"] },
      { name: "shop-team", key: SHOP, namespaces: ["shop"] },
    ],
    clusters: [{ id: "demo" }, { id: "other" }],
    alerts: {
      webhooks: [
        { id: "slack", type: "slack", url: `${rx.url}${SLACK_PATH}` },
        { id: "pagerduty", type: "pagerduty", url: `${rx.url}/pd/v2/enqueue`, routingKey: ROUTING_KEY },
        { id: "json", type: "json", url: `${rx.url}/json`, headers: { authorization: JSON_AUTH }, sendResolved: true },
        { id: "flaky", type: "json", url: `${rx.url}/flaky` },
        { id: "broken", type: "json", url: `${rx.url}/broken` },
        { id: "rejects", type: "json", url: `${rx.url}/rejects` },
        { id: "down", type: "json", url: downUrl },
      ],
      delivery: { attempts: 3, initialDelayMs: 5, maxDelayMs: 50, timeoutMs: 5000 },
      // Three failures in a row open a circuit, and it stays open for the whole suite (no trial call).
      breaker: { failures: 3, halfOpenAfterMs: { initial: 600_000, max: 600_000 } },
    },
  });
  await k.ready();
  url = (await k.listen({ port: 0 })).url;
  k.startLocalAgent({ clusterId: "demo", executor: nativeExecutor({ kubeconfig, analyzers: BUILTIN_ANALYZERS }) });
});
afterAll(async () => {
  await k.close();
  await sim.close();
  rx.stop();
});

describe("POST /alerts/alertmanager: diagnoses and deliveries", () => {
  let first: Record<string, any>;
  const messages = () => rx.at("/json").map((h) => h.body as AlertMessage);

  beforeAll(async () => {
    const r = await post(batch([alert(CRASH), alert(OOM), alert(PULL)]));
    expect(r.status).toBe(202);
    first = r.body;
    await k.alerts.idle();
  });

  test("answers 202 with one target per (cluster, namespace), each with an id, once queued", () => {
    expect(first.status).toBe("accepted");
    expect(first.accepted).toHaveLength(2);
    const shop = first.accepted.find((t: { namespace: string }) => t.namespace === "shop");
    expect(shop).toMatchObject({ cluster_id: "demo", alerts: ["KubePodCrashLooping", "KubeDeploymentReplicasMismatch"], workloads: ["Pod/checkout-6b8f9d7c5c-8wzrn", "Deployment/recommendations"] });
    expect(shop.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(first).toMatchObject({ resolved: [], skipped: [], refused: [], webhooks: ["slack", "pagerduty", "json", "flaky", "broken", "rejects", "down"] });
  });

  test("each diagnosis is a command queued and audited as the posting key, on behalf of the Alertmanager receiver", async () => {
    for (const t of first.accepted) {
      const trail = await k.backend.audit.query({ correlationId: t.id });
      expect(trail.map((e) => e.eventType)).toEqual(expect.arrayContaining(["alert.received", "command.queued", "command.executed"]));
      const queued = trail.find((e) => e.eventType === "command.queued")!;
      expect(queued).toMatchObject({ identity: "alertmanager", onBehalfOf: "alertmanager:kubently", argv: ["diagnose", "-n", t.namespace, "-o", "json"] });
    }
  });

  test("the JSON receiver gets our message: findings about the alerts' workloads, the rest as also_seen", () => {
    const shop = messages().find((m) => m.namespace === "shop")!;
    expect(shop).toMatchObject({ schema: "kubently.alert-diagnosis/v1", status: "firing", receiver: "kubently", cluster_id: "demo", external_url: "http://alertmanager.example:9093" });
    expect(shop.diagnosis!.status).toBe("success");
    const about = shop.diagnosis!.findings.map((f) => `${f.code} ${f.resource.kind}/${f.resource.name}`);
    expect(about).toEqual(expect.arrayContaining(["CrashLoopBackOff Pod/checkout-6b8f9d7c5c-8wzrn", "OOMKilled Pod/recommendations-84d6c9f7b8-zt5wd", "DeploymentUnavailable Deployment/recommendations"]));
    // Service postgres scaled to zero is in the namespace but about neither workload.
    expect(shop.diagnosis!.also_seen.map((f) => `${f.code} ${f.resource.kind}/${f.resource.name}`)).toContain("ServiceBackendScaledToZero Service/postgres");
    expect(shop.diagnosis!.findings.some((f) => f.resource.name === "postgres")).toBe(false);
    expect(shop.diagnosis!.summary.total).toBe(shop.diagnosis!.findings.length + shop.diagnosis!.also_seen_total);
    const payments = messages().find((m) => m.namespace === "payments")!;
    expect(payments.diagnosis!.findings.map((f) => f.code)).toEqual(["ImagePullBackOff"]);
    expect(rx.at("/json").every((h) => h.headers.authorization === JSON_AUTH && h.headers["content-type"] === "application/json")).toBe(true);
  });

  test("Slack gets one incoming-webhook message per target: text, blocks with the findings and a confirm command", () => {
    const bodies = rx.at(SLACK_PATH).map((h) => h.body);
    expect(bodies).toHaveLength(2);
    const shop = bodies.find((b) => b.text.includes("demo/shop"))!;
    expect(shop.text).toStartWith("[FIRING:2] KubePodCrashLooping, KubeDeploymentReplicasMismatch on demo/shop:");
    expect(shop.blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: "KubePodCrashLooping, KubeDeploymentReplicasMismatch on demo/shop" } });
    const texts = shop.blocks.map((b: any) => b.text?.text ?? b.elements?.[0]?.text ?? "").join("\n");
    expect(texts).toContain("*critical* `CrashLoopBackOff`");
    expect(texts).toContain("`kubently exec demo -- describe pod checkout-6b8f9d7c5c-8wzrn -n shop`");
    expect(texts).toContain("*Also seen in demo/shop:*");
    expect(shop.blocks.length).toBeLessThanOrEqual(50);
  });

  test("PagerDuty gets an Events v2 trigger per alert: routing key, dedup key = fingerprint, findings in custom_details", () => {
    const events = rx.at("/pd/v2/enqueue").map((h) => h.body);
    expect(events).toHaveLength(3);
    const crash = events.find((e) => e.dedup_key === fingerprintOf(CRASH))!;
    expect(crash).toMatchObject({ routing_key: ROUTING_KEY, event_action: "trigger", client: "Kubently", client_url: "http://alertmanager.example:9093" });
    expect(crash.payload).toMatchObject({ severity: "critical", source: "demo/shop", component: "Pod/checkout-6b8f9d7c5c-8wzrn", group: "shop", class: "KubePodCrashLooping" });
    expect(crash.payload.summary).toStartWith("KubePodCrashLooping on demo/shop: ");
    expect(crash.payload.custom_details.diagnosis.findings.map((f: { code: string }) => f.code)).toContain("CrashLoopBackOff");
    expect(crash.payload.custom_details.alert.labels).toEqual(CRASH);
    expect(events.find((e) => e.dedup_key === fingerprintOf(PULL))!.payload.severity).toBe("warning");
  });

  test("a receiver that fails twice (503 with Retry-After, then 500) gets it on the third attempt; retries are counted", async () => {
    const hits = rx.at("/flaky");
    // Two targets, so two deliveries: the receiver's first two answers fail, every later one succeeds.
    expect(hits).toHaveLength(4);
    expect(breaker("webhook:flaky").state).toBe("closed");
    const metrics = (await get("/metrics")).text;
    expect(metrics).toMatch(/kubently_webhook_retries_total\{webhook="flaky"\} 2/);
    expect(metrics).toMatch(/kubently_webhook_deliveries_total\{[^}]*webhook="flaky"[^}]*\} 2/);
  });

  test("a receiver that answers 400 is tried once: another 4xx is our fault, not worth a retry, and does not open its circuit", async () => {
    expect(rx.at("/rejects")).toHaveLength(2);
    expect(breaker("webhook:rejects")).toMatchObject({ state: "closed", opens: 0 });
  });

  test("what is still undelivered after the last attempt is a dead letter: readable by admins, counted, audited, without secrets", async () => {
    const r = await get("/alerts/dead-letters");
    expect(r.status).toBe(200);
    const view = JSON.parse(r.text) as { dead_letters: any[]; count: number };
    // Two deliveries raced to the broken receiver: each ran out of attempts on its 500s or met the circuit those 500s opened.
    const broken = view.dead_letters.filter((d) => d.webhook === "broken");
    expect(broken).toHaveLength(2);
    for (const d of broken) expect(d.error).toContain("HTTP 500: receiver broken");
    expect(broken.reduce((n, d) => n + d.attempts, 0)).toBe(rx.at("/broken").length);
    const rejected = view.dead_letters.filter((d) => d.webhook === "rejects");
    expect(rejected.map((d) => d.attempts)).toEqual([1, 1]);
    expect(rejected[0]).toMatchObject({ type: "json", status: 400, error: "HTTP 400: bad payload", target: { cluster_id: "demo" }, message: { schema: "kubently.alert-diagnosis/v1" } });
    expect(view.dead_letters.some((d) => d.webhook === "down" && /network error|unavailable/.test(d.error))).toBe(true);
    expect(r.text).not.toContain("SECRET");
    expect(r.text).not.toContain(ROUTING_KEY);
    expect(r.text).not.toContain("receiver-secret");
    const metrics = (await get("/metrics")).text;
    expect(metrics).toMatch(/kubently_webhook_dead_letters_total\{webhook="broken"\} [1-9]/);
    const audit = await k.backend.audit.query({ eventType: "alert.dead_lettered" });
    expect(audit.filter((e) => e.reason?.startsWith("webhook broken: ")).length).toBe(2);
    expect(audit.find((e) => e.reason?.startsWith("webhook rejects: "))).toMatchObject({ identity: "alertmanager", clusterId: "demo", reason: "webhook rejects: HTTP 400: bad payload", outcome: "failed" });
    expect((await get("/alerts/dead-letters", OPS)).status).toBe(403);
  });

  test("a receiver that is down opens its circuit; a later delivery fails at once without reaching the receiver", async () => {
    expect(breaker("webhook:down").state).toBe("open");
    expect(breaker("webhook:broken")).toMatchObject({ state: "open", lastFailure: "HTTP 500: receiver broken" });
    const before = rx.at("/broken").length;
    expect(before).toBeGreaterThanOrEqual(3);
    const r = await post(batch([alert({ ...CRASH, alertname: "KubePodCrashLoopingAgain" })]));
    expect(r.status).toBe(202);
    await k.alerts.idle();
    expect(rx.at("/broken")).toHaveLength(before);
    const letters = JSON.parse((await get("/alerts/dead-letters")).text).dead_letters as any[];
    const latest = letters.find((d) => d.webhook === "broken" && d.target.id === r.body.accepted[0].id)!;
    expect(latest).toMatchObject({ attempts: 0, status: null });
    expect(latest.error).toContain("webhook:broken is unavailable: circuit open");
    const metrics = (await get("/metrics")).text;
    expect(metrics).toMatch(/kubently_webhook_deliveries_total\{[^}]*outcome="circuit_open"[^}]*\} [1-9]|kubently_webhook_deliveries_total\{[^}]*webhook="broken"[^}]*outcome="circuit_open"/);
  });

  test("resolved alerts run no diagnosis: PagerDuty gets a resolve with the same dedup key, JSON (sendResolved) the message, Slack nothing", async () => {
    const slackBefore = rx.at(SLACK_PATH).length;
    const queuedBefore = (await k.backend.audit.query({ eventType: "command.queued", limit: 1000 })).length;
    const r = await post(batch([{ ...alert(CRASH), status: "resolved", endsAt: "2026-02-02T12:30:00Z" }], "resolved"));
    expect(r.status).toBe(202);
    expect(r.body.accepted).toEqual([]);
    expect(r.body.resolved).toHaveLength(1);
    await k.alerts.idle();
    const resolve = rx.at("/pd/v2/enqueue").map((h) => h.body).filter((e) => e.event_action === "resolve");
    expect(resolve).toEqual([{ routing_key: ROUTING_KEY, event_action: "resolve", dedup_key: fingerprintOf(CRASH) }]);
    expect(messages().find((m) => m.status === "resolved")).toMatchObject({ diagnosis: null, namespace: "shop" });
    expect(rx.at(SLACK_PATH)).toHaveLength(slackBefore);
    expect((await k.backend.audit.query({ eventType: "command.queued", limit: 1000 })).length).toBe(queuedBefore);
  });
});

describe("POST /alerts/alertmanager: who may post, and what", () => {
  test("no credential: 401; a viewer: 403 (an alert runs a diagnosis, which a viewer may not)", async () => {
    expect((await post(batch([alert(CRASH)]), null)).status).toBe(401);
    const viewer = await post(batch([alert(CRASH)]), VIEWER);
    expect(viewer.status).toBe(403);
    expect(viewer.body.code).toBe("FORBIDDEN");
  });

  test("a key scoped to another cluster cannot trigger a diagnosis of demo: 404, nothing queued", async () => {
    const r = await post(batch([alert(CRASH)]), OTHER);
    expect(r.status).toBe(404);
    expect(r.body.code).toBe("CLUSTER_NOT_FOUND");
    expect(r.body.details.refused[0]).toMatchObject({ alertname: "KubePodCrashLooping", cluster_id: "demo" });
    expect((await k.backend.audit.query({ limit: 1000 })).filter((e) => e.identity === "other-team")).toEqual([]);
  });

  test("a key scoped to namespace shop: a payments alert is refused (403), a mixed batch diagnoses shop only and lists the refusal", async () => {
    const only = await post(batch([alert(PULL)]), SHOP);
    expect(only.status).toBe(403);
    expect(only.body.error).toContain("not payments");
    const mixed = await post(batch([alert(CRASH), alert(PULL)]), SHOP);
    expect(mixed.status).toBe(202);
    expect(mixed.body.accepted.map((t: { namespace: string }) => t.namespace)).toEqual(["shop"]);
    expect(mixed.body.refused).toEqual([expect.objectContaining({ alertname: "KubePodNotReady", namespace: "payments", code: "FORBIDDEN" })]);
    await k.alerts.idle();
  });

  test("bad payloads get a 4xx naming the problem", async () => {
    const cases: [unknown, number, RegExp][] = [
      [[1, 2], 400, /JSON object/],
      [{ receiver: "x", status: "firing" }, 400, /alerts/],
      [{ receiver: "x", status: "firing", alerts: "nope" }, 400, /alerts/],
      [{ receiver: "x", status: "firing", alerts: [] }, 400, /alerts: must hold at least one alert/],
      [{ receiver: "x", status: "burning", alerts: [alert(CRASH)] }, 400, /status: must be "firing" or "resolved"/],
      [{ receiver: "x", status: "firing", version: "3", alerts: [alert(CRASH)] }, 400, /version "4"/],
      [{ receiver: "x", status: "firing", alerts: [{ status: "firing", labels: { a: 1 } }] }, 400, /alerts\.0\.labels\.a: label values must be strings/],
      [batch(Array.from({ length: 501 }, (_, i) => alert({ ...CRASH, i: String(i) }))), 400, /at most 500 alerts.*max_alerts/],
      [batch([alert({ alertname: "NoCluster", namespace: "shop" })]), 400, /no "cluster" label/],
      [batch([alert({ ...CRASH, namespace: "Not_A_Label" })]), 400, /namespace is not a DNS label/],
    ];
    for (const [body, status, message] of cases) {
      const r = await post(body);
      expect({ status: r.status, error: r.body.error }).toEqual({ status, error: expect.stringMatching(message) });
    }
    expect((await post(null, OPS, "{not json")).body.code).toBe("INVALID_JSON");
    const big = await post(null, OPS, JSON.stringify({ receiver: "x".repeat(1024 * 1024 + 10) }));
    expect(big.status).toBe(413);
  });

  test("GET /alerts/dead-letters: no credential 401, operator 403, admin 200", async () => {
    expect((await fetch(`${url}/alerts/dead-letters`)).status).toBe(401);
    expect((await get("/alerts/dead-letters", OPS)).status).toBe(403);
    expect((await get("/alerts/dead-letters", ADMIN)).status).toBe(200);
  });
});

describe("bounds and configuration", () => {
  test("a batch past maxTargets diagnoses the first ones and lists the rest as skipped; past the queue: 503 ALERTS_BUSY with retry_after", async () => {
    const q = createKubently({ policies: [readOnly()], apiKeys: [{ name: "am", key: OPS }], clusters: [{ id: "a" }, { id: "b" }], alerts: { maxTargets: 2, queueSize: 2, diagnoseTimeoutSeconds: 30 } });
    await q.ready();
    const server = await q.listen({ port: 0 });
    try {
      // No agent serves clusters a and b: each diagnosis waits, so the queue stays full for the test.
      const send = (alerts: unknown[]) => fetch(`${server.url}/alerts/alertmanager`, { method: "POST", headers: { "x-api-key": OPS, "content-type": "application/json" }, body: JSON.stringify(batch(alerts)) }).then(async (r) => ({ status: r.status, retryAfter: r.headers.get("retry-after"), body: (await r.json()) as any }));
      const r = await send([alert({ alertname: "A", cluster: "a", namespace: "x" }), alert({ alertname: "B", cluster: "a", namespace: "y" }), alert({ alertname: "C", cluster: "b", namespace: "z" })]);
      expect(r.status).toBe(202);
      expect(r.body.accepted.map((t: any) => `${t.cluster_id}/${t.namespace}`)).toEqual(["a/x", "a/y"]);
      expect(r.body.skipped).toEqual([expect.objectContaining({ cluster_id: "b", namespace: "z", reason: "over 2 targets in one request" })]);
      const busy = await send([alert({ alertname: "D", cluster: "b", namespace: "w" })]);
      expect(busy.status).toBe(503);
      expect(busy.body).toMatchObject({ code: "ALERTS_BUSY", details: { retry_after: 5, queue_size: 2 } });
      // Alertmanager (and any HTTP client) reads when to come back from the header.
      expect(busy.retryAfter).toBe("5");
      expect(q.alerts.stats()).toMatchObject({ running: 2 });
    } finally {
      await q.close();
    }
    // Closing cancelled the waiting diagnoses and took nothing more.
    expect(q.alerts.stats()).toEqual({ queued: 0, running: 0, deadLetters: 0 });
  });

  test("a bad alerts option is refused at creation, naming the field and never quoting a secret", () => {
    const bad = (alerts: unknown) => {
      try {
        createKubently({ policies: [], alerts: alerts as never });
        return "created";
      } catch (e) {
        expect(isKubentlyError(e, "VALIDATION_FAILED")).toBe(true);
        return (e as Error).message;
      }
    };
    expect(bad({ webhooks: [{ id: "s", type: "slack", url: "hooks.slack.com/services/T0SECRET" }] })).toBe("alerts: webhooks.0.url: must be an http(s) URL");
    expect(bad({ webhooks: [{ id: "p", type: "pagerduty" }] })).toContain("a pagerduty webhook needs a routingKey");
    expect(bad({ webhooks: [{ id: "s", type: "slack" }] })).toContain("every slack and json webhook needs a url");
    expect(bad({ webhooks: [{ id: "Bad Id", type: "json", url: "http://x" }] })).toContain("webhooks.0.id: must be kebab-case");
    expect(bad({ webhooks: [{ id: "a", type: "teams", url: "http://x" }] })).toContain("webhooks.0.type: must be one of slack, pagerduty, json");
    expect(bad({ webhooks: [{ id: "a", type: "json", url: "http://x" }, { id: "a", type: "json", url: "http://y" }] })).toContain("webhook ids must be unique");
    expect(bad({ webhok: [] })).toContain("webhok");
  });

  test("the executable's config file takes `alerts`, and its errors never print a routing key or URL", () => {
    const dir = mkdtempSync(join(tmpdir(), "kubently-alerts-config-"));
    const file = join(dir, "config.json");
    writeFileSync(file, JSON.stringify({ alerts: { webhooks: [{ id: "pd", type: "pagerduty", routingKey: ROUTING_KEY }] } }));
    expect(loadConfig(["--config", file], {}).config.alerts).toEqual({ webhooks: [{ id: "pd", type: "pagerduty", routingKey: ROUTING_KEY }] });
    writeFileSync(file, JSON.stringify({ alerts: { webhooks: [{ id: "s", type: "slack", url: `ftp://hooks.example${SLACK_PATH}`, routingKey: 42 }] } }));
    let message = "";
    try {
      loadConfig(["--config", file], {});
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^invalid configuration: alerts\.webhooks\.0\./);
    expect(message).not.toContain("SECRET");
  });
});

describe("pure parts", () => {
  test("findingIsAbout: a workload's own object, its pods and ReplicaSets by the controllers' naming; a pod only itself", () => {
    const f = (kind: string, name: string) => ({ resource: { kind, name } });
    expect(findingIsAbout(f("Pod", "web-7d9c-abcde"), { kind: "Deployment", name: "web" })).toBe(true);
    expect(findingIsAbout(f("ReplicaSet", "web-7d9c"), { kind: "Deployment", name: "web" })).toBe(true);
    expect(findingIsAbout(f("Pod", "webapp-7d9c-abcde"), { kind: "Deployment", name: "web" })).toBe(false);
    expect(findingIsAbout(f("Pod", "db-0"), { kind: "StatefulSet", name: "db" })).toBe(true);
    expect(findingIsAbout(f("Pod", "db-x"), { kind: "StatefulSet", name: "db" })).toBe(false);
    expect(findingIsAbout(f("Pod", "p-1"), { kind: "Pod", name: "p" })).toBe(false);
    expect(findingIsAbout(f("Job", "nightly"), { kind: "Job", name: "nightly" })).toBe(true);
  });

  test("retryAfterMs reads delta-seconds and HTTP dates", () => {
    expect(retryAfterMs("3")).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs("soon")).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });

  test("fingerprintOf is stable under label order", () => {
    expect(fingerprintOf({ a: "1", b: "2" })).toBe(fingerprintOf({ b: "2", a: "1" }));
    expect(fingerprintOf({ a: "1" })).not.toBe(fingerprintOf({ a: "2" }));
    expect(fingerprintOf({ a: "1" })).toMatch(/^[0-9a-f]{16}$/);
  });
});
