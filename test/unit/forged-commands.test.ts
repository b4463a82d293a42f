/**
 * A command injected straight into the backend, bypassing the API (as someone
 * with write access to Redis or the SQLite file could), is refused by the
 * agent on every backend: unsigned, tampered after signing, or signed by
 * another key. A genuine signed command still runs.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { redisBackend } from "../../adapters/redis/index.ts";
import { sqliteBackend } from "../../adapters/sqlite/index.ts";
import { echoExecutor } from "../../lib/agent/executors.ts";
import type { Backend } from "../../lib/contracts.ts";
import { createKubently } from "../../lib/kubently.ts";
import type { Command } from "../../lib/schemas.ts";
import { createSigner } from "../../lib/signing.ts";
import { readOnly } from "../../plugins/read-only.ts";
import { testCommand } from "../_fixtures.ts";
import { redisUnavailable, startRedis, type RedisServer } from "../_redis.ts";

let redis: RedisServer | undefined;
const redisMissing = redisUnavailable();
if (redisMissing && process.env.CI === "true") throw new Error(`redis-server is required under CI: ${redisMissing}`);
beforeAll(async () => {
  if (!redisMissing) redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const backends: [string, () => Backend][] = [
  ["memory", () => memoryBackend()],
  ["sqlite", () => sqliteBackend({ filename: join(mkdtempSync(join(tmpdir(), "kubently-forged-")), "k.db") })],
  ...(redisMissing ? [] : [["redis", () => redisBackend({ url: redis!.url, prefix: `forged${Math.random().toString(36).slice(2, 8)}` })] as [string, () => Backend]]),
];
if (redisMissing) console.warn(`forged-commands: redis skipped: ${redisMissing}`);

const command = (argv: string[]): Command => testCommand("c1", { argv, deadline: Date.now() + 5_000, requestedBy: "forger", correlationId: "forged" });

for (const [name, make] of backends) {
  describe(`forged commands on ${name}`, () => {
    test("the agent refuses unsigned, tampered and foreign-key commands and runs a genuine one", async () => {
      const k = createKubently({ backend: make(), policies: [readOnly()], clusters: [{ id: "c1" }] });
      await k.ready();
      k.startLocalAgent({ clusterId: "c1", executor: echoExecutor() });
      try {
        const unsigned = command(["get", "pods"]);
        const tampered = command(["get", "pods"]);
        tampered.signature = k.context.signer.sign(tampered);
        tampered.argv = ["get", "pods", "-A"];
        const foreign = command(["get", "pods"]);
        foreign.signature = createSigner().sign(foreign);
        const reasons: string[] = [];
        for (const forged of [unsigned, tampered, foreign]) {
          await k.backend.queue.push(forged);
          const r = await k.backend.queue.awaitResult(forged.id, { waitMs: 5_000 });
          expect({ forged: forged.argv, status: r?.status, code: r?.code, output: r?.output }).toEqual({ forged: forged.argv, status: "denied", code: "SIGNATURE_INVALID", output: "" });
          reasons.push(r!.error!);
        }
        expect(reasons[0]).toContain("not signed");
        expect(reasons[1]).toContain("does not match");
        expect(reasons[2]).toContain("unknown key");
        const genuine = command(["get", "pods"]);
        genuine.signature = k.context.signer.sign(genuine);
        await k.backend.queue.push(genuine);
        expect(await k.backend.queue.awaitResult(genuine.id, { waitMs: 5_000 })).toMatchObject({ status: "success", output: "get pods\n" });
        const refused = await k.backend.audit.query({ eventType: "command.refused" });
        expect(refused.length).toBe(3);
      } finally {
        await k.close();
      }
    });
  });
}
