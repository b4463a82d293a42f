/** The rate-limit policy over HTTP: 429 with Retry-After, per identity, counted in the backend. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { echoExecutor } from "../../lib/agent/executors.ts";
import { createKubently, type Kubently } from "../../lib/kubently.ts";
import { rateLimit } from "../../plugins/rate-limit.ts";
import { readOnly } from "../../plugins/read-only.ts";

let k: Kubently;
let url: string;
const exec = (key: string) =>
  fetch(`${url}/debug/execute`, { method: "POST", headers: { "x-api-key": key, "content-type": "application/json" }, body: JSON.stringify({ cluster_id: "c1", argv: ["version"] }) });

beforeAll(async () => {
  const backend = memoryBackend();
  k = createKubently({
    backend,
    policies: [readOnly(), rateLimit({ store: backend.counters!, limit: 3, windowMs: 60_000 })],
    apiKeys: [{ name: "a", key: "key-a-0123456789abcdef" }, { name: "b", key: "key-b-0123456789abcdef" }, { name: "c", key: "key-c-0123456789abcdef" }],
    clusters: [{ id: "c1" }],
  });
  await k.ready();
  url = (await k.listen({ port: 0 })).url;
  k.startLocalAgent({ clusterId: "c1", executor: echoExecutor() });
});
afterAll(() => k.close());

test("over the limit an identity gets 429 with Retry-After; another identity is unaffected", async () => {
  // Align to a fresh window when this one is about to end, so the count is not split across two.
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 2_000) await Bun.sleep(left + 10);
  for (let i = 0; i < 3; i++) expect((await exec("key-a-0123456789abcdef")).status).toBe(200);
  const limited = await exec("key-a-0123456789abcdef");
  expect(limited.status).toBe(429);
  const retry = Number(limited.headers.get("retry-after"));
  expect(retry).toBeGreaterThanOrEqual(1);
  expect(retry).toBeLessThanOrEqual(60);
  expect(await limited.json()).toMatchObject({ code: "RATE_LIMITED", details: { policy: "rate-limit" } });
  expect((await exec("key-b-0123456789abcdef")).status).toBe(200);
  const audit = await k.backend.audit.query({ eventType: "command.denied", identity: "a" });
  expect(audit[0]).toMatchObject({ policy: "rate-limit", decision: "denied" });
});

test("explaining spends none of the command quota, and is limited on its own", async () => {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 2_000) await Bun.sleep(left + 10);
  const explain = async () =>
    (await fetch(`${url}/debug/policy/explain`, { method: "POST", headers: { "x-api-key": "key-c-0123456789abcdef", "content-type": "application/json" }, body: JSON.stringify({ cluster_id: "c1", argv: ["version"] }) })).json();
  const answers = [];
  for (let i = 0; i < 5; i++) answers.push(await explain());
  // Three dry runs allowed, then their own bucket is full.
  expect(answers.map((a) => a.decision)).toEqual(["allow", "allow", "allow", "deny", "deny"]);
  expect(answers[3]).toMatchObject({ policy: "rate-limit" });
  // The caller's commands still have their whole quota.
  for (let i = 0; i < 3; i++) expect((await exec("key-c-0123456789abcdef")).status).toBe(200);
  expect((await exec("key-c-0123456789abcdef")).status).toBe(429);
});

test("memoryCounters windows reset", async () => {
  const counters = memoryBackend().counters!;
  const first = await counters.hit("k", 1_000);
  const second = await counters.hit("k", 1_000);
  expect(second.count === first.count + 1 || second.resetAt > first.resetAt).toBe(true);
  await Bun.sleep(1_050);
  expect((await counters.hit("k", 1_000)).count).toBe(1);
});

test("refuses to start without shared counters", () => {
  expect(() => rateLimit({ store: undefined as never })).toThrow(/shared counters/);
});
