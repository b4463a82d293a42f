/**
 * The grammar's tables (lib/kubectl/spec.ts, resources.ts) pinned as data:
 * every allowed command path with its argument model, outputs and each flag's
 * shorthand, kind (a boolean never takes the next argument; getting arity
 * wrong lets a value be read as a flag) and denial; the global flags; the
 * subcommand groups; the denied verbs; the built-in resources with their
 * scope (namespace-scoped keys depend on it) and spellings. A change to a
 * table fails here until this golden copy is updated on purpose (the
 * real-kubectl check in test/unit/kubectl-parse.test.ts says whether the
 * change matches kubectl). Behaviour checks derived from the tables follow.
 */
import { describe, expect, test } from "bun:test";
import {
  ALL_CATEGORY,
  BUILTIN_RESOURCES,
  DEFAULT_MAX_VERBOSITY,
  DEFAULT_RESTRICTED_RESOURCES,
  DENIED_SUBCOMMANDS,
  DENIED_VERBS,
  GLOBAL_FLAGS,
  MAX_NAME_LENGTH,
  RULES,
  SAFE_OUTPUTS,
  TEMPLATE_OUTPUTS,
  VERB_GROUPS,
  VERBS,
  parseKubectl,
  resolveResourceType,
  type FlagSpec,
} from "../../lib/kubectl/index.ts";
import { namespaceScopeProblem } from "../../lib/kubectl/scope.ts";

const flag = (f: FlagSpec) => [f.short ? `-${f.short}/` : "", `--${f.name}`, ` ${f.kind}`, f.values ? `(${f.values.join("|")})` : "", f.deny ? ` deny:${f.deny}` : ""].join("");

const VERB_TABLE: Record<string, string[]> = {
  "get": [
    "namespaced=true args=resources outputs=wide,name,json,yaml templates=jsonpath,jsonpath-as-json,custom-columns",
    "-A/--all-namespaces bool",
    "--allow-missing-template-keys bool",
    "--chunk-size int deny:denied-flag",
    "--field-selector string",
    "--ignore-not-found bool",
    "-L/--label-columns list",
    "--no-headers bool",
    "-o/--output output",
    "--output-watch-events bool",
    "-l/--selector string",
    "--server-print bool",
    "--show-kind bool",
    "--show-labels bool",
    "--show-managed-fields bool",
    "--sort-by string",
    "--subresource string(status|scale)",
    "-w/--watch bool",
    "--watch-only bool",
    "--raw string deny:raw-path",
    "-f/--filename list deny:file-input",
    "-k/--kustomize string deny:file-input",
    "-R/--recursive bool deny:denied-flag",
    "--template string deny:output-format",
  ],
  "describe": [
    "namespaced=true args=resources",
    "-A/--all-namespaces bool",
    "--chunk-size int deny:denied-flag",
    "-l/--selector string",
    "--show-events bool",
    "-f/--filename list deny:file-input",
    "-k/--kustomize string deny:file-input",
    "-R/--recursive bool deny:denied-flag",
  ],
  "logs": [
    "namespaced=true args=logs default=pods",
    "--all-containers bool",
    "--all-pods bool",
    "-c/--container dns-label",
    "-f/--follow bool",
    "--ignore-errors bool",
    "--limit-bytes int",
    "--max-log-requests int(1|2|3|4|5)",
    "--pod-running-timeout duration",
    "--prefix bool",
    "-p/--previous bool",
    "-l/--selector string",
    "--since duration",
    "--since-time time",
    "--tail int",
    "--timestamps bool",
    "--insecure-skip-tls-verify-backend bool deny:denied-flag",
  ],
  "top pod": [
    "namespaced=true args=name default=pods",
    "-A/--all-namespaces bool",
    "--containers bool",
    "--field-selector string",
    "--no-headers bool",
    "-l/--selector string",
    "--sort-by string(cpu|memory)",
    "--sum bool",
    "--use-protocol-buffers bool",
  ],
  "top node": [
    "namespaced=false args=name default=nodes",
    "--no-headers bool",
    "-l/--selector string",
    "--show-capacity bool",
    "--sort-by string(cpu|memory)",
    "--use-protocol-buffers bool",
  ],
  // Kubently's own command: answered by the agent's native layer, never handed to kubectl.
  "diagnose": [
    "namespaced=true args=none outputs=json kubently",
    "-A/--all-namespaces bool",
    "-o/--output output",
    "--analyzers list",
  ],
  "events": [
    "namespaced=true args=none outputs=json,yaml,name",
    "-A/--all-namespaces bool",
    "--chunk-size int deny:denied-flag",
    "--for resource-ref",
    "--no-headers bool",
    "-o/--output output",
    "--show-managed-fields bool",
    "--types list",
    "-w/--watch bool",
    "--template string deny:output-format",
    "--allow-missing-template-keys bool deny:denied-flag",
  ],
  "explain": [
    "namespaced=false args=explain outputs=plaintext,plaintext-openapiv2",
    "--api-version string",
    "-o/--output output",
    "--recursive bool",
  ],
  "api-resources": [
    "namespaced=false args=none outputs=wide,name",
    "--api-group string",
    "--cached bool",
    "--categories list",
    "--namespaced bool",
    "--no-headers bool",
    "-o/--output output",
    "--sort-by string(name|kind)",
    "--verbs list",
  ],
  "api-versions": [
    "namespaced=false args=none",
  ],
  "version": [
    "namespaced=false args=none outputs=json,yaml",
    "--client bool",
    "-o/--output output",
  ],
  "cluster-info": [
    "namespaced=false args=none",
  ],
  "auth can-i": [
    "namespaced=true args=can-i",
    "-A/--all-namespaces bool",
    "--list bool",
    "--no-headers bool",
    "-q/--quiet bool",
    "--subresource string",
  ],
  "auth whoami": [
    "namespaced=false args=none outputs=json,yaml",
    "-o/--output output",
    "--show-managed-fields bool",
    "--template string deny:output-format",
    "--allow-missing-template-keys bool deny:denied-flag",
  ],
  "rollout status": [
    "namespaced=true args=resources",
    "--revision int",
    "-l/--selector string",
    "--timeout duration",
    "-w/--watch bool",
    "-f/--filename list deny:file-input",
    "-k/--kustomize string deny:file-input",
    "-R/--recursive bool deny:denied-flag",
  ],
  "rollout history": [
    "namespaced=true args=resources outputs=json,yaml,name",
    "-o/--output output",
    "--revision int",
    "-l/--selector string",
    "--show-managed-fields bool",
    "-f/--filename list deny:file-input",
    "-k/--kustomize string deny:file-input",
    "-R/--recursive bool deny:denied-flag",
    "--template string deny:output-format",
    "--allow-missing-template-keys bool deny:denied-flag",
  ],
};

const GLOBAL_TABLE = [
  "-n/--namespace dns-label",
  "--request-timeout duration",
  "-v/--v verbosity",
  "--as string deny:global-flag",
  "--as-group list deny:global-flag",
  "--as-uid string deny:global-flag",
  "--cache-dir string deny:global-flag",
  "--certificate-authority string deny:global-flag",
  "--client-certificate string deny:global-flag",
  "--client-key string deny:global-flag",
  "--cluster string deny:global-flag",
  "--context string deny:global-flag",
  "--disable-compression bool deny:global-flag",
  "--insecure-skip-tls-verify bool deny:global-flag",
  "--kubeconfig string deny:global-flag",
  "--log-flush-frequency duration deny:global-flag",
  "--match-server-version bool deny:global-flag",
  "--password string deny:global-flag",
  "--profile string deny:global-flag",
  "--profile-output string deny:global-flag",
  "--tls-server-name string deny:global-flag",
  "--token string deny:global-flag",
  "--user string deny:global-flag",
  "--username string deny:global-flag",
  "--vmodule string deny:global-flag",
  "--warnings-as-errors bool deny:global-flag",
  "--log-file string deny:global-flag",
  "--log-dir string deny:global-flag",
  "--log-file-max-size int deny:global-flag",
  "--logtostderr bool deny:global-flag",
  "--alsologtostderr bool deny:global-flag",
  "--one-output bool deny:global-flag",
  "--skip-headers bool deny:global-flag",
  "--skip-log-headers bool deny:global-flag",
  "--stderrthreshold string deny:global-flag",
  "--add-dir-header bool deny:global-flag",
  "--log-backtrace-at string deny:global-flag",
  "-s/--server string deny:global-flag",
];

const GROUP_TABLE = [
  "top: pod pods=pod po=pod node nodes=node no=node; denied ",
  "rollout: status history; denied restart undo pause resume",
  "auth: can-i whoami; denied reconcile",
];

const RESOURCE_TABLE = [
  "bindings binding Binding core namespaced",
  "componentstatuses componentstatus ComponentStatus core cluster cs",
  "configmaps configmap ConfigMap core namespaced cm",
  "endpoints endpoints Endpoints core namespaced ep",
  "events event Event core namespaced ev",
  "limitranges limitrange LimitRange core namespaced limits",
  "namespaces namespace Namespace core cluster ns",
  "nodes node Node core cluster no",
  "persistentvolumeclaims persistentvolumeclaim PersistentVolumeClaim core namespaced pvc",
  "persistentvolumes persistentvolume PersistentVolume core cluster pv",
  "pods pod Pod core namespaced po",
  "podtemplates podtemplate PodTemplate core namespaced",
  "replicationcontrollers replicationcontroller ReplicationController core namespaced rc",
  "resourcequotas resourcequota ResourceQuota core namespaced quota",
  "secrets secret Secret core namespaced",
  "serviceaccounts serviceaccount ServiceAccount core namespaced sa",
  "services service Service core namespaced svc",
  "mutatingwebhookconfigurations mutatingwebhookconfiguration MutatingWebhookConfiguration admissionregistration.k8s.io cluster",
  "validatingwebhookconfigurations validatingwebhookconfiguration ValidatingWebhookConfiguration admissionregistration.k8s.io cluster",
  "validatingadmissionpolicies validatingadmissionpolicy ValidatingAdmissionPolicy admissionregistration.k8s.io cluster",
  "validatingadmissionpolicybindings validatingadmissionpolicybinding ValidatingAdmissionPolicyBinding admissionregistration.k8s.io cluster",
  "customresourcedefinitions customresourcedefinition CustomResourceDefinition apiextensions.k8s.io cluster crd,crds",
  "apiservices apiservice APIService apiregistration.k8s.io cluster",
  "controllerrevisions controllerrevision ControllerRevision apps namespaced",
  "daemonsets daemonset DaemonSet apps namespaced ds",
  "deployments deployment Deployment apps namespaced deploy",
  "replicasets replicaset ReplicaSet apps namespaced rs",
  "statefulsets statefulset StatefulSet apps namespaced sts",
  "selfsubjectreviews selfsubjectreview SelfSubjectReview authentication.k8s.io cluster",
  "tokenreviews tokenreview TokenReview authentication.k8s.io cluster",
  "localsubjectaccessreviews localsubjectaccessreview LocalSubjectAccessReview authorization.k8s.io namespaced",
  "selfsubjectaccessreviews selfsubjectaccessreview SelfSubjectAccessReview authorization.k8s.io cluster",
  "selfsubjectrulesreviews selfsubjectrulesreview SelfSubjectRulesReview authorization.k8s.io cluster",
  "subjectaccessreviews subjectaccessreview SubjectAccessReview authorization.k8s.io cluster",
  "horizontalpodautoscalers horizontalpodautoscaler HorizontalPodAutoscaler autoscaling namespaced hpa",
  "cronjobs cronjob CronJob batch namespaced cj",
  "jobs job Job batch namespaced",
  "certificatesigningrequests certificatesigningrequest CertificateSigningRequest certificates.k8s.io cluster csr",
  "leases lease Lease coordination.k8s.io namespaced",
  "endpointslices endpointslice EndpointSlice discovery.k8s.io namespaced",
  "flowschemas flowschema FlowSchema flowcontrol.apiserver.k8s.io cluster",
  "prioritylevelconfigurations prioritylevelconfiguration PriorityLevelConfiguration flowcontrol.apiserver.k8s.io cluster",
  "ingressclasses ingressclass IngressClass networking.k8s.io cluster",
  "ingresses ingress Ingress networking.k8s.io namespaced ing",
  "networkpolicies networkpolicy NetworkPolicy networking.k8s.io namespaced netpol",
  "runtimeclasses runtimeclass RuntimeClass node.k8s.io cluster",
  "poddisruptionbudgets poddisruptionbudget PodDisruptionBudget policy namespaced pdb",
  "clusterrolebindings clusterrolebinding ClusterRoleBinding rbac.authorization.k8s.io cluster",
  "clusterroles clusterrole ClusterRole rbac.authorization.k8s.io cluster",
  "rolebindings rolebinding RoleBinding rbac.authorization.k8s.io namespaced",
  "roles role Role rbac.authorization.k8s.io namespaced",
  "priorityclasses priorityclass PriorityClass scheduling.k8s.io cluster pc",
  "csidrivers csidriver CSIDriver storage.k8s.io cluster",
  "csinodes csinode CSINode storage.k8s.io cluster",
  "csistoragecapacities csistoragecapacity CSIStorageCapacity storage.k8s.io namespaced",
  "storageclasses storageclass StorageClass storage.k8s.io cluster sc",
  "volumeattachments volumeattachment VolumeAttachment storage.k8s.io cluster",
];

describe("the tables, pinned", () => {
  test("every allowed command path: scope, argument model, outputs, template outputs, flags", () => {
    const actual: Record<string, string[]> = {};
    for (const [key, s] of VERBS) {
      expect(s.path.join(" ")).toBe(key);
      expect(Object.isFrozen(s)).toBe(true);
      actual[key] = [`namespaced=${s.namespaced} args=${s.args}${s.defaultResource ? ` default=${s.defaultResource}` : ""}${s.outputs ? ` outputs=${s.outputs.join(",")}` : ""}${s.templateOutputs ? ` templates=${s.templateOutputs.join(",")}` : ""}${s.kubently ? " kubently" : ""}`, ...s.flags.map(flag)];
    }
    expect(actual).toEqual(VERB_TABLE);
  });

  test("global flags: only namespace, request-timeout and a low -v are not denied", () => {
    expect(GLOBAL_FLAGS.map(flag)).toEqual(GLOBAL_TABLE);
  });

  test("subcommand groups, denied verbs and subcommands, outputs, rules, limits", () => {
    expect([...VERB_GROUPS].map(([v, g]) => `${v}: ${[...g.allowed].map(([a, b]) => (a === b ? a : `${a}=${b}`)).join(" ")}; denied ${g.denied.join(" ")}`)).toEqual(GROUP_TABLE);
    expect([...DENIED_VERBS].sort()).toEqual([
      "__complete", "__completeNoDesc", "alpha", "annotate", "apply", "attach", "autoscale", "certificate", "completion", "config", "cordon", "cp", "create", "debug", "delete", "diff", "drain", "edit", "exec", "expose", "help", "kustomize", "label", "options", "patch", "plugin", "port-forward", "proxy", "replace", "run", "scale", "set", "taint", "uncordon", "wait",
    ]);
    expect([...DENIED_SUBCOMMANDS]).toEqual([["cluster-info", ["dump"]]]);
    expect(SAFE_OUTPUTS).toEqual(["wide", "name", "json", "yaml"]);
    expect(TEMPLATE_OUTPUTS).toEqual(["jsonpath", "jsonpath-as-json", "custom-columns"]);
    expect(DEFAULT_RESTRICTED_RESOURCES).toEqual(["secrets"]);
    expect(Object.isFrozen(DEFAULT_RESTRICTED_RESOURCES)).toBe(true);
    expect(DEFAULT_MAX_VERBOSITY).toBe(4);
    expect(MAX_NAME_LENGTH).toBe(253);
    expect(RULES).toEqual(["invalid-argv", "argument-limits", "non-printable", "missing-verb", "flag-before-verb", "unknown-verb", "denied-verb", "unknown-flag", "denied-flag", "global-flag", "file-input", "raw-path", "output-format", "verbosity", "missing-value", "invalid-value", "unexpected-argument", "invalid-resource", "restricted-resource", "internal-error"]);
  });

  test("built-in resources: plural, singular, kind, group, scope, short names", () => {
    expect(BUILTIN_RESOURCES.map((r) => `${r.plural} ${r.singular} ${r.kind} ${r.group || "core"} ${r.namespaced ? "namespaced" : "cluster"}${r.shortNames.length ? ` ${r.shortNames.join(",")}` : ""}`)).toEqual(RESOURCE_TABLE);
    expect(Object.isFrozen(BUILTIN_RESOURCES)).toBe(true);
    expect(BUILTIN_RESOURCES.every((r) => Object.isFrozen(r))).toBe(true);
    expect(ALL_CATEGORY).toEqual(["pods", "replicationcontrollers", "services", "daemonsets", "deployments", "replicasets", "statefulsets", "horizontalpodautoscalers", "cronjobs", "jobs"]);
    expect(Object.isFrozen(ALL_CATEGORY)).toBe(true);
  });
});

describe("behaviour that follows from the tables", () => {
  test("every spelling of every built-in resource resolves to its plural; core resources win a shared spelling", () => {
    for (const r of BUILTIN_RESOURCES) {
      for (const s of [r.plural, r.singular, r.kind, r.kind.toUpperCase(), ...r.shortNames, `${r.plural}.v1.`, `${r.singular}.${r.group || "v1"}`]) {
        const owner = BUILTIN_RESOURCES.find((o) => [o.plural, o.singular, o.kind.toLowerCase(), ...o.shortNames].includes(s.toLowerCase().split(".")[0]!))!;
        expect({ s, r: resolveResourceType(s) }).toEqual({ s, r: { ok: true, resource: owner.plural, known: true } });
      }
    }
  });

  test("each built-in resource is in or out of a namespace scope as its table row says", () => {
    for (const r of BUILTIN_RESOURCES) {
      const problem = namespaceScopeProblem(["get", r.plural, "-n", "shop"], ["shop"]);
      expect({ r: r.plural, problem }).toEqual({ r: r.plural, problem: r.namespaced ? null : `${r.plural} are cluster-scoped` });
    }
  });

  test("every denied verb is denied as not read-only; every other unknown word as a plugin", () => {
    for (const v of DENIED_VERBS) expect(parseKubectl([v])).toEqual({ ok: false, rule: "denied-verb", reason: `${JSON.stringify(v)} is not a read-only command` });
    expect(parseKubectl(["top", "x"])).toMatchObject({ rule: "unknown-verb" });
  });

  test("every group's subcommands and aliases reach the canonical path; its denied ones are denied", () => {
    for (const [verb, g] of VERB_GROUPS) {
      for (const [alias, canonical] of g.allowed) {
        const r = parseKubectl([verb, alias, ...(verb === "rollout" ? ["deploy/x"] : [])], { restrictedResources: [] });
        expect({ verb, alias, path: r.ok ? r.command.path : r }).toEqual({ verb, alias, path: [verb, canonical] });
      }
      for (const sub of g.denied) expect(parseKubectl([verb, sub])).toEqual({ ok: false, rule: "denied-verb", reason: `${JSON.stringify(`${verb} ${sub}`)} is not read-only` });
    }
  });

  test("every global flag but namespace, request-timeout and v is refused, as a long flag, naming no value", () => {
    for (const g of GLOBAL_FLAGS.filter((f) => f.deny)) {
      expect(parseKubectl(["get", "pods", `--${g.name}=SECRETVALUE`])).toEqual({ ok: false, rule: "global-flag", reason: `flag "--${g.name}" is refused: it selects other credentials, servers or local files` });
    }
    expect(parseKubectl(["get", "pods", "-s", "x"])).toEqual({ ok: false, rule: "global-flag", reason: 'flag "-s" is refused: it selects other credentials, servers or local files' });
  });

  test("every flag a verb accepts parses in every pflag spelling, under its canonical name", () => {
    const sample = (f: FlagSpec, outputs: readonly string[] | undefined): string => {
      if (f.values) return f.values[f.values.length - 1]!;
      return { int: "5", duration: "30s", time: "2024-01-02T03:04:05Z", "dns-label": "kube-system", output: outputs?.[outputs.length - 1] ?? "json", verbosity: "2", "resource-ref": "pod/web", string: "app=web", list: "a", bool: "true" }[f.kind];
    };
    for (const s of VERBS.values()) {
      const prefix = [...s.path, ...(s.path[0] === "rollout" ? ["deploy/web"] : [])];
      const accepted = [...s.flags, ...GLOBAL_FLAGS.filter((g) => !g.deny && (s.namespaced || g.name !== "namespace"))].filter((f) => !f.deny);
      for (const f of accepted) {
        const v = sample(f, s.outputs);
        const expected = f.kind === "bool" ? true : v;
        const spellings = f.kind === "bool"
          ? [[`--${f.name}`], [`--${f.name.replaceAll("-", "_")}=true`], ...(f.short ? [[`-${f.short}`], [`-${f.short}=true`]] : [])]
          : [[`--${f.name}=${v}`], [`--${f.name}`, v], ...(f.short ? [[`-${f.short}`, v], [`-${f.short}${v}`], [`-${f.short}=${v}`]] : [])];
        for (const tokens of spellings) {
          const r = parseKubectl([...prefix, ...tokens], { restrictedResources: [] });
          expect({ tokens, value: r.ok ? r.command.flags.get(f.name) : `${r.rule}: ${r.reason}` }).toEqual({ tokens, value: expected });
        }
        if (f.kind !== "bool") {
          expect(parseKubectl([...prefix, `--${f.name}`])).toEqual({ ok: false, rule: "missing-value", reason: `${JSON.stringify(`--${f.name}`)} needs a value` });
        }
      }
    }
  });

  test("a verb's denied flags are refused with their rule, in long and short form", () => {
    const why: Record<string, string> = { "file-input": "reads local files or URLs", "raw-path": "requests an arbitrary API path", "output-format": "renders templates or reads template files", "denied-flag": "is not read-safe" };
    for (const s of VERBS.values()) {
      for (const f of s.flags.filter((x) => x.deny)) {
        for (const token of [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])]) {
          expect(parseKubectl([...s.path, token, "x"])).toEqual({ ok: false, rule: f.deny!, reason: `flag ${JSON.stringify(token)} is refused: it ${why[f.deny!]}` });
        }
      }
    }
  });
});
