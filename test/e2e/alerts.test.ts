/**
 * Alerts through the compiled binary (issue 14, item 7): `kubently demo`
 * with an `alerts` section in its config file takes an Alertmanager webhook
 * at `POST /alerts/alertmanager`, diagnoses the simulated cluster's faults in
 * the alerted namespace, and delivers the findings to Slack, PagerDuty and
 * generic JSON receivers served here on loopback; a flaky receiver gets them
 * on a retry, a broken one ends in a dead letter and an open circuit, and no
 * secret reaches the log.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { webhookReceiver } from "../_webhook-receiver.ts";
import { ensureBinary, prerequisites, run, type Proc } from "./_harness.ts";

const { skip } = prerequisites([ensureBinary()]);
const KEY = "e2e-alerts-key-0123456789abcdef";
const ADMIN = "e2e-alerts-admin-0123456789abcdef";
const ROUTING_KEY = "E2EROUTINGKEY0123456789abcdefghij";
const SLACK_PATH = "/services/T0E2E/B0E2E/e2eSlackSecretPath";

/** Waits (bounded) until `done()` holds; the assertions that follow say what was expected. */
async function until(done: () => boolean, tries = 600): Promise<void> {
  for (let i = 0; i < tries && !done(); i++) await Bun.sleep(50);
}

describe.skipIf(skip)("alerts through the compiled binary", () => {
  let demo: Proc;
  let url = "";
  let receivers: ReturnType<typeof webhookReceiver>;
  const at = (path: string) => receivers.at(path);
  const labels = { alertname: "KubePodCrashLooping", cluster: "demo", namespace: "shop", pod: "checkout-6b8f9d7c5c-8wzrn", severity: "critical" };
  const payload = (alertLabels: Record<string, string>) => ({
    version: "4",
    groupKey: "{}:{alertname=\"KubePodCrashLooping\"}",
    status: "firing",
    receiver: "kubently",
    groupLabels: { alertname: alertLabels.alertname },
    commonLabels: alertLabels,
    commonAnnotations: {},
    externalURL: "http://alertmanager.example:9093",
    alerts: [{ status: "firing", labels: alertLabels, annotations: { summary: "checkout is crash-looping" }, startsAt: "2026-02-02T12:00:00Z", endsAt: "0001-01-01T00:00:00Z", generatorURL: "http://prometheus.example/graph", fingerprint: alertLabels.alertname === "KubePodCrashLooping" ? "c0ffee0000000001" : "c0ffee0000000002" }],
  });
  const postAlert = async (body: unknown, key: string | null = KEY) => {
    const res = await fetch(`${url}/alerts/alertmanager`, { method: "POST", headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    receivers = webhookReceiver((path, n) => {
      if (path === "/flaky" && n <= 2) return new Response("try later", { status: 503 });
      if (path === "/broken") return new Response("down for maintenance", { status: 502 });
      return new Response("ok", { status: path === "/pd" ? 202 : 200 });
    });
    const base = receivers.url;
    const dir = mkdtempSync(join(tmpdir(), "kubently-e2e-alerts-"));
    const config = join(dir, "kubently.json");
    writeFileSync(
      config,
      JSON.stringify({
        alerts: {
          webhooks: [
            { id: "team-slack", type: "slack", url: `${base}${SLACK_PATH}` },
            { id: "oncall", type: "pagerduty", url: `${base}/pd`, routingKey: ROUTING_KEY },
            { id: "sink", type: "json", url: `${base}/json`, headers: { authorization: "Bearer sink-secret-0123" } },
            { id: "flaky", type: "json", url: `${base}/flaky` },
            { id: "broken", type: "json", url: `${base}/broken` },
          ],
          delivery: { attempts: 3, initialDelayMs: 10, maxDelayMs: 100 },
          breaker: { failures: 3, halfOpenAfterMs: { initial: 600000, max: 600000 } },
        },
      }),
    );
    demo = run(["demo", "--port", "0", "--a2a-port", "0", "--api-key", KEY, "--admin-key", ADMIN, "--config", config]);
    url = (await demo.waitFor(/API:\s+(http:\/\/\S+)/))[1]!;
  });
  afterAll(async () => {
    await demo?.stop();
    receivers?.stop();
  });

  test("an Alertmanager webhook is answered 202 at once; the findings reach Slack, PagerDuty and the JSON sink", async () => {
    const r = await postAlert(payload(labels));
    expect(r.status).toBe(202);
    expect(r.body.accepted).toEqual([{ id: expect.any(String), cluster_id: "demo", namespace: "shop", alerts: ["KubePodCrashLooping"], workloads: ["Pod/checkout-6b8f9d7c5c-8wzrn"] }]);
    await until(() => at("/json").length >= 1 && at("/pd").length >= 1 && at(SLACK_PATH).length >= 1 && at("/flaky").length >= 3 && at("/broken").length >= 3);

    const message = at("/json")[0]!.body;
    expect(message).toMatchObject({ schema: "kubently.alert-diagnosis/v1", id: r.body.accepted[0].id, cluster_id: "demo", namespace: "shop", diagnosis: { status: "success" } });
    expect(message.diagnosis.findings.map((f: any) => `${f.code} ${f.resource.kind}/${f.resource.name}`)).toEqual(["CrashLoopBackOff Pod/checkout-6b8f9d7c5c-8wzrn"]);
    expect(message.diagnosis.also_seen.map((f: any) => f.code)).toEqual(expect.arrayContaining(["RolloutStuck", "ServiceNoEndpoints", "ServiceBackendScaledToZero", "OOMKilled"]));
    expect(at("/json")[0]!.headers.authorization).toBe("Bearer sink-secret-0123");

    const slack = at(SLACK_PATH)[0]!.body;
    expect(slack.text).toStartWith("[FIRING:1] KubePodCrashLooping on demo/shop:");
    expect(JSON.stringify(slack.blocks)).toContain("`CrashLoopBackOff`");
    expect(JSON.stringify(slack.blocks)).toContain("kubently exec demo -- ");

    const pd = at("/pd")[0]!.body;
    expect(pd).toMatchObject({ routing_key: ROUTING_KEY, event_action: "trigger", dedup_key: "c0ffee0000000001", payload: { severity: "critical", source: "demo/shop", class: "KubePodCrashLooping" } });
    expect(pd.payload.custom_details.diagnosis.findings[0].code).toBe("CrashLoopBackOff");
  });

  test("a receiver failing twice gets the message on the third attempt; one always failing ends in a dead letter", async () => {
    expect(at("/flaky")).toHaveLength(3);
    expect(at("/flaky")[2]!.body.schema).toBe("kubently.alert-diagnosis/v1");
    let letters: any = { dead_letters: [] };
    for (let i = 0; i < 200 && letters.dead_letters.length === 0; i++) {
      letters = await (await fetch(`${url}/alerts/dead-letters`, { headers: { "x-api-key": ADMIN } })).json();
      if (letters.dead_letters.length === 0) await Bun.sleep(50);
    }
    expect(letters.dead_letters).toEqual([expect.objectContaining({ webhook: "broken", type: "json", attempts: 3, status: 502, error: "HTTP 502: down for maintenance" })]);
    expect((await fetch(`${url}/alerts/dead-letters`, { headers: { "x-api-key": KEY } })).status).toBe(403);
    const metrics = await (await fetch(`${url}/metrics`, { headers: { "x-api-key": KEY } })).text();
    expect(metrics).toMatch(/kubently_webhook_dead_letters_total\{webhook="broken"\} 1/);
    expect(metrics).toMatch(/kubently_webhook_retries_total\{webhook="flaky"\} 2/);
  });

  test("the broken receiver's circuit is open: the next alert's delivery fails at once, without reaching it", async () => {
    const before = at("/broken").length;
    const r = await postAlert(payload({ ...labels, alertname: "KubePodCrashLoopingAgain" }));
    expect(r.status).toBe(202);
    await until(() => at("/json").length >= 2);
    let letters: any[] = [];
    for (let i = 0; i < 200 && letters.length < 2; i++) {
      letters = (await (await fetch(`${url}/alerts/dead-letters`, { headers: { "x-api-key": ADMIN } })).json()).dead_letters;
      if (letters.length < 2) await Bun.sleep(50);
    }
    expect(letters[0]).toMatchObject({ webhook: "broken", attempts: 0, status: null, target: { id: r.body.accepted[0].id } });
    expect(letters[0].error).toContain("webhook:broken is unavailable: circuit open");
    expect(at("/broken")).toHaveLength(before);
  });

  test("bad input is a 4xx naming the problem; no credential is a 401", async () => {
    const bad = await postAlert({ receiver: "kubently", status: "firing", alerts: [{ status: "firing", labels: { alertname: "X" } }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('no "cluster" label');
    expect((await postAlert(payload(labels), null)).status).toBe(401);
  });

  test("no secret reaches the log: not the Slack path, not the routing key, not a header value", () => {
    const log = demo.output();
    expect(log).toContain("webhook broken failed after 3 attempts");
    expect(log).not.toContain("e2eSlackSecretPath");
    expect(log).not.toContain(ROUTING_KEY);
    expect(log).not.toContain("sink-secret");
  });
});
