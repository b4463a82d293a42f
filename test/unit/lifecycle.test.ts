/** Graceful shutdown: commands in flight get their answers; new ones are refused. */
import { expect, test } from "bun:test";
import { memoryBackend } from "../../adapters/memory/index.ts";
import type { Executor } from "../../lib/agent/executors.ts";
import { isKubentlyError } from "../../lib/errors.ts";
import { createKubently } from "../../lib/kubently.ts";
import { readOnly } from "../../plugins/read-only.ts";

const slow: Executor = {
  name: "slow",
  async run(argv) {
    await Bun.sleep(300);
    return { exitCode: 0, stdout: argv.join(" "), stderr: "", truncated: false, timedOut: false, cancelled: false, durationMs: 300 };
  },
};

test("close() lets a command in flight finish, then refuses new ones with SHUTTING_DOWN", async () => {
  const k = createKubently({ backend: memoryBackend(), policies: [readOnly()], clusters: [{ id: "c1" }] });
  await k.ready();
  k.startLocalAgent({ clusterId: "c1", executor: slow });
  const admin = { kind: "admin", name: "admin", keyId: "t", role: "admin" } as const;
  const inflight = k.services.execute.execute(admin, { clusterId: "c1", argv: ["version"] });
  await Bun.sleep(50);
  const closing = k.close();
  const refused = await k.services.execute.execute(admin, { clusterId: "c1", argv: ["version"] }).catch((e) => e);
  expect(isKubentlyError(refused, "SHUTTING_DOWN")).toBe(true);
  expect(await inflight).toMatchObject({ status: "success", result: { output: "version" } });
  await closing;
});
