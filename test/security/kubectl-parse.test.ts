/**
 * The kubectl argv grammar (lib/kubectl/parse.ts, spec.ts, resources.ts,
 * build.ts), pure: command paths, pflag spellings, global/file/raw/output/
 * verbosity flags, resource spellings, limits, isStreaming, buildArgv.
 * Ported from test/unit/kubectl-parse.test.ts without the checks that spawn
 * the real kubectl (those stay there). The exact reason of every denial site
 * is pinned in kubectl-reasons.test.ts.
 */
import { describe, expect, test } from "bun:test";
import {
  VERB_GROUPS,
  MAX_ARG_BYTES,
  MAX_ARGS,
  MAX_TOTAL_BYTES,
  RULES,
  VERBS,
  buildArgv,
  isRestricted,
  isStreaming,
  parseKubectl,
  resolveResourceType,
  splitResourceArgs,
  verbTakesNamespace,
  type ParsedCommand,
} from "../../lib/kubectl/index.ts";

const words = (s: string): string[] => (s === "" ? [] : s.split(" "));

function ok(argv: string[]): ParsedCommand {
  const r = parseKubectl(argv);
  if (!r.ok) throw new Error(`expected ${JSON.stringify(argv)} to parse, got ${r.rule}: ${r.reason}`);
  return r.command;
}

function denied(argv: string[]): { rule: string; reason: string } {
  const r = parseKubectl(argv);
  if (r.ok) throw new Error(`expected ${JSON.stringify(argv)} to be denied`);
  return r;
}

describe("parseKubectl: command paths", () => {
  test.each([
    ["get pods", ["get"]],
    ["describe pod web", ["describe"]],
    ["logs web", ["logs"]],
    ["top pod", ["top", "pod"]],
    ["top pods", ["top", "pod"]],
    ["top po web", ["top", "pod"]],
    ["top node", ["top", "node"]],
    ["top nodes", ["top", "node"]],
    ["top no", ["top", "node"]],
    ["events", ["events"]],
    ["explain pods", ["explain"]],
    ["api-resources", ["api-resources"]],
    ["api-versions", ["api-versions"]],
    ["version", ["version"]],
    ["cluster-info", ["cluster-info"]],
    ["auth can-i get pods", ["auth", "can-i"]],
    ["rollout status deployment/web", ["rollout", "status"]],
    ["rollout history deployment web", ["rollout", "history"]],
  ])("%s -> path %j", (line, path) => {
    expect(ok(words(line)).path).toEqual(path);
  });

  test("every allowed path in the table parses with no arguments or its minimal arguments", () => {
    const minimal: Record<string, string[]> = { "rollout status": ["deploy/x"], "rollout history": ["deploy/x"] };
    for (const [key, spec] of VERBS) {
      expect(ok([...spec.path, ...(minimal[key] ?? [])]).path).toEqual([...spec.path]);
    }
  });

  test.each([
    ["delete pod x", "denied-verb"],
    ["apply -f x.yaml", "denied-verb"],
    ["exec web -- sh", "denied-verb"],
    ["cp web:/etc/passwd /tmp/x", "denied-verb"],
    ["attach web", "denied-verb"],
    ["port-forward web 80", "denied-verb"],
    ["proxy", "denied-verb"],
    ["debug web", "denied-verb"],
    ["run x --image=busybox --overrides={}", "denied-verb"],
    ["plugin list", "denied-verb"],
    ["config view --raw", "denied-verb"],
    ["edit pod web", "denied-verb"],
    ["patch pod web", "denied-verb"],
    ["label pod web a=b", "denied-verb"],
    ["annotate pod web a=b", "denied-verb"],
    ["scale deploy web --replicas=0", "denied-verb"],
    ["create secret generic x", "denied-verb"],
    ["replace -f x", "denied-verb"],
    ["set image deploy/web a=b", "denied-verb"],
    ["cordon node1", "denied-verb"],
    ["drain node1", "denied-verb"],
    ["taint node node1 a=b:NoSchedule", "denied-verb"],
    ["certificate approve csr1", "denied-verb"],
    ["kustomize .", "denied-verb"],
    ["completion bash", "denied-verb"],
    ["alpha", "denied-verb"],
    ["wait --for=delete pod/web", "denied-verb"],
    ["diff -f x", "denied-verb"],
    ["__complete get secrets", "denied-verb"],
    ["rollout restart deploy/web", "denied-verb"],
    ["rollout undo deploy/web", "denied-verb"],
    ["rollout pause deploy/web", "denied-verb"],
    ["rollout resume deploy/web", "denied-verb"],
    ["auth reconcile -f x", "denied-verb"],
    ["cluster-info dump", "denied-verb"],
    ["cluster-info --request-timeout 5s dump", "denied-verb"],
    ["foo bar", "unknown-verb"],
    ["ctx prod", "unknown-verb"],
    ["Get pods", "unknown-verb"],
    ["rollout", "unknown-verb"],
    ["rollout -w status deploy/x", "unknown-verb"],
    ["top", "unknown-verb"],
    ["top -A pod", "unknown-verb"],
    ["auth", "unknown-verb"],
    ["auth foo", "unknown-verb"],
    ["-n get delete pod x", "flag-before-verb"],
    ["--namespace=x get pods", "flag-before-verb"],
    ["-- get pods", "flag-before-verb"],
    ["", "missing-verb"],
  ])("%s -> %s", (line, rule) => {
    expect(denied(words(line)).rule).toBe(rule);
  });

  test("an unknown verb names the plugin kubectl would run", () => {
    expect(denied(["foo"]).reason).toContain("kubectl-foo");
  });
});

describe("parseKubectl: flag spellings (pflag)", () => {
  const ns = (line: string) => ok(words(line)).namespace;
  test.each([
    "get pods -n kube-system",
    "get pods -nkube-system",
    "get pods -n=kube-system",
    "get pods --namespace kube-system",
    "get pods --namespace=kube-system",
    "get -n kube-system pods",
    "get pods -n other -n kube-system",
    "get pods --namespace=other -nkube-system",
  ])("%s sets namespace kube-system", (line) => {
    expect(ns(line)).toBe("kube-system");
  });

  test.each(["get pods -o json", "get pods -ojson", "get pods -o=json", "get pods --output json", "get pods --output=json", "get pods -o yaml -o json"])(
    "%s sets output json",
    (line) => {
      expect(ok(words(line)).output).toBe("json");
    },
  );

  test.each([
    ["get pods -A", true],
    ["get pods --all-namespaces", true],
    ["get pods --all_namespaces", true],
    ["get pods --all-namespaces=true", true],
    ["get pods --all-namespaces=1", true],
    ["get pods --all-namespaces=T", true],
    ["get pods -A=true", true],
    ["get pods -A=false", false],
    ["get pods --all-namespaces=false", false],
    ["get pods --all_namespaces=False", false],
    ["get pods -A --all-namespaces=0", false],
    ["get pods --all-namespaces=false -A", true],
  ])("%s -> allNamespaces %p", (line, expected) => {
    expect(ok(words(line)).allNamespaces).toBe(expected);
  });

  test("a boolean never takes the next argument: `--all-namespaces false` makes `false` a positional", () => {
    const c = ok(words("get pods --all-namespaces false"));
    expect(c.allNamespaces).toBe(true);
    expect(c.positionals).toEqual(["pods", "false"]);
    expect(c.resources).toEqual([{ resource: "pods", name: "false" }]);
  });

  test.each([
    ["get pods -Aw", { "all-namespaces": true, watch: true }],
    ["get pods -wA", { "all-namespaces": true, watch: true }],
    ["get pods -Aojson", { "all-namespaces": true, output: "json" }],
    ["get pods -Ao json", { "all-namespaces": true, output: "json" }],
    ["get pods -Awo=yaml", { "all-namespaces": true, watch: true, output: "yaml" }],
    ["get pods -wA=false", { watch: true, "all-namespaces": "false" }],
    ["get pods -lapp=web", { selector: "app=web" }],
    ["get pods -l=app=web", { selector: "app=web" }],
    ["get pods -L a -L b,c", { "label-columns": "a,b,c" }],
    ["get pods --label_columns=a", { "label-columns": "a" }],
    ["logs web -fp", { follow: true, previous: true }],
    ["logs web -pfcapp", { follow: true, previous: true, container: "app" }],
    ["logs web --tail -1", { tail: "-1" }],
    ["logs web --tail=20 --tail 30", { tail: "30" }],
    ["logs web --since_time=2024-01-02T03:04:05Z", { "since-time": "2024-01-02T03:04:05Z" }],
    ["get pods -v 4", { v: "4" }],
    ["get pods -v=2", { v: "2" }],
    ["get pods -v3", { v: "3" }],
    ["get pods --v=0", { v: "0" }],
    ["get pods --request-timeout=5s", { "request-timeout": "5s" }],
    ["get pods --request_timeout 1m30s", { "request-timeout": "1m30s" }],
  ])("%s -> flags %j", (line, flags) => {
    expect(Object.fromEntries(ok(words(line)).flags) as Record<string, unknown>).toEqual(flags);
  });

  test("`--` ends flags; later tokens are positionals and must be valid names", () => {
    expect(ok(words("get pods -- web")).resources).toEqual([{ resource: "pods", name: "web" }]);
    expect(denied(words("get pods -- --server=https://x")).rule).toBe("unexpected-argument");
    expect(denied(words("get pods -- -A")).rule).toBe("unexpected-argument");
    expect(denied(words("logs -- -c")).rule).toBe("unexpected-argument");
    expect(denied(words("version -- x")).rule).toBe("unexpected-argument");
  });

  test.each([
    ["get pods --namespace", "missing-value"],
    ["get pods -n", "missing-value"],
    ["get pods -n=", "missing-value"],
    ["get pods --namespace=", "missing-value"],
    ["get pods -o", "missing-value"],
    ["get pods -l", "missing-value"],
    ["get pods -l --server=https://x", "missing-value"],
    ["get pods -n --as=admin", "missing-value"],
    ["get pods -n -- x", "missing-value"],
    ["logs web -c -p", "missing-value"],
    ["logs web --tail -x", "missing-value"],
    ["get pods -A=maybe", "invalid-value"],
    ["get pods --watch=yes", "invalid-value"],
    ["get pods --watch=", "invalid-value"],
    ["get pods -n Kube_System", "invalid-value"],
    ["get pods -n a/b", "invalid-value"],
    ["get pods --chunk-size=ten", "denied-flag"],
    ["logs web --since=forever", "invalid-value"],
    ["logs web --since-time=yesterday", "invalid-value"],
    ["get pods --subresource=token", "invalid-value"],
    ["top pod --sort-by=name", "invalid-value"],
    ["get pods --request-timeout=soon", "invalid-value"],
    ["get pods ---namespace=x", "unknown-flag"],
    ["get pods --=x", "unknown-flag"],
    ["get pods -A=", "unknown-flag"],
    ["get pods --Namespace=x", "unknown-flag"],
    ["get pods --names=x", "unknown-flag"],
    ["get pods -h", "unknown-flag"],
    ["get pods --help", "unknown-flag"],
    ["get pods -Z", "unknown-flag"],
    ["get pods -AZ", "unknown-flag"],
    ["describe pods -o json", "unknown-flag"],
    ["logs web -A", "unknown-flag"],
    ["top node -A", "unknown-flag"],
    ["version --short", "unknown-flag"],
    ["get pods --server_=x", "unknown-flag"],
    ["get pods --export", "unknown-flag"],
  ])("%s -> %s", (line, rule) => {
    expect(denied(words(line)).rule).toBe(rule);
  });

  test("an unknown flag names itself without its value", () => {
    const r = denied(["get", "pods", "--bogus-flag=secret-value"]);
    expect(r.reason).toContain("--bogus-flag");
    expect(r.reason).not.toContain("secret-value");
  });
});

describe("parseKubectl: global flags, files, raw paths, outputs, verbosity", () => {
  test.each([
    ["get pods --as=system:masters", "global-flag"],
    ["get pods --as system:masters", "global-flag"],
    ["get pods --as-group=system:masters", "global-flag"],
    ["get pods --as-uid=0", "global-flag"],
    ["get pods --token=x", "global-flag"],
    ["get pods -s https://evil", "global-flag"],
    ["get pods -shttps://evil", "global-flag"],
    ["get pods --server=https://evil", "global-flag"],
    ["get pods -As https://evil", "global-flag"],
    ["get po --kubeconfig=/etc/x", "global-flag"],
    ["get pods --context prod", "global-flag"],
    ["get pods --cluster prod", "global-flag"],
    ["get pods --user admin", "global-flag"],
    ["get pods --username admin", "global-flag"],
    ["get pods --password hunter2", "global-flag"],
    ["get pods --certificate-authority=/x", "global-flag"],
    ["get pods --client-key=/x", "global-flag"],
    ["get pods --client-certificate=/x", "global-flag"],
    ["get pods --insecure-skip-tls-verify", "global-flag"],
    ["get pods --insecure_skip_tls_verify", "global-flag"],
    ["get pods --tls-server-name=x", "global-flag"],
    ["get pods --cache-dir=/tmp", "global-flag"],
    ["get pods --profile=cpu", "global-flag"],
    ["get pods --profile-output=/tmp/x", "global-flag"],
    ["get pods --log-file=/tmp/x", "global-flag"],
    ["get pods --vmodule=x=9", "global-flag"],
    ["get pods --disable-compression", "global-flag"],
    ["logs web --kubeconfig x", "global-flag"],
    ["api-resources -n x", "global-flag"],
    ["top node -n x", "global-flag"],
    ["version --namespace=x", "global-flag"],
    ["get -f /etc/passwd", "file-input"],
    ["get --filename=/etc/passwd", "file-input"],
    ["get -k .", "file-input"],
    ["get --kustomize=.", "file-input"],
    ["describe -f x.yaml", "file-input"],
    ["rollout status -f x.yaml", "file-input"],
    ["get pods -R", "denied-flag"],
    ["logs web --insecure-skip-tls-verify-backend", "denied-flag"],
    ["get --raw /api/v1/namespaces/x/secrets/y", "raw-path"],
    ["get --raw=/api/v1/namespaces/x/secrets/y", "raw-path"],
    ["get pods -o go-template={{.}}", "output-format"],
    ["get pods -ogo-template={{.}}", "output-format"],
    ["get pods -o jsonpath-file=/etc/passwd", "output-format"],
    ["get pods -o custom-columns-file=/etc/passwd", "output-format"],
    ["get pods -o jsonpath", "output-format"],
    ["get pods -o jsonpath=", "output-format"],
    ["get pods -o custom-columns", "output-format"],
    ["get pods -o JSONPATH={.x}", "output-format"],
    ["get pods -o go-template-file=/etc/passwd", "output-format"],
    ["get pods -o template={{.}}", "output-format"],
    ["get pods -o templatefile=/etc/passwd", "output-format"],
    ["get pods -o JSON", "output-format"],
    ["get pods --template={{.}}", "output-format"],
    ["events -o jsonpath={.x}", "output-format"],
    ["events --allow-missing-template-keys=false", "denied-flag"],
    ["rollout history deploy/web -o jsonpath={.x}", "output-format"],
    ["auth whoami -o custom-columns=N:.status", "output-format"],
    ["version -o wide", "output-format"],
    ["explain pods -o json", "output-format"],
    ["api-resources -o json", "output-format"],
    ["get pods -v=9", "verbosity"],
    ["get pods --v=10", "verbosity"],
    ["get pods -v 8", "verbosity"],
    ["get pods -v5", "verbosity"],
    ["get pods -Av9", "verbosity"],
    ["get pods -v=+9", "verbosity"],
    ["get pods -v=abc", "verbosity"],
    ["get pods -v 2 -v 6", "verbosity"],
  ])("%s -> %s", (line, rule) => {
    expect(denied(words(line)).rule).toBe(rule);
  });

  test("a refused credential flag is named without its value", () => {
    const r = denied(["get", "pods", "--token=eyJsecret"]);
    expect(r.reason).toContain("--token");
    expect(r.reason).not.toContain("eyJsecret");
  });

  test.each([
    "get pods -o wide",
    "get pods -o name",
    "get pods -o json",
    "get pods -o yaml",
    "events -o yaml",
    "explain pods -o plaintext-openapiv2",
    "api-resources -o name",
    "version -o json",
    "rollout history deploy/x -o yaml",
  ])("%s is a safe output", (line) => {
    expect(parseKubectl(words(line)).ok).toBe(true);
  });

  test("the verbosity cap is an option", () => {
    expect(parseKubectl(words("get pods -v=6"), { maxVerbosity: 6 }).ok).toBe(true);
    expect(parseKubectl(words("get pods -v=2"), { maxVerbosity: 1 }).ok).toBe(false);
  });
});

describe("parseKubectl: resources", () => {
  test.each([
    ["get secrets"],
    ["get secret"],
    ["get Secret"],
    ["get SECRETS"],
    ["get secret/x"],
    ["get Secret/x"],
    ["get secrets/x"],
    ["get secrets.v1."],
    ["get secret.v1"],
    ["get Secret.v1./x"],
    ["get secrets.v1.mycompany.io"],
    ["get pods,secrets"],
    ["get pods,secret web"],
    ["get pod/web secret/x"],
    ["get -o yaml secrets"],
    ["get -n x -o yaml -- secrets"],
    ["describe secrets"],
    ["describe secret x"],
    ["describe secret/x"],
    ["logs secret/x"],
    ["rollout status secret/x"],
    ["events --for secret/x"],
    ["events --for=Secret/x"],
  ])("%s -> restricted-resource", (line) => {
    expect(denied(words(line)).rule).toBe("restricted-resource");
  });

  test.each([
    ["get po", [{ resource: "pods" }]],
    ["get svc web", [{ resource: "services", name: "web" }]],
    ["get deploy,ds,sts", [{ resource: "deployments" }, { resource: "daemonsets" }, { resource: "statefulsets" }]],
    ["get rs,cm a", [{ resource: "replicasets", name: "a" }, { resource: "configmaps", name: "a" }]],
    ["get ns", [{ resource: "namespaces" }]],
    ["get no", [{ resource: "nodes" }]],
    ["get ev", [{ resource: "events" }]],
    ["get sa,ep,pvc,pv", [{ resource: "serviceaccounts" }, { resource: "endpoints" }, { resource: "persistentvolumeclaims" }, { resource: "persistentvolumes" }]],
    ["get ing,netpol,cj,hpa,pdb,crd", ["ingresses", "networkpolicies", "cronjobs", "horizontalpodautoscalers", "poddisruptionbudgets", "customresourcedefinitions"].map((resource) => ({ resource }))],
    ["get Deployment/web", [{ resource: "deployments", name: "web" }]],
    ["get deployments.apps web", [{ resource: "deployments", name: "web" }]],
    ["get deployments.v1.apps/web", [{ resource: "deployments", name: "web" }]],
    ["get pod/a svc/b", [{ resource: "pods", name: "a" }, { resource: "services", name: "b" }]],
    ["get pods a b", [{ resource: "pods", name: "a" }, { resource: "pods", name: "b" }]],
    ["get all", [{ resource: "all" }]],
    ["get widgets.example.com", [{ resource: "widgets.example.com" }]],
    ["get certificates.cert-manager.io/web", [{ resource: "certificates.cert-manager.io", name: "web" }]],
    ["get clusterroles system:aggregate-to-view", [{ resource: "clusterroles", name: "system:aggregate-to-view" }]],
    ["describe po web", [{ resource: "pods", name: "web" }]],
    ["logs web", [{ resource: "pods", name: "web" }]],
    ["logs deploy/web", [{ resource: "deployments", name: "web" }]],
    ["logs -l app=web", [{ resource: "pods" }]],
    ["top pod web", [{ resource: "pods", name: "web" }]],
    ["top node", [{ resource: "nodes" }]],
    ["rollout status deploy web", [{ resource: "deployments", name: "web" }]],
    ["explain secrets", []],
    ["auth can-i get secrets", []],
  ])("%s -> %j", (line, resources) => {
    expect(ok(words(line)).resources).toEqual(resources);
  });

  test.each([
    ["get pods/a/b", "invalid-resource"],
    ["get pods pod/a", "invalid-resource"],
    ["get /a", "invalid-resource"],
    ["get pods/", "invalid-resource"],
    ["get pods,", "invalid-resource"],
    ["get po_ds", "invalid-resource"],
    ["get pods a,b", "invalid-resource"],
    ["get Ｓecrets", "invalid-resource"],
    ["get \u212Aubectl", "invalid-resource"],
    ["get pods.", "ok"],
    ["logs a b c", "unexpected-argument"],
    ["logs web App", "invalid-value"],
    ["top pod a b", "unexpected-argument"],
    ["explain pods.spec extra", "unexpected-argument"],
    ["explain ../x", "invalid-resource"],
    ["events web", "unexpected-argument"],
    ["api-versions x", "unexpected-argument"],
    ["cluster-info x", "unexpected-argument"],
    ["auth can-i get pods x y", "unexpected-argument"],
    ["auth can-i get pods/a/b", "invalid-resource"],
    ["events --for web", "invalid-resource"],
  ])("%s -> %s", (line, rule) => {
    const r = parseKubectl(words(line));
    expect(r.ok ? "ok" : r.rule).toBe(rule);
  });

  test("restrictedResources is configurable and matches any spelling", () => {
    const opts = { restrictedResources: ["configmaps"] };
    expect(parseKubectl(words("get cm"), opts).ok).toBe(false);
    expect(parseKubectl(words("get ConfigMap/x"), opts).ok).toBe(false);
    expect(parseKubectl(words("get secrets"), opts).ok).toBe(true);
    expect(parseKubectl(words("get secrets"), { restrictedResources: [] }).ok).toBe(true);
  });

  test("`all` is restricted when one of its members is", () => {
    expect(parseKubectl(words("get all"), { restrictedResources: ["pods"] }).ok).toBe(false);
    expect(parseKubectl(words("get all"), { restrictedResources: ["secrets", "configmaps"] }).ok).toBe(true);
  });
});

describe("resource helpers", () => {
  test.each([
    ["po", "pods"],
    ["Pod", "pods"],
    ["pods.v1.", "pods"],
    ["deploy", "deployments"],
    ["deployments.apps", "deployments"],
    ["HPA", "horizontalpodautoscalers"],
    ["crds", "customresourcedefinitions"],
    ["Widget.example.com", "widget.example.com"],
  ])("resolveResourceType(%s) -> %s", (spelling, resource) => {
    const r = resolveResourceType(spelling);
    expect(r.ok && r.resource).toBe(resource);
  });

  test.each(["", ".", "a..b", "-pods", "pods-", "a b", "pö", "x".repeat(254)])("resolveResourceType(%j) fails", (s) => {
    expect(resolveResourceType(s).ok).toBe(false);
  });

  test("isRestricted compares resolved first segments", () => {
    expect(isRestricted("secrets", ["secret"])).toBe(true);
    expect(isRestricted("secrets.foo.io", ["secrets"])).toBe(true);
    expect(isRestricted("pods", ["secrets"])).toBe(false);
  });

  test("splitResourceArgs mirrors kubectl's builder", () => {
    expect(splitResourceArgs(["pods,svc", "a", "b"])).toEqual({
      ok: true,
      refs: [
        { resource: "pods", name: "a" },
        { resource: "pods", name: "b" },
        { resource: "services", name: "a" },
        { resource: "services", name: "b" },
      ],
    });
    expect(splitResourceArgs(["pods,pods", "a"])).toEqual({ ok: true, refs: [{ resource: "pods", name: "a" }] });
    expect(splitResourceArgs(["pods/a", "svc"]).ok).toBe(false);
  });
});

describe("parseKubectl: argument limits and printability", () => {
  test.each([
    ["a newline", ["get", "pods\nsecrets"]],
    ["a NUL", ["get", "pods\u0000"]],
    ["a tab", ["get", "pods", "-l", "a=b\tc"]],
    ["an escape sequence", ["get", "\u001b[31mpods"]],
    ["DEL", ["get", "pods\u007f"]],
    ["a C1 control", ["get", "pods\u0085"]],
    ["a zero-width space", ["get", "po\u200bds"]],
    ["a bidi override", ["get", "pods", "-l", "a=\u202eb"]],
    ["a lone surrogate", ["get", "pods\ud800"]],
    ["a no-break space", ["get", "pods\u00a0x"]],
    ["a line separator", ["get", "pods\u2028"]],
    ["a control character in the verb", ["get\r"]],
  ])("%s -> non-printable", (_what, argv) => {
    expect(denied(argv).rule).toBe("non-printable");
  });

  test("limits are exported and enforced", () => {
    expect([MAX_ARGS, MAX_ARG_BYTES, MAX_TOTAL_BYTES]).toEqual([64, 1024, 8192]);
    expect(parseKubectl(["get", "pods", ...Array.from({ length: MAX_ARGS - 2 }, (_, i) => `p${i}`)]).ok).toBe(true);
    expect(denied(["get", "pods", ...Array.from({ length: MAX_ARGS - 1 }, (_, i) => `p${i}`)]).rule).toBe("argument-limits");
    expect(denied(["get", "pods", "-l", `a=${"x".repeat(10 * 1024)}`]).rule).toBe("argument-limits");
    expect(denied(["get", "pods", "-l", `a=${"é".repeat(600)}`]).rule).toBe("argument-limits");
    expect(parseKubectl(["get", "pods", "-l", `a=${"x".repeat(MAX_ARG_BYTES - 2)}`]).ok).toBe(true);
    const big = Array.from({ length: 9 }, () => `--field-selector=${"x".repeat(1000)}`);
    expect(denied(["get", "pods", ...big]).rule).toBe("argument-limits");
  });

  test.each([
    ["not an array", "get pods"],
    ["a number inside", ["get", 1]],
    ["null", null],
  ])("%s -> invalid-argv", (_what, argv) => {
    expect(denied(argv as unknown as string[]).rule).toBe("invalid-argv");
  });

  test("printable Unicode in values is fine", () => {
    expect(parseKubectl(["get", "pods", "-l", "team in (café, naïve)"]).ok).toBe(true);
  });

  test("every rule a denial carries is a listed rule id", () => {
    for (const line of ["foo", "get secrets", "get pods -v=9", "get --raw /", "", "-n x"]) {
      const r = parseKubectl(words(line));
      if (!r.ok) expect(RULES).toContain(r.rule as (typeof RULES)[number]);
    }
  });
});

describe("isStreaming", () => {
  test.each([
    ["logs web -f", true],
    ["logs web --follow=false", false],
    ["logs web", false],
    ["get pods -w", true],
    ["get pods --watch-only", true],
    ["events -w", true],
    ["get pods", false],
    ["rollout status deploy/x", true],
    ["rollout status deploy/x --watch=false", false],
    ["rollout history deploy/x", false],
  ])("%s -> %p", (line, expected) => {
    expect(isStreaming(ok(words(line)))).toBe(expected);
  });
});

describe("buildArgv", () => {
  test.each([
    [{ commandType: "get", args: ["pods"], namespace: "web" }, ["get", "pods", "-n", "web"]],
    [{ commandType: "get", args: ["pods"] }, ["get", "pods"]],
    [{ commandType: "get", args: ["pods", "-n", "x"], namespace: "web" }, ["get", "pods", "-n", "x"]],
    [{ commandType: "get", args: ["pods", "-nx"], namespace: "web" }, ["get", "pods", "-nx"]],
    [{ commandType: "get", args: ["pods", "--namespace=x"], namespace: "web" }, ["get", "pods", "--namespace=x"]],
    [{ commandType: "get", args: ["pods", "-A"], namespace: "web" }, ["get", "pods", "-A"]],
    [{ commandType: "get", args: ["pods", "-Aw"], namespace: "web" }, ["get", "pods", "-Aw"]],
    [{ commandType: "get", args: ["pods", "--all_namespaces"], namespace: "web" }, ["get", "pods", "--all_namespaces"]],
    [{ commandType: "get", args: ["secrets"], namespace: "web" }, ["get", "secrets", "-n", "web"]],
    [{ commandType: "logs", args: ["web"], namespace: "web", extraArgs: ["--tail=10"] }, ["logs", "web", "-n", "web", "--tail=10"]],
    [{ commandType: "describe", args: ["pod", "x"], namespace: "d" }, ["describe", "pod", "x", "-n", "d"]],
    [{ commandType: "events", args: [], namespace: "d" }, ["events", "-n", "d"]],
    [{ commandType: "top", args: ["pod"], namespace: "d" }, ["top", "pod", "-n", "d"]],
    [{ commandType: "top", args: ["node"], namespace: "d" }, ["top", "node"]],
    [{ commandType: "rollout", args: ["status", "deploy/x"], namespace: "d" }, ["rollout", "status", "deploy/x", "-n", "d"]],
    [{ commandType: "version", args: [], namespace: "d" }, ["version"]],
    [{ commandType: "api-resources", args: [], namespace: "d" }, ["api-resources"]],
    [{ commandType: "explain", args: ["pods"], namespace: "d" }, ["explain", "pods"]],
    [{ commandType: "get", args: ["pods"], namespace: "d", extraArgs: ["-n", "x"] }, ["get", "pods", "-n", "x"]],
    [{ commandType: "get", args: ["pods", "--", "-n"], namespace: "d" }, ["get", "pods", "--", "-n", "-n", "d"]],
  ])("%j -> %j", (req, argv) => {
    expect(buildArgv(req)).toEqual(argv);
  });

  test.each([
    [["get"], true],
    [["describe"], true],
    [["logs"], true],
    [["events"], true],
    [["top", "pod"], true],
    [["top", "pods"], true],
    [["top", "node"], false],
    [["rollout", "status"], true],
    [["rollout", "history"], true],
    [["rollout"], false],
    [["auth", "can-i"], true],
    [["version"], false],
    [["explain"], false],
    [["api-resources"], false],
    [["cluster-info"], false],
    [["delete"], false],
    [[], false],
  ])("verbTakesNamespace(%j) -> %p", (path, expected) => {
    expect(verbTakesNamespace(path)).toBe(expected);
  });
});
