/**
 * Issue 17, items 3, 4 and 6: every command the API accepts ends in exactly
 * one terminal audit entry, a command the backend refused leaves none, and a
 * cluster whose queue cannot meet a command's deadline refuses it at once
 * (429 CLUSTER_BUSY with Retry-After) instead of starting work that cannot
 * finish. Through HTTP against a real API with in-process agents.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { echoExecutor } from "../../lib/agent/executors.ts";
import type { Backend } from "../../lib/contracts.ts";
import { KubentlyError } from "../../lib/errors.ts";
import { createKubently, type Kubently } from "../../lib/kubently.ts";
import type { AuditEntry } from "../../lib/schemas.ts";
import { readOnly } from "../../plugins/read-only.ts";
import { slowExecutor } from "../_fixtures.ts";

const KEY = "completeness-key-0123456789abcdef";
const TERMINAL = new Set(["command.executed", "command.refused", "command.timeout", "command.cancelled", "command.denied"]);

let k: Kubently | undefined;
afterEach(async () => {
  await k?.close();
  k = undefined;
});

async function api(backend: Backend = memoryBackend(), clusters = ["c1"]) {
  k = createKubently({ backend, policies: [readOnly()], apiKeys: [{ name: "bot", key: KEY }], clusters: clusters.map((id) => ({ id })) });
  await k.ready();
  const { url } = await k.listen({ port: 0 });
  const execute = async (body: Record<string, unknown>) => {
    const res = await fetch(`${url}/debug/execute`, { method: "POST", headers: { "x-api-key": KEY, "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };
  return { k, url, execute };
}

/** The audit entries of one command, oldest first. */
const entriesOf = async (kubently: Kubently, commandId: string): Promise<AuditEntry[]> =>
  (await kubently.backend.audit.query({ limit: 10_000 })).filter((e) => e.commandId === commandId).reverse();

const terminalOf = (entries: AuditEntry[]) => entries.filter((e) => TERMINAL.has(e.eventType)).map((e) => e.eventType);

describe("item 3: a command nobody waits for still ends in the audit log", () => {
  test("wait: false with no agent: at its deadline it ends DEADLINE_EXCEEDED and is audited command.timeout, once", async () => {
    const { k: kubently, execute } = await api();
    const queued = await execute({ cluster_id: "c1", argv: ["get", "pods"], timeout_seconds: 1, wait: false });
    expect(queued.status).toBe(202);
    const id = queued.body.command_id as string;
    // The queue ends it at its 1 s deadline; the API audits that end.
    for (let i = 0; i < 80 && terminalOf(await entriesOf(kubently, id)).length === 0; i++) await Bun.sleep(100);
    const entries = await entriesOf(kubently, id);
    expect(entries.map((e) => e.eventType)).toEqual(["command.queued", "command.timeout"]);
    expect(await kubently.backend.queue.getResult(id)).toMatchObject({ status: "timeout", code: "DEADLINE_EXCEEDED" });
    // An agent that shows up later finds nothing to run.
    const agent = kubently.startLocalAgent({ clusterId: "c1", executor: echoExecutor() });
    await Bun.sleep(300);
    await agent.stop();
    expect(terminalOf(await entriesOf(kubently, id))).toEqual(["command.timeout"]);
  });

  test("a waiting caller and the deadline timer never both audit the same command", async () => {
    const { k: kubently, execute } = await api();
    const waited = await execute({ cluster_id: "c1", argv: ["get", "pods"], timeout_seconds: 1 });
    expect(waited.body.status).toBe("timeout");
    const id = waited.body.command_id as string;
    await Bun.sleep(200);
    expect(terminalOf(await entriesOf(kubently, id))).toEqual(["command.timeout"]);
  });

  test("a command that runs has exactly one terminal entry: command.executed", async () => {
    const { k: kubently, execute } = await api();
    kubently.startLocalAgent({ clusterId: "c1", executor: echoExecutor() });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await execute({ cluster_id: "c1", argv: ["get", "pods"], wait: i % 2 === 0 });
      ids.push(r.body.command_id as string);
    }
    for (let i = 0; i < 50 && (await Promise.all(ids.map(async (id) => terminalOf(await entriesOf(kubently, id)).length))).some((n) => n === 0); i++) await Bun.sleep(50);
    for (const id of ids) expect(terminalOf(await entriesOf(kubently, id))).toEqual(["command.executed"]);
  });
});

describe("item 4: what the backend refused leaves no trace; what it took is never unaudited", () => {
  test("a push the backend refuses answers 503 and leaves no command.queued entry", async () => {
    const backend = memoryBackend();
    const push = backend.queue.push.bind(backend.queue);
    let refuse = true;
    backend.queue.push = (command) => (refuse ? Promise.reject(new KubentlyError("BACKEND_UNAVAILABLE", "redis: connection lost")) : push(command));
    const { k: kubently, execute } = await api(backend);
    const r = await execute({ cluster_id: "c1", argv: ["get", "pods"], correlation_id: "refused-1" });
    expect({ status: r.status, code: r.body.code }).toEqual({ status: 503, code: "BACKEND_UNAVAILABLE" });
    expect(await kubently.backend.audit.query({ correlationId: "refused-1" })).toEqual([]);
    refuse = false;
    kubently.startLocalAgent({ clusterId: "c1", executor: echoExecutor() });
    expect((await execute({ cluster_id: "c1", argv: ["get", "pods"] })).body.status).toBe("success");
  });

  test("an audit log that fails after the push cancels the command: nothing runs unaudited", async () => {
    const backend = memoryBackend();
    const append = backend.audit.append.bind(backend.audit);
    backend.audit.append = (entry) => (entry.eventType === "command.queued" ? Promise.reject(new KubentlyError("BACKEND_UNAVAILABLE", "audit store down")) : append(entry));
    const { k: kubently, execute } = await api(backend);
    const r = await execute({ cluster_id: "c1", argv: ["get", "pods"], wait: false });
    expect(r.status).toBe(503);
    const waiting = await kubently.backend.queue.depth("c1");
    expect(waiting).toBe(0);
    let ran = 0;
    const agent = kubently.startLocalAgent({ clusterId: "c1", executor: { name: "count", run: async (argv) => (ran++, echoExecutor().run(argv, { timeoutMs: 1000 })) } });
    await Bun.sleep(300);
    await agent.stop();
    expect(ran).toBe(0);
  });
});

describe("item 6: admission control", () => {
  test("a queue that cannot meet the deadline refuses at once with 429 CLUSTER_BUSY and Retry-After, before anything runs", async () => {
    const { k: kubently, execute } = await api();
    // One worker taking 400 ms a command.
    kubently.startLocalAgent({ clusterId: "c1", executor: slowExecutor(400), concurrency: 1 });
    await Bun.sleep(100); // the heartbeat carries the worker count
    for (let i = 0; i < 6; i++) expect((await execute({ cluster_id: "c1", argv: ["version"], timeout_seconds: 5 })).body.status).toBe("success");
    // Fill the queue with about 8 s of work, then ask for a 2 s command.
    const backlog = Array.from({ length: 20 }, () => execute({ cluster_id: "c1", argv: ["version"], timeout_seconds: 30, wait: false }));
    const accepted = (await Promise.all(backlog)).filter((r) => r.status === 202).length;
    expect(accepted).toBe(20);
    const busy = await execute({ cluster_id: "c1", argv: ["get", "pods"], timeout_seconds: 2, correlation_id: "busy-1" });
    expect(busy.status).toBe(429);
    expect(busy.body.code).toBe("CLUSTER_BUSY");
    expect(busy.body.error).toContain("could not finish within its 2 s timeout");
    expect(Number(busy.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(busy.body.details).toMatchObject({ workers: 1 });
    // Refused before it was queued: no audit entry, and the metric counts it.
    expect(await kubently.backend.audit.query({ correlationId: "busy-1" })).toEqual([]);
    expect(await kubently.context.metrics.render()).toMatch(/kubently_commands_refused_total\{reason="cluster_busy"\} 1/);
    // A command whose budget covers the queue is still taken.
    const patient = await execute({ cluster_id: "c1", argv: ["get", "pods"], timeout_seconds: 30, wait: false });
    expect(patient.status).toBe(202);
  });

  test("a cluster with no history admits everything (nothing to judge by)", async () => {
    const { execute } = await api();
    const many = await Promise.all(Array.from({ length: 30 }, () => execute({ cluster_id: "c1", argv: ["version"], timeout_seconds: 1, wait: false })));
    expect(many.every((r) => r.status === 202)).toBe(true);
  });
});
