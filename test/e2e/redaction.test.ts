/**
 * Redaction in the compiled binary's agent, with real kubectl against the
 * simulated cluster: with Secrets unrestricted by configuration, their values
 * still never leave the agent.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimCluster, type SimCluster } from "../../lib/sim/index.ts";
import { ensureBinary, hasTool, post, prerequisites, run, type Proc } from "./_harness.ts";

const { skip } = prerequisites([hasTool("kubectl") ? null : "kubectl is not on PATH", ensureBinary()]);
const KEY = "redact-key-0123456789abcdef";
const PASSWORD = "Sup3r-S3cret-pg!";

describe.skipIf(skip)("redact-secrets in the binary", () => {
  let sim: SimCluster;
  let proc: Proc;
  let url = "";
  beforeAll(async () => {
    sim = await startSimCluster();
    const dir = mkdtempSync(join(tmpdir(), "kubently-redact-"));
    const kubeconfig = await sim.writeKubeconfig(join(dir, "config"));
    writeFileSync(join(dir, "kubently.json"), JSON.stringify({ plugins: [{ use: "read-only", options: { restrictedResources: [] } }, "redact-secrets"] }));
    proc = run(["all", "--config", join(dir, "kubently.json"), "--port", "0", "--a2a-port", "0", "--host", "127.0.0.1", "--api-keys", `t:${KEY}`, "--cluster-id", "sim", "--kubeconfig", kubeconfig]);
    url = (await proc.waitFor(/API listening on (http:\/\/\S+);/))[1]!;
  });
  afterAll(async () => {
    await proc?.stop();
    await sim?.close();
  });

  test("no form of a Secret value appears in yaml, json or describe output", async () => {
    const forms = [PASSWORD, Buffer.from(PASSWORD).toString("base64")];
    for (const argv of [
      ["get", "secret", "db-credentials", "-n", "shop", "-o", "yaml"],
      ["get", "secrets", "-A", "-o", "json"],
      ["describe", "secret", "db-credentials", "-n", "shop"],
    ]) {
      const { body } = await post(`${url}/debug/execute`, KEY, { cluster_id: "sim", argv });
      expect({ argv, status: body.status }).toEqual({ argv, status: "success" });
      for (const form of forms) expect({ argv, leaked: body.output.includes(form) }).toEqual({ argv, leaked: false });
      expect(body.output).toContain("db-credentials");
    }
    const yaml = (await post(`${url}/debug/execute`, KEY, { cluster_id: "sim", argv: ["get", "secret", "db-credentials", "-n", "shop", "-o", "yaml"] })).body;
    expect(yaml.redacted).toBe(true);
    expect(yaml.output).toContain("[REDACTED]");
  });

  test("ordinary output is left alone", async () => {
    const { body } = await post(`${url}/debug/execute`, KEY, { cluster_id: "sim", argv: ["get", "pods", "-A"] });
    expect(body).toMatchObject({ status: "success", redacted: false });
  });
});
