/**
 * End to end: bounded streaming through the compiled binary, as `api` and
 * `agent` in two processes (the agent posts chunks over HTTP), with the
 * real kubectl against the simulated cluster. A streamed `logs -f` delivers
 * lines over SSE before it ends and stops at its budget; a cancel kills the
 * kubectl process in the agent.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimCluster, type SimCluster } from "../../lib/sim/index.ts";
import { kubectlProcesses, pollUntil } from "../_fixtures.ts";
import { readSse, type SseEvent } from "../_sse.ts";
import { ensureBinary, hasTool, post, prerequisites, run, type Proc } from "./_harness.ts";

const { skip } = prerequisites([hasTool("kubectl") ? null : "kubectl is not on PATH", ensureBinary()]);
const KEY = "e2e-stream-key-0123456789abcdef";
const TOKEN = "e2e-stream-agent-token-0123456789";

let sim: SimCluster;
let api: Proc;
let agent: Proc;
let url = "";

const chunks = (events: SseEvent[]) => events.filter((e) => e.event === "chunk").map((e) => (e.data as { data: string }).data);
const resultOf = (events: SseEvent[]) => events.find((e) => e.event === "result")?.data as Record<string, unknown>;
const follow = (path: string) => fetch(`${url}${path}`, { headers: { "x-api-key": KEY } });

beforeAll(async () => {
  if (skip) return;
  sim = await startSimCluster();
  const kubeconfig = await sim.writeKubeconfig(join(mkdtempSync(join(tmpdir(), "kubently-kc-")), "config"));
  api = run(["api", "--port", "0", "--a2a-port", "0", "--host", "127.0.0.1", "--api-keys", `e2e:${KEY}`], { KUBENTLY_AGENT_TOKENS: `sim:${TOKEN}` });
  url = (await api.waitFor(/API listening on (http:\/\/\S+) /))[1]!;
  // The kubectl executor: these tests watch kubectl processes die (native streams: native.test.ts).
  agent = run(["agent", "--api-url", url, "--cluster-id", "sim", "--kubeconfig", kubeconfig, "--executor", "kubectl"], { KUBENTLY_TOKEN: TOKEN });
  await agent.waitFor(/serving cluster sim/);
});
afterAll(async () => {
  await agent?.stop();
  await api?.stop();
  await sim?.close();
});

describe.skipIf(skip)("streaming through the binary (api + agent)", () => {
  test("logs -f streams lines over SSE before it ends, then stops at its time budget", async () => {
    const queued = await post(`${url}/debug/execute`, KEY, { cluster_id: "sim", argv: ["logs", "-f", "-n", "shop", "pod/web-7d4b9c8f6d-9hvlm", "--tail=1"], stream: true, timeout_seconds: 4 });
    expect(queued.status).toBe(202);
    const { events } = await readSse(await follow(queued.body.stream_url));
    const lines = chunks(events);
    expect(lines.length).toBeGreaterThanOrEqual(5);
    const first = events.find((e) => e.event === "chunk")!.at;
    expect(events.at(-1)!.at - first).toBeGreaterThan(1_500);
    const result = resultOf(events);
    expect(result).toMatchObject({ status: "success", code: "STREAM_TIME_BUDGET", truncated: true });
    expect(lines.join("")).toBe(result.output as string);
    expect(lines.join("").split("\n").filter(Boolean).length).toBeGreaterThanOrEqual(12);
  });

  test("a stream stops at its byte budget", async () => {
    const queued = await post(`${url}/debug/execute`, KEY, { cluster_id: "sim", argv: ["logs", "-f", "-n", "shop", "pod/web-7d4b9c8f6d-9hvlm", "--tail=1"], stream: true, timeout_seconds: 120, max_bytes: 1_000 });
    const { events } = await readSse(await follow(queued.body.stream_url));
    expect(resultOf(events)).toMatchObject({ status: "success", code: "STREAM_BYTE_BUDGET", truncated: true });
    expect(Buffer.byteLength(chunks(events).join(""))).toBeLessThanOrEqual(1_000);
  });

  test("cancelling a stream kills the kubectl process in the agent", async () => {
    const marker = "pod/web-7d4b9c8f6d-tq4zr";
    const queued = await post(`${url}/debug/execute`, KEY, { cluster_id: "sim", argv: ["logs", "-f", "-n", "shop", marker, "--tail=1"], stream: true, timeout_seconds: 120 });
    const id = queued.body.command_id as string;
    const { events } = await readSse(await follow(queued.body.stream_url), (_e, all) => chunks(all).length >= 2);
    expect(chunks(events).length).toBe(2);
    expect(kubectlProcesses(marker).length).toBe(1);

    const cancelled = await fetch(`${url}/debug/command/${id}`, { method: "DELETE", headers: { "x-api-key": KEY } });
    expect(cancelled.status).toBe(204);
    const end = await readSse(await follow(`/debug/stream/${id}?from=2`));
    expect(resultOf(end.events)).toMatchObject({ status: "cancelled" });
    // Gone within a lease renewal or two, long before its 120 s budget.
    expect(await pollUntil(() => kubectlProcesses(marker), (left) => left.length === 0)).toEqual([]);
  });
});
