/**
 * OpenTelemetry tracing through the compiled binaries (issue 14 item 1): an
 * OTLP receiver run here on loopback; `kubently api` and `kubently agent`
 * configured by the standard OTEL_* variables; a caller's W3C traceparent.
 * One command gives one trace across both processes: the caller's span
 * parents the API's request span; execute, policy, queue.push and await
 * result follow; the agent's command span is the child of queue.push (the
 * context rode through the queue), with its executor and result.post
 * spans; the API's span for the result post is the child of result.post.
 * Unconfigured, nothing is exported and no SDK is part of the library.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { startSimCluster, type SimCluster } from "../../lib/sim/index.ts";
import { pollUntil } from "../_fixtures.ts";
import { ensureBinary, hasTool, prerequisites, run, type Proc } from "./_harness.ts";

const { skip } = prerequisites([hasTool("kubectl") ? null : "kubectl is not on PATH", ensureBinary()]);
const KEY = "trace-key-0123456789abcdef0123";
const TOKEN = "trace-token-0123456789abcdef01";

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: Record<string, unknown> }[];
  status?: { code?: number };
}
interface Received {
  service: string;
  span: OtlpSpan;
}

/** An OTLP/HTTP receiver: JSON bodies decoded into spans, protobuf bodies kept raw. */
function otlpReceiver() {
  const spans: Received[] = [];
  const raw: { contentType: string; body: Uint8Array }[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      if (new URL(req.url).pathname !== "/v1/traces" || req.method !== "POST") return new Response("not found", { status: 404 });
      const contentType = req.headers.get("content-type") ?? "";
      const body = new Uint8Array(await req.arrayBuffer());
      raw.push({ contentType, body });
      if (contentType.includes("json")) {
        const doc = JSON.parse(new TextDecoder().decode(body)) as { resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[] };
        for (const rs of doc.resourceSpans) {
          const service = rs.resource.attributes.find((a) => a.key === "service.name")?.value.stringValue ?? "";
          for (const ss of rs.scopeSpans) for (const span of ss.spans) spans.push({ service, span });
        }
      }
      return Response.json({});
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, spans, raw, stop: () => server.stop(true) };
}

const hex = (n: number) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, "0")).join("");

describe.skipIf(skip)("tracing through the binaries", () => {
  let sim: SimCluster;
  let receiver: ReturnType<typeof otlpReceiver>;
  const procs: Proc[] = [];
  let url = "";
  beforeAll(async () => {
    sim = await startSimCluster();
    receiver = otlpReceiver();
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_BSP_SCHEDULE_DELAY: "100" };
    const api = run(["api", "--port", "0", "--disable-a2a", "--host", "127.0.0.1", "--api-keys", `t:${KEY}`], { ...otel, KUBENTLY_AGENT_TOKENS: `sim:${TOKEN}` });
    procs.push(api);
    url = (await api.waitFor(/API listening on (http:\/\/\S+) /))[1]!;
    expect(api.output()).toContain(`tracing: spans go to ${receiver.url}/v1/traces (OTLP http/json)`);
    const agent = run(["agent", "--api-url", url, "--cluster-id", "sim", "--token", TOKEN, "--executor", "native", "--kubeconfig", await sim.writeKubeconfig()], { ...otel, OTEL_SERVICE_NAME: "agent-under-test" });
    procs.push(agent);
    await agent.waitFor(/serving cluster sim/);
  });
  afterAll(async () => {
    for (const p of procs.reverse()) await p.stop();
    receiver?.stop();
    await sim?.close();
  });

  test("one command is one trace from the caller's traceparent through the queue to the agent and back", async () => {
    const traceId = hex(16);
    const callerSpan = hex(8);
    const res = await fetch(`${url}/debug/execute`, {
      method: "POST",
      headers: { "x-api-key": KEY, "content-type": "application/json", traceparent: `00-${traceId}-${callerSpan}-01` },
      body: JSON.stringify({ cluster_id: "sim", argv: ["get", "pods", "-n", "shop"] }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe("success");
    const want = ["POST execute", "execute", "policy", "queue.push", "await result", "command", "executor", "result.post", "POST agent"];
    const trace = () => receiver.spans.filter((s) => s.span.traceId === traceId);
    await pollUntil(trace, (t) => want.every((n) => t.some((s) => s.span.name === n)));
    const byName = (name: string) => {
      const found = trace().filter((s) => s.span.name === name);
      expect(found.length).toBeGreaterThanOrEqual(1);
      return found[0]!;
    };
    const server = byName("POST execute");
    expect(server).toMatchObject({ service: "kubently-api", span: { parentSpanId: callerSpan, kind: 2 } });
    const execute = byName("execute");
    expect(execute.span.parentSpanId).toBe(server.span.spanId);
    expect(execute.span.attributes).toContainEqual({ key: "kubently.cluster_id", value: { stringValue: "sim" } });
    expect(byName("policy").span.parentSpanId).toBe(execute.span.spanId);
    const push = byName("queue.push");
    expect(push.span).toMatchObject({ parentSpanId: execute.span.spanId, kind: 4 });
    expect(byName("await result").span.parentSpanId).toBe(execute.span.spanId);
    // Across the queue: the agent's span is the child of queue.push.
    const command = byName("command");
    expect(command).toMatchObject({ service: "agent-under-test", span: { parentSpanId: push.span.spanId, kind: 5 } });
    expect(byName("executor").span.parentSpanId).toBe(command.span.spanId);
    expect(byName("executor").span.attributes).toContainEqual({ key: "kubently.executor", value: { stringValue: "native" } });
    const posted = byName("result.post");
    expect(posted.span.parentSpanId).toBe(command.span.spanId);
    // And back: the API's span for the agent's result post continues the trace.
    const back = trace().find((s) => s.span.name === "POST agent" && s.span.parentSpanId === posted.span.spanId);
    expect(back?.service).toBe("kubently-api");
  });

  test("a denied command's trace marks the policy span failed; polls and probes make no spans", async () => {
    const traceId = hex(16);
    const denied = await fetch(`${url}/debug/execute`, {
      method: "POST",
      headers: { "x-api-key": KEY, "content-type": "application/json", traceparent: `00-${traceId}-${hex(8)}-01` },
      body: JSON.stringify({ cluster_id: "sim", argv: ["delete", "pod", "x"] }),
    });
    expect(((await denied.json()) as { status: string }).status).toBe("denied");
    const policy = await pollUntil(
      () => receiver.spans.find((s) => s.span.traceId === traceId && s.span.name === "policy"),
      (s) => s !== undefined,
    );
    expect(policy?.span.status?.code).toBe(2);
    await fetch(`${url}/ready`);
    await fetch(`${url}/health`);
    expect(receiver.spans.some((s) => /probe|agent_poll/.test(s.span.name))).toBe(false);
  });

  test("unconfigured, nothing is exported: a process without OTEL_* sends the receiver nothing", async () => {
    const before = receiver.raw.length;
    const api = run(["api", "--port", "0", "--disable-a2a", "--host", "127.0.0.1", "--api-keys", `t:${KEY}`], { KUBENTLY_AGENT_TOKENS: `sim:${TOKEN}` });
    try {
      const plain = (await api.waitFor(/API listening on (http:\/\/\S+) /))[1]!;
      expect(api.output()).not.toContain("tracing:");
      await fetch(`${plain}/debug/clusters`, { headers: { "x-api-key": KEY, traceparent: `00-${hex(16)}-${hex(8)}-01` } });
    } finally {
      await api.stop();
    }
    expect(receiver.raw.length).toBe(before);
  });

  test("the default protocol is OTLP http/protobuf: the batch carries the caller's trace id", async () => {
    const proto = otlpReceiver();
    const api = run(["api", "--port", "0", "--disable-a2a", "--host", "127.0.0.1", "--api-keys", `t:${KEY}`], { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${proto.url}/v1/traces`, OTEL_BSP_SCHEDULE_DELAY: "100", KUBENTLY_AGENT_TOKENS: `sim:${TOKEN}` });
    try {
      const plain = (await api.waitFor(/API listening on (http:\/\/\S+) /))[1]!;
      const traceId = hex(16);
      await fetch(`${plain}/debug/clusters`, { headers: { "x-api-key": KEY, traceparent: `00-${traceId}-${hex(8)}-01` } });
      const idBytes = Buffer.from(traceId, "hex");
      const got = await pollUntil(() => proto.raw.find((r) => Buffer.from(r.body).includes(idBytes)), (r) => r !== undefined);
      expect(got?.contentType).toBe("application/x-protobuf");
    } finally {
      await api.stop();
      proto.stop();
    }
  });

  test("the collector killed: the otlp breaker opens (shown in /ready and /metrics) and the API keeps answering; spans are dropped, not queued", async () => {
    const doomed = otlpReceiver();
    const api = run(["api", "--port", "0", "--disable-a2a", "--host", "127.0.0.1", "--api-keys", `t:${KEY}`], { OTEL_EXPORTER_OTLP_ENDPOINT: doomed.url, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_EXPORTER_OTLP_TIMEOUT: "500", OTEL_BSP_SCHEDULE_DELAY: "50", KUBENTLY_AGENT_TOKENS: `sim:${TOKEN}` });
    try {
      const plain = (await api.waitFor(/API listening on (http:\/\/\S+) /))[1]!;
      const traced = () => fetch(`${plain}/debug/clusters`, { headers: { "x-api-key": KEY, traceparent: `00-${hex(16)}-${hex(8)}-01` } });
      const otlp = async () => ((await (await fetch(`${plain}/ready`)).json()) as { breakers: { name: string; state: string }[] }).breakers.find((b) => b.name === "otlp");
      await traced();
      await pollUntil(() => doomed.raw.length, (n) => n > 0);
      expect(await otlp()).toMatchObject({ state: "closed", opens: 0 });
      doomed.stop();
      const opened = await pollUntil(
        async () => {
          await traced();
          return otlp();
        },
        (b) => b?.state === "open",
        30_000,
      );
      expect(opened).toMatchObject({ state: "open", opens: 1 });
      const ready = await fetch(`${plain}/ready`);
      // The collector is not the API's dependency for serving: still ready.
      expect(ready.status).toBe(200);
      const metrics = await (await fetch(`${plain}/metrics`, { headers: { "x-api-key": KEY } })).text();
      expect(metrics).toMatch(/^kubently_breaker_state\{breaker="otlp"\} 2$/m);
      expect((await traced()).status).toBe(200);
      await api.waitFor(/OTLP export circuit open/);
    } finally {
      await api.stop();
    }
  });

  test("grpc, which is not built in, is refused at start-up naming the variable", async () => {
    const api = run(["api", "--port", "0", "--disable-a2a", "--host", "127.0.0.1", "--api-keys", `t:${KEY}`], { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" });
    expect(await api.exited).not.toBe(0);
    expect(api.output()).toContain('OTEL_EXPORTER_OTLP_PROTOCOL "grpc" is not supported');
  });
});

test("the library depends on @opentelemetry/api alone: no file under lib/, adapters/ or plugins/ imports an SDK package", () => {
  const root = resolve(import.meta.dir, "../..");
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.tsx?$/.test(name)) files.push(p);
    }
  };
  for (const d of ["lib", "adapters", "plugins"]) walk(join(root, d));
  const offenders = files.filter((f) => /from "@opentelemetry\/(?!api")|import\("@opentelemetry\/(?!api")/.test(readFileSync(f, "utf8")));
  expect(offenders).toEqual([]);
  expect(files.some((f) => readFileSync(f, "utf8").includes('from "@opentelemetry/api"'))).toBe(true);
});
