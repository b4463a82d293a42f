/**
 * The `read-only` policy over a corpus of commands: read-only ones in every
 * flag shape pass; public bypasses of tools that filter kubectl commands are
 * denied, each by the rule named next to it; options move the limits.
 * Every grammar rule with its reason is in read-only.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { createPipeline, type PolicyContext, type PolicyDecision } from "../../lib/policy.ts";
import readOnlyDefault, { readOnly } from "../../plugins/read-only.ts";

const ctx = (argv: readonly string[]): PolicyContext => ({ side: "api", argv, clusterId: "c1", requestedBy: "tester" });

async function decide(argv: readonly string[], options?: Parameters<typeof readOnly>[0]): Promise<PolicyDecision> {
  const decision = await readOnly(options).before(ctx(argv));
  if (!decision) throw new Error("read-only must always decide");
  return decision;
}

/** The rule id a denial starts with, or "allow". */
async function verdict(argv: readonly string[], options?: Parameters<typeof readOnly>[0]): Promise<string> {
  const d = await decide(argv, options);
  if (d.effect === "allow") return "allow";
  if (d.effect === "deny") return d.reason.split(":", 1)[0]!;
  return "rewrite";
}

describe("read-only policy over a command corpus", () => {
  test.each<string[]>([
    ["get", "pods"],
    ["get", "pods", "-n", "kube-system", "-o", "wide"],
    ["get", "pods", "-A", "--show-labels", "-l", "app=web", "--sort-by=.metadata.creationTimestamp"],
    ["get", "deploy,svc", "-o", "yaml", "--show-managed-fields"],
    ["get", "pods", "--field-selector", "status.phase=Running", "--no-headers", "-L", "app"],
    ["get", "pods", "-w", "--output-watch-events"],
    ["get", "pods", "web", "--ignore-not-found", "--show-kind", "--server-print=false"],
    ["get", "deploy", "web", "--subresource=scale", "-o", "json"],
    ["get", "all", "-n", "web"],
    ["get", "nodes", "-o", "name"],
    ["get", "crd", "widgets.example.com"],
    ["describe", "pod", "web", "-n", "web"],
    ["describe", "nodes", "--show-events=false"],
    ["describe", "deploy", "-l", "app=web", "-A"],
    ["logs", "web", "-c", "app", "--tail=100", "--timestamps"],
    ["logs", "web", "-p", "--since=1h", "--limit-bytes=10000"],
    ["logs", "-l", "app=web", "--all-containers", "--prefix", "--max-log-requests=5", "--ignore-errors"],
    ["logs", "deploy/web", "--since-time=2024-01-01T00:00:00Z", "--pod-running-timeout=30s"],
    ["logs", "-f", "web", "--all-pods"],
    ["top", "pod", "-A", "--containers", "--sort-by=cpu", "--sum"],
    ["top", "node", "--show-capacity", "--no-headers"],
    ["events", "-n", "web", "--for", "pod/web", "--types=Warning"],
    ["events", "-A", "-o", "yaml", "-w"],
    ["explain", "pods.spec.containers", "--recursive"],
    ["explain", "deployments", "--api-version=apps/v1", "-o", "plaintext"],
    ["api-resources", "--namespaced=false", "--api-group=apps", "-o", "wide", "--verbs=list,get", "--sort-by=name"],
    ["api-resources", "--cached", "--categories=all"],
    ["api-versions"],
    ["version", "--client", "-o", "yaml"],
    ["cluster-info"],
    ["auth", "can-i", "get", "pods", "-n", "web"],
    ["auth", "can-i", "--list", "-A", "--no-headers"],
    ["auth", "can-i", "get", "/logs/", "-q"],
    ["auth", "can-i", "*", "*"],
    ["auth", "can-i", "get", "pods/log", "--subresource=log"],
    ["auth", "whoami"],
    ["auth", "whoami", "-o", "json"],
    ["rollout", "status", "deployment/web", "--timeout=60s", "--watch=false"],
    ["rollout", "status", "sts", "db", "--revision=3"],
    ["rollout", "history", "deploy/web", "--revision=2", "-o", "yaml"],
    ["get", "pods", "-v=4", "--request-timeout=10s"],
    ["get", "secrets"],
    ["get", "secret/x", "-o", "name"],
    ["get", "Secret.v1./x", "-n", "shop", "-o", "wide"],
    ["get", "po,secret", "x"],
    ["get", "secrets", "-A", "-w", "--show-labels", "--sort-by=.metadata.name"],
    ["describe", "secrets"],
    ["describe", "secret", "default-token"],
  ])("allows %j", async (...argv: string[]) => {
    expect(await decide(argv)).toEqual({ effect: "allow" });
  });

  // Public bypasses of tools that filter kubectl commands, and the grammar rules they break.
  test.each<[string[], string]>([
    [["get", "pods", "--as=system:masters"], "global-flag"],
    [["get", "pods", "--as", "system:masters"], "global-flag"],
    [["get", "pods", "--as-group", "system:masters", "--as", "x"], "global-flag"],
    [["get", "--server=https://x"], "global-flag"],
    [["get", "pods", "--", "--server=https://x"], "unexpected-argument"],
    [["get", "pods", "-l", "--server=https://x"], "missing-value"],
    [["get", "--raw", "/api/v1/namespaces/x/secrets/y"], "raw-path"],
    [["get", "--raw=/api/v1/namespaces/x/secrets/y"], "raw-path"],
    [["run", "x", "--image=busybox", "--overrides={\"spec\":{\"hostPID\":true}}"], "denied-verb"],
    [["-n", "get", "delete", "pod", "x"], "flag-before-verb"],
    [["--context", "get", "delete", "pod", "x"], "flag-before-verb"],
    // Secrets only as metadata (test/unit/secret-metadata.test.ts has the full matrix).
    [["get", "secrets", "-o", "json"], "restricted-resource"],
    [["get", "secret/x", "-oyaml"], "restricted-resource"],
    [["get", "Secret.v1./x", "--output=json"], "restricted-resource"],
    [["get", "secrets.v1.", "-o", "yaml"], "restricted-resource"],
    [["get", "pods,secrets", "-o", "json"], "restricted-resource"],
    [["get", "po,secret", "x", "-o", "yaml"], "restricted-resource"],
    [["get", "secrets", "--sort-by=.data.password"], "restricted-resource"],
    [["get", "secrets.example.com"], "restricted-resource"],
    [["get", "secrets", "-o", "jsonpath={.items[*].data}"], "restricted-resource"],
    [["get", "po", "--kubeconfig=/etc/x"], "global-flag"],
    [["get", "pods", "-v=9"], "verbosity"],
    [["get", "pods", "--v=10"], "verbosity"],
    [["get", "pods", "-v", "8"], "verbosity"],
    [["get", "pods", "-o", "go-template={{.}}"], "output-format"],
    [["get", "pods", "-o", "go-template-file=/etc/passwd"], "output-format"],
    [["get", "pods", "-o", "custom-columns-file=/etc/passwd"], "output-format"],
    [["get", "pods", "--template={{.}}"], "output-format"],
    [["get", "-f", "/etc/passwd"], "file-input"],
    [["get", "-k", "."], "file-input"],
    [["get", "pods", "--token=x"], "global-flag"],
    [["get", "pods", "-s", "https://evil"], "global-flag"],
    [["get", "pods", "--server_=x"], "unknown-flag"],
    [["get", "pods", "--insecure_skip_tls_verify"], "global-flag"],
    [["oidc-login", "get-token"], "unknown-verb"],
    [["foo"], "unknown-verb"],
    [["exec", "web", "--", "cat", "/var/run/secrets/kubernetes.io/serviceaccount/token"], "denied-verb"],
    [["cp", "web:/etc/shadow", "/tmp/x"], "denied-verb"],
    [["auth", "reconcile", "-f", "x"], "denied-verb"],
    // The agent keeps kubectl's page size; one follow opens at most kubectl's default 5 log streams.
    [["get", "pods", "-A", "--chunk-size=0"], "denied-flag"],
    [["describe", "pods", "--chunk-size", "1"], "denied-flag"],
    [["logs", "-f", "-l", "app=web", "--max-log-requests=500"], "invalid-value"],
    [["logs", "-f", "web", "--all-containers", "--max-log-requests", "6"], "invalid-value"],
    [["auth", "whoami", "--template={{.status}}"], "output-format"],
    [["rollout", "restart", "deploy/web"], "denied-verb"],
    [["cluster-info", "dump"], "denied-verb"],
    [["cluster-info", "-v", "2", "dump"], "denied-verb"],
    [["config", "view", "--raw"], "denied-verb"],
    [["proxy", "--port=8001"], "denied-verb"],
    [["port-forward", "svc/db", "5432"], "denied-verb"],
    [["debug", "node/x", "-it", "--image=busybox"], "denied-verb"],
    [["attach", "web"], "denied-verb"],
    [["plugin", "list"], "denied-verb"],
    [["logs", "pod", "--kubeconfig", "x"], "global-flag"],
    [["get", "pods\n", "secrets"], "non-printable"],
    [["get", "pods", "-l", "a=b\u0000"], "non-printable"],
    [["get", "pods\r\n--as=admin"], "non-printable"],
    [["get", ...Array.from({ length: 64 }, () => "pods")], "argument-limits"],
    [["get", "pods", "-l", "x".repeat(10 * 1024)], "argument-limits"],
    [[], "missing-verb"],
    [["get", "pods", "-Aw", "-n", "x"], "allow"],
    [["get", "pods", "-n="], "missing-value"],
    [["get", "pods", "--namespace"], "missing-value"],
    [["get", "pods", "-n", "--as=admin"], "missing-value"],
    [["get", "pods", "--all-namespaces", "false"], "allow"],
    [["get", "pods", "-h"], "unknown-flag"],
    [["apply", "-f", "-"], "denied-verb"],
    [["delete", "pods", "--all"], "denied-verb"],
    [["get", "pods", "--watch-only", "--as=x"], "global-flag"],
    [["get", "pods", "-Av9"], "verbosity"],
    [["get", "pods", "-vs"], "verbosity"],
    [["get", "pods", "-As", "https://evil"], "global-flag"],
    [["get", "serviceaccounts", "default", "--subresource=token"], "invalid-value"],
    [["logs", "web", "--insecure-skip-tls-verify-backend"], "denied-flag"],
    [["events", "--for", "secret/x"], "restricted-resource"],
  ])("%j -> %s", async (argv, rule) => {
    expect(await verdict(argv)).toBe(rule);
  });

  test("the denial reason starts with the rule id and names the offending token", async () => {
    const d = await decide(["get", "pods", "--kubeconfig=/etc/x"]);
    expect(d.effect).toBe("deny");
    if (d.effect === "deny") {
      expect(d.reason).toStartWith("global-flag: ");
      expect(d.reason).toContain("--kubeconfig");
    }
  });

  test("restrictedResources replaces the default list", async () => {
    expect(await verdict(["get", "cm"], { restrictedResources: ["configmaps"] })).toBe("restricted-resource");
    expect(await verdict(["get", "secrets"], { restrictedResources: ["configmaps"] })).toBe("allow");
    expect(await verdict(["get", "secrets"], { restrictedResources: [] })).toBe("allow");
    expect(await verdict(["get", "secrets", "-o", "yaml"], { restrictedResources: ["secrets", "configmaps"] })).toBe("restricted-resource");
    expect(await verdict(["get", "secrets", "-o", "yaml"], { restrictedResources: ["configmaps"] })).toBe("allow");
  });

  test("allowFollow: false denies commands that never end on their own", async () => {
    const o = { allowFollow: false };
    expect(await verdict(["logs", "web", "-f"], o)).toBe("streaming");
    expect(await verdict(["logs", "web", "--follow=true"], o)).toBe("streaming");
    expect(await verdict(["get", "pods", "-w"], o)).toBe("streaming");
    expect(await verdict(["get", "pods", "--watch-only"], o)).toBe("streaming");
    expect(await verdict(["events", "--watch"], o)).toBe("streaming");
    expect(await verdict(["rollout", "status", "deploy/x"], o)).toBe("streaming");
    expect(await verdict(["rollout", "status", "deploy/x", "-w=false"], o)).toBe("allow");
    expect(await verdict(["logs", "web"], o)).toBe("allow");
    expect(await verdict(["logs", "web", "-f"])).toBe("allow");
  });

  test("maxVerbosity moves the -v cap", async () => {
    expect(await verdict(["get", "pods", "-v=6"], { maxVerbosity: 6 })).toBe("allow");
    expect(await verdict(["get", "pods", "-v=7"], { maxVerbosity: 6 })).toBe("verbosity");
    expect(await verdict(["get", "pods", "-v=1"], { maxVerbosity: 0 })).toBe("verbosity");
    expect(await verdict(["get", "pods", "-v=4"])).toBe("allow");
    expect(await verdict(["get", "pods", "-v=5"])).toBe("verbosity");
  });

  test("in a pipeline a denial names the policy and keeps argv", async () => {
    const pipeline = createPipeline([readOnly()], "agent");
    const denied = await pipeline.before({ argv: ["get", "secrets", "-o", "yaml"], clusterId: "c1", requestedBy: "t" });
    expect(denied).toMatchObject({ allowed: false, policy: "read-only", argv: ["get", "secrets", "-o", "yaml"] });
    expect(denied.reason).toStartWith("restricted-resource: ");
    const allowed = await pipeline.before({ argv: ["get", "pods"], clusterId: "c1", requestedBy: "t" });
    expect(allowed).toMatchObject({ allowed: true, argv: ["get", "pods"] });
  });

  test("argv from a frozen array is judged without mutation", async () => {
    const argv = Object.freeze(["get", "pods", "-n", "web"]);
    expect(await verdict(argv)).toBe("allow");
    expect(argv).toEqual(["get", "pods", "-n", "web"]);
  });
});
