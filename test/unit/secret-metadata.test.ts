/**
 * Secret metadata (issue 11): with the default `read-only` (`secrets:
 * "metadata"`) Secrets can be listed, watched and described (names, types,
 * key counts, sizes, labels) and no Secret value leaves in any output form.
 *
 * The needles are every value of the simulated cluster's Secrets in every
 * form (`test/_secrets.ts`): `data` base64 and decoded, the token of a
 * service-account-token Secret, and a last-applied annotation holding
 * `stringData` in clear text. They are looked for in what callers get
 * through REST (`POST /debug/execute`, and streamed over SSE) with both
 * executors (the real kubectl and the native layer), under:
 * - the binary's defaults (`read-only`, `redact-secrets`);
 * - `read-only` alone, whose own guard must be enough (kubectl's describe
 *   prints a service-account token in clear);
 * - an API with no policies, so only the agent's `read-only` decides;
 * - `secrets: "deny"`, which denies every form as before;
 * - the redaction layer on its own (Secrets unrestricted; no grammar at
 *   all for templates), for json, yaml, mixed lists, watch events;
 * - no policy at all, as a control: kubectl then prints the values, so the
 *   needles do find a leak.
 * The grammar's verdicts for every spelling and form are pure tests:
 * test/security/secret-metadata.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { createKubently, type Kubently } from "../../lib/kubently.ts";
import type { Policy } from "../../lib/policy.ts";
import type { Result } from "../../lib/schemas.ts";
import { type SimCluster, startSimCluster } from "../../lib/sim/index.ts";
import { readOnly } from "../../plugins/read-only.ts";
import { redactSecrets } from "../../plugins/redact-secrets.ts";
import { EXECUTOR_KINDS, simExecutor } from "../_executors.ts";
import { formsOf, simSecrets } from "../_secrets.ts";
import { readSse, type SseEvent } from "../_sse.ts";

const KEY = "secret-meta-key-0123456789abcdef";

/** One API with a local agent on the simulated cluster. */
interface Api {
  k: Kubently;
  url: string;
}

async function startApi(kind: (typeof EXECUTOR_KINDS)[number], kubeconfig: string, policies: Policy[], agentPolicies?: Policy[]): Promise<Api> {
  const k = createKubently({ backend: memoryBackend(), policies, apiKeys: [{ name: "op", key: KEY }], clusters: [{ id: "sim" }] });
  await k.ready();
  const { url } = await k.listen({ port: 0 });
  k.startLocalAgent({ clusterId: "sim", executor: simExecutor(kind, kubeconfig), ...(agentPolicies ? { policies: agentPolicies } : {}) });
  return { k, url };
}

const execute = async (api: Api, argv: readonly string[], extra: Record<string, unknown> = {}) => {
  const res = await fetch(`${api.url}/debug/execute`, { method: "POST", headers: { "x-api-key": KEY, "content-type": "application/json" }, body: JSON.stringify({ cluster_id: "sim", argv, timeout_seconds: 20, ...extra }) });
  return { http: res.status, body: (await res.json()) as Record<string, unknown> & { output: string; error?: string; status: string } };
};

/** Streams `argv` with SSE; `onChunk` runs once, when the first chunk arrives. */
async function stream(api: Api, argv: readonly string[], seconds: number, onChunk?: () => void) {
  const res = await fetch(`${api.url}/debug/execute`, {
    method: "POST",
    headers: { "x-api-key": KEY, "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ cluster_id: "sim", argv, stream: true, timeout_seconds: seconds }),
  });
  let fired = false;
  const { events } = await readSse(res, (e) => {
    if (e.event === "chunk" && !fired) {
      fired = true;
      onChunk?.();
    }
    return false;
  });
  const chunks = events.filter((e) => e.event === "chunk");
  return {
    http: res.status,
    events,
    text: chunks.map((e) => (e.data as { data: string }).data).join(""),
    firstChunkAt: chunks[0]?.at ?? Number.NaN,
    result: events.find((e) => e.event === "result") as (SseEvent & { data: Record<string, unknown> }) | undefined,
  };
}

// [argv, a name the output must show, whether native covers it]
const METADATA_READS: [string[], string, boolean][] = [
  [["get", "secrets", "-A"], "registry-credentials", true],
  [["get", "secrets", "-A", "-o", "wide", "--show-labels"], "app=payments-api", true],
  [["get", "secrets", "-A", "-o", "name"], "secret/gateway-api-key", true],
  [["get", "secret", "db-credentials", "-n", "shop"], "db-credentials", true],
  [["get", "Secret/gateway-api-key", "-n", "payments", "-L", "app"], "payments-api", true],
  [["get", "secrets.v1.", "-n", "payments", "--no-headers", "--show-kind"], "secret/gateway-api-key", true],
  [["get", "secrets,configmaps", "-n", "payments"], "gateway-api-key", true],
  [["get", "pods,secrets", "-n", "shop", "-o", "name"], "secret/ci-deployer-token", true],
  [["get", "secrets", "-A", "-l", "app=payments-api"], "gateway-api-key", true],
  [["get", "secrets", "-n", "payments", "--field-selector", "type=Opaque"], "gateway-api-key", true],
  [["get", "secrets", "-A", "--sort-by=.metadata.name"], "ci-deployer-token", true],
  [["get", "secrets", "-n", "payments", "--server-print=false"], "gateway-api-key", false],
  [["describe", "secrets", "-A"], "ci-deployer-token", true],
  [["describe", "secret", "ci-deployer-token", "-n", "shop"], "kubernetes.io/service-account-token", true],
  [["describe", "secret/gateway-api-key", "-n", "payments"], "webhook-signing-key", true],
  [["describe", "secrets", "-n", "payments", "-l", "app=payments-api"], "api-key", true],
];

// [argv, what the denial must say]
const VALUE_READS: [string[], string][] = [
  [["get", "secrets", "-A", "-o", "yaml"], "restricted-resource: \"secrets\" is a restricted resource readable only as metadata: -o yaml would print Secret values"],
  [["get", "secret", "gateway-api-key", "-n", "payments", "-o", "json"], "-o json would print Secret values"],
  [["get", "configmaps,secrets", "-n", "payments", "-ojson"], "-o json would print Secret values"],
  [["get", "secrets", "-A", "-w", "-o", "yaml", "--output-watch-events"], "-o yaml would print Secret values"],
  [["get", "secrets", "-A", "--sort-by=.data.password"], "would order Secrets by their content"],
  [["get", "secrets", "-A", "--field-selector", "data.password=U3VwM3ItUzNjcmV0LXBnIQ=="], "--field-selector on \"data.password\" would test Secrets' content"],
  [["get", "secrets.v1", "-A"], "may name a resource other than the core Secret"],
  [["events", "--for", "secret/db-credentials", "-n", "shop"], "\"events\" cannot read Secrets"],
  [["get", "secrets", "-A", "-o", "jsonpath={.items[*].data}"], "restricted-resource: \"secrets\" is a restricted resource readable only as metadata: -o jsonpath=… is a template, and templates never read Secrets"],
  [["get", "secrets", "-A", "-o", "go-template={{.}}"], "output-format: output \"go-template={{.}}\" is not allowed (go-template, template and *-file forms are refused"],
  [["get", "secrets", "--template={{.}}"], "output-format: "],
  [["get", "secrets", "-v=9"], "verbosity: "],
];

describe.each(EXECUTOR_KINDS)("%s executor, through REST", (kind) => {
  let sim: SimCluster;
  let needles: string[];
  let defaults: Api;
  let bare: Api;
  let agentOnly: Api;
  let denyAll: Api;
  let unrestricted: Api;
  let redactOnly: Api;
  let open: Api;
  const leaked = (text: string | undefined) => needles.filter((n) => (text ?? "").includes(n));

  beforeAll(async () => {
    sim = await startSimCluster();
    const kubeconfig = await sim.writeKubeconfig();
    ({ needles } = simSecrets());
    // The scenario's values are among the needles: a plain password, a token, a stringData value seen only in the annotation.
    for (const v of ["Sup3r-S3cret-pg!", "U3VwM3ItUzNjcmV0LXBnIQ==", "gw_live_7f3c9a1e5b2d4f60c8e1", "whsec_5d2b8f1c9a7e3064b1d2", "not-a-real-password"]) expect(needles).toContain(v);
    expect(needles.some((n) => n.startsWith("eyJhbGciOiJSUzI1NiIs"))).toBe(true);
    defaults = await startApi(kind, kubeconfig, [readOnly(), redactSecrets()]);
    bare = await startApi(kind, kubeconfig, [readOnly()]);
    agentOnly = await startApi(kind, kubeconfig, [], [readOnly()]);
    denyAll = await startApi(kind, kubeconfig, [readOnly({ secrets: "deny" }), redactSecrets()]);
    unrestricted = await startApi(kind, kubeconfig, [readOnly({ restrictedResources: [] }), redactSecrets()]);
    redactOnly = await startApi(kind, kubeconfig, [redactSecrets()]);
    open = await startApi(kind, kubeconfig, []);
  });
  afterAll(async () => {
    for (const api of [defaults, bare, agentOnly, denyAll, unrestricted, redactOnly, open]) await api?.k.close();
    await sim?.close();
  });

  const expectMetadataRead = (argv: string[], shows: string, covered: boolean, r: Awaited<ReturnType<typeof execute>>) => {
    expect({ argv, leaked: leaked(r.body.output), leakedInError: leaked(r.body.error) }).toEqual({ argv, leaked: [], leakedInError: [] });
    if (kind === "native" && !covered) {
      expect({ argv, code: r.body.code }).toEqual({ argv, code: "EXECUTOR_UNSUPPORTED" });
      return;
    }
    expect({ argv, http: r.http, status: r.body.status }).toEqual({ argv, http: 200, status: "success" });
    expect({ argv, shows: r.body.output.includes(shows) }).toEqual({ argv, shows: true });
  };

  test("control: with no policy at all, kubectl's -o yaml shows the values (so the needles do find a leak); native masks them on the objects", async () => {
    const r = await execute(open, ["get", "secrets", "-A", "-o", "yaml"]);
    expect(r.body.status).toBe("success");
    const found = leaked(r.body.output);
    if (kind === "native") expect(found).toEqual([]);
    // base64 in data; the stringData value in clear text in the last-applied annotation.
    else for (const v of ["U3VwM3ItUzNjcmV0LXBnIQ==", "d2hzZWNfNWQyYjhmMWM5YTdlMzA2NGIxZDI=", "gw_live_7f3c9a1e5b2d4f60c8e1"]) expect(found).toContain(v);
  }, 20_000);

  test("metadata reads succeed and show no value: defaults, read-only alone, and the agent's check alone", async () => {
    for (const api of [defaults, bare, agentOnly]) {
      for (const [argv, shows, covered] of METADATA_READS) expectMetadataRead(argv, shows, covered, await execute(api, argv));
    }
  }, 60_000);

  test("describe of a service-account token: kubectl prints it, read-only alone masks it; native prints its size", async () => {
    const argv = ["describe", "secret", "ci-deployer-token", "-n", "shop"];
    for (const api of [defaults, bare, agentOnly]) {
      const r = await execute(api, argv);
      expect(r.body.output).toMatch(kind === "kubectl" ? /^token: +\[REDACTED\]$/m : /^token: +\d+ bytes$/m);
      expect(r.body.redacted).toBe(kind === "kubectl");
      expect(r.body.output).toMatch(/^ca\.crt: +\d+ bytes$/m);
    }
  }, 20_000);

  test("describe never shows the last-applied annotation (it holds the values in clear)", async () => {
    const r = await execute(bare, ["describe", "secret", "gateway-api-key", "-n", "payments"]);
    expect(r.body.output).toMatch(/^Annotations: +<none>$/m);
    expect(r.body.output).toMatch(/^api-key: +28 bytes$/m);
    expect(r.body.output).not.toContain("last-applied");
  }, 20_000);

  test("forms that could show a value are denied at the API (403, policy read-only, the reason names the problem) and by the agent", async () => {
    for (const [argv, says] of VALUE_READS) {
      const api = await execute(defaults, argv);
      expect({ argv, http: api.http, status: api.body.status, policy: api.body.policy, says: api.body.error?.includes(says) }).toEqual({ argv, http: 403, status: "denied", policy: "read-only", says: true });
      // A reason is audited: it never repeats a value, not even one the caller guessed.
      expect({ argv, leaked: leaked(api.body.error) }).toEqual({ argv, leaked: [] });
      const agent = await execute(agentOnly, argv);
      expect({ argv, status: agent.body.status, code: agent.body.code, policy: agent.body.policy, output: agent.body.output, says: agent.body.error?.includes(says) }).toEqual({
        argv, status: "denied", code: "AGENT_REFUSED", policy: "read-only", output: "", says: true,
      });
    }
  }, 30_000);

  test("secrets: \"deny\" denies every metadata read as before", async () => {
    for (const [argv] of METADATA_READS) {
      const r = await execute(denyAll, argv);
      expect({ argv, http: r.http, status: r.body.status, policy: r.body.policy }).toEqual({ argv, http: 403, status: "denied", policy: "read-only" });
      expect(r.body.error).toStartWith("restricted-resource: ");
      expect(r.body.error).not.toContain("metadata");
    }
  }, 30_000);

  describe("the redaction layer on its own (defense in depth)", () => {
    test.each<string[]>([
      ["get", "secrets", "-A", "-o", "yaml"],
      ["get", "secrets", "-A", "-o", "json"],
      ["get", "secret", "gateway-api-key", "-n", "payments", "-o", "yaml"],
      ["get", "secret", "gateway-api-key", "-n", "payments", "-o", "json", "--show-managed-fields"],
      ["get", "configmaps,secrets", "-A", "-o", "yaml"],
      ["get", "secrets,pods", "-A", "-o", "json"],
      ["get", "all,secrets", "-A", "-o", "json"],
      ["describe", "secrets", "-A"],
    ])("Secrets unrestricted, %j: every value masked, the objects still there", async (...argv) => {
      const r = await execute(unrestricted, argv);
      expect({ status: r.body.status, leaked: leaked(r.body.output) }).toEqual({ status: "success", leaked: [] });
      expect(r.body.redacted).toBe(argv[0] !== "describe" || kind === "kubectl");
      expect(r.body.output).toContain("gateway-api-key");
    }, 20_000);

    test.each<string[]>([
      ["get", "secrets", "-A", "-o", "jsonpath={.items[*].data}"],
      ["get", "secret", "gateway-api-key", "-n", "payments", "-o", "jsonpath={.metadata.annotations}"],
      ["get", "secrets", "-A", "-o", "go-template={{range .items}}{{range $k, $v := .data}}{{$k}}={{$v | base64decode}} {{end}}{{end}}"],
      ["get", "secrets", "-A", "-o", "custom-columns=NAME:.metadata.name,DATA:.data,APPLIED:.metadata.annotations"],
    ])("no grammar at all, template %j: nothing of a value survives", async (...argv) => {
      const r = await execute(redactOnly, argv);
      expect(leaked(r.body.output)).toEqual([]);
      // go-template is kubectl's engine: native never runs it. jsonpath and custom-columns are Kubently's, on both.
      if (kind === "native" && argv.some((a) => a.startsWith("go-template"))) expect(r.body.code).toBe("EXECUTOR_UNSUPPORTED");
      else expect({ status: r.body.status, redacted: r.body.redacted }).toEqual({ status: "success", redacted: true });
    }, 20_000);
  });

  describe("streams", () => {
    test("get secrets -A -w streams rows as they change, values never (a Secret rotated and one applied mid-watch)", async () => {
      const rotated = `rotated-${crypto.randomUUID()}`;
      const applied = `applied-${crypto.randomUUID()}`;
      const watchNeedles = [...formsOf(rotated, Buffer.from(rotated).toString("base64")), ...formsOf(applied, Buffer.from(applied).toString("base64"))];
      const name = `late-${kind}`;
      const s = await stream(defaults, ["get", "secrets", "-A", "-w"], 3, () => {
        sim.update("secrets/shop/db-credentials", (d) => {
          (d.data as Record<string, string>).password = Buffer.from(rotated).toString("base64");
        });
        const manifest = { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "shop" }, stringData: { key: applied }, type: "Opaque" };
        sim.add({
          apiVersion: "v1",
          kind: "Secret",
          metadata: {
            name,
            namespace: "shop",
            uid: crypto.randomUUID(),
            resourceVersion: "",
            creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
            annotations: { "kubectl.kubernetes.io/last-applied-configuration": `${JSON.stringify(manifest)}\n` },
          },
          type: "Opaque",
          data: { key: Buffer.from(applied).toString("base64") },
        });
      });
      try {
        expect(s.http).toBe(200);
        expect(s.result?.data).toMatchObject({ status: "success", code: "STREAM_TIME_BUDGET" });
        expect(leaked(s.text)).toEqual([]);
        expect(watchNeedles.filter((n) => s.text.includes(n))).toEqual([]);
        expect(s.text).toMatch(/^NAMESPACE\s+NAME\s+TYPE\s+DATA\s+AGE/);
        expect(s.text).toContain(name);
        expect(s.text.split("db-credentials").length - 1).toBeGreaterThanOrEqual(2);
        // Streamed by line, not held to the end: the first rows came long before the budget ran out.
        expect(s.result!.at - s.firstChunkAt).toBeGreaterThan(1_000);
      } finally {
        sim.remove(`secrets/shop/${name}`);
      }
    }, 20_000);

    test("get secrets -w -o name streams names; -w -o json is refused with no stream", async () => {
      const names = await stream(defaults, ["get", "secrets", "-n", "payments", "-w", "-o", "name"], 2);
      expect(names.text).toContain("secret/gateway-api-key");
      expect(leaked(names.text)).toEqual([]);
      const res = await fetch(`${defaults.url}/debug/execute`, {
        method: "POST",
        headers: { "x-api-key": KEY, "content-type": "application/json" },
        body: JSON.stringify({ cluster_id: "sim", argv: ["get", "secrets", "-n", "shop", "-w", "-o", "json"], stream: true }),
      });
      expect(res.status).toBe(403);
      const body = await res.json();
      expect(body).toMatchObject({ status: "denied", policy: "read-only" });
      expect(body.error).toContain("-o json would print Secret values");
      expect(body.stream_url).toBeUndefined();
    }, 20_000);

    test.each(["json", "yaml"])("Secrets unrestricted, watch events as %s: every value masked in every event", async (format) => {
      const rotated = `rotated-${crypto.randomUUID()}`;
      const s = await stream(unrestricted, ["get", "secrets", "-n", "payments", "-w", "-o", format, "--output-watch-events"], 3, () => {
        sim.update("secrets/payments/gateway-api-key", (d) => {
          (d.data as Record<string, string>)["api-key"] = Buffer.from(rotated).toString("base64");
        });
      });
      expect(leaked(s.text)).toEqual([]);
      expect(formsOf(rotated, Buffer.from(rotated).toString("base64")).filter((n) => s.text.includes(n))).toEqual([]);
      // Each event streamed on its own (kubectl prints them compact, native indented): the rotation came mid-watch.
      expect(s.text).toMatch(format === "json" ? /"type": ?"MODIFIED"/ : /^type: MODIFIED$/m);
      expect(s.text).toContain("[REDACTED]");
      expect(s.result?.data).toMatchObject({ redacted: true });
    }, 20_000);
  });
});
