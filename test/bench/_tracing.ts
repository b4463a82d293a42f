/**
 * Tracing section of `npm run bench` (issue 14 item 1): what OpenTelemetry
 * costs. `kubently api` + `kubently agent` (echo executor, memory backend),
 * 16 callers for a fixed time, three ways in one run: no OTEL_* (the API's
 * no-op spans), OTLP/HTTP protobuf export to a receiver on loopback that
 * accepts and discards, and the same with a traceparent on every request
 * (spans parented by the caller's trace). Reports, never asserts.
 */
import { run } from "../e2e/_harness.ts";
import { pct, rssMb, timedLoad, urlOf } from "./_load.ts";

const CALLERS = 16;

/** Runs the three rows and prints their table. */
export async function tracingSection(key: string, token: string): Promise<void> {
  const env = Number(process.env.KUBENTLY_TRACING_SECONDS);
  const seconds = Number.isFinite(env) && env > 0 ? env : 10;
  let batches = 0;
  const receiver = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      batches++;
      await req.arrayBuffer();
      return new Response(new Uint8Array(0), { headers: { "content-type": "application/x-protobuf" } });
    },
  });
  console.log(`\n## Tracing: api + agent (echo executor, memory), ${CALLERS} callers, ${seconds} s a row (KUBENTLY_TRACING_SECONDS)\n`);
  console.log("| tracing | p50 ms | p99 ms | commands/s | vs off | API RSS MB | agent RSS MB | OTLP batches |\n| --- | --- | --- | --- | --- | --- | --- | --- |");
  let base = 0;
  const rows: [string, Record<string, string>, boolean][] = [
    ["off (no OTEL_*)", {}, false],
    ["OTLP http/protobuf", { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}` }, false],
    ["OTLP + caller traceparent", { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}` }, true],
  ];
  for (const [label, otel, parented] of rows) {
    batches = 0;
    const api = run(["api", "--port", "0", "--disable-a2a", "--host", "127.0.0.1", "--api-keys", `bench:${key}`], { ...otel, KUBENTLY_AGENT_TOKENS: `bench:${token}` });
    const url = await urlOf(api, /API listening on (http:\/\/\S+) /);
    const agent = run(["agent", "--api-url", url, "--cluster-id", "bench", "--token", token, "--executor", "echo", "--concurrency", "16"], otel);
    await agent.waitFor(/serving cluster bench/);
    const body = { cluster_id: "bench", argv: ["get", "pods", "-A"] };
    const headers = parented ? { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" } : undefined;
    await timedLoad({ url, key, body, callers: CALLERS, seconds: 2, ...(headers ? { headers } : {}) });
    const t = await timedLoad({ url, key, body, callers: CALLERS, seconds, ...(headers ? { headers } : {}) });
    const rate = t.ok / seconds;
    base ||= rate;
    console.log(`| ${label} | ${pct(t.latencies, 50).toFixed(2)} | ${pct(t.latencies, 99).toFixed(2)} | ${Math.round(rate)} | ${((100 * rate) / base).toFixed(0)}% | ${rssMb(api.child.pid!).toFixed(1)} | ${rssMb(agent.child.pid!).toFixed(1)} | ${batches} |`);
    await agent.stop();
    await api.stop();
  }
  receiver.stop(true);
}
