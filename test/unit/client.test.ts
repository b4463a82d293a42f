/** The in-process and HTTP clients behave the same (A2A, MCP and the CLI build on them). */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { echoExecutor } from "../../lib/agent/executors.ts";
import { httpClient, localClient, type KubentlyClient } from "../../lib/client.ts";
import { isKubentlyError } from "../../lib/errors.ts";
import type { Kubently } from "../../lib/kubently.ts";
import { protocolApi } from "../_protocols.ts";

const KEY = "client-key-0123456789abcdef";
let k: Kubently;
let url: string;

beforeAll(async () => {
  ({ k, url } = await protocolApi({ keys: [{ name: "bot", key: KEY }], clusters: { c1: echoExecutor() } }));
});
afterAll(() => k.close());

const clients: [string, () => Promise<KubentlyClient>][] = [
  ["localClient", async () => localClient(k, await k.context.authenticator.authenticate(KEY))],
  ["httpClient", async () => httpClient({ apiUrl: url, apiKey: KEY })],
];

for (const [name, make] of clients) {
  describe(name, () => {
    test("lists clusters, runs a session and a command, and reads the result back", async () => {
      const c = await make();
      expect(await c.identityName()).toBe("bot");
      expect(await c.listClusters()).toEqual([{ id: "c1", connected: true }]);
      const s = await c.createSession("c1", { ttlSeconds: 120 });
      expect(s).toMatchObject({ cluster_id: "c1", status: "active", ttl_seconds: 120 });
      const r = await c.execute({ clusterId: "c1", sessionId: s.session_id, argv: ["get", "pods", "-A"] });
      expect(r).toMatchObject({ status: "success", output: "get pods -A\n", session_id: s.session_id });
      expect(await c.getResult(r.command_id)).toMatchObject({ status: "success", output: "get pods -A\n" });
      await c.closeSession(s.session_id);
      expect((await c.getSession(s.session_id)).status).toBe("ended");
    });

    test("a denied command is a result with status denied, not an error", async () => {
      const r = await (await make()).execute({ clusterId: "c1", argv: ["delete", "pod", "x"] });
      expect(r).toMatchObject({ status: "denied", success: false, policy: "read-only" });
    });

    test("errors keep their code", async () => {
      const e = await (await make()).execute({ clusterId: "nope", argv: ["version"] }).catch((x) => x);
      expect(isKubentlyError(e, "CLUSTER_NOT_FOUND")).toBe(true);
    });
  });
}
