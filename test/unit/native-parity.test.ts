/**
 * Output parity: every argv runs through the real kubectl and through the
 * native executor against the same simulated cluster, and stdout must be
 * byte-identical, with the same exit status (and kubectl's error text).
 * Where exact parity is impossible the case says why (`compare`).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { nativeExecutor } from "../../lib/agent/native.ts";
import type { CoveringExecutor } from "../../lib/agent/native.ts";
import { type SimCluster, startSimCluster } from "../../lib/sim/index.ts";
import { type KubectlHome, type KubectlRun as Run, kubectlHome, requireKubectl, runKubectl } from "../_kubectl.ts";
import { TEMPLATE_CASES } from "../_template-cases.ts";

const KUBECTL = requireKubectl("native-parity.test");

let sim: SimCluster;
let kc: KubectlHome;
let native: CoveringExecutor;
/** Pod names by namespace/app, read from the cluster so cases name real pods. */
const pods: Record<string, string> = {};

const kubectl = (argv: readonly string[]) => runKubectl(argv, kc);

async function nativeRun(argv: readonly string[]): Promise<Run> {
  const out = await native.run(argv, { timeoutMs: 10_000 });
  return { code: out.exitCode, stdout: out.stdout, stderr: out.stderr };
}

beforeAll(async () => {
  sim = await startSimCluster();
  kc = await kubectlHome(sim, "kubently-parity-");
  native = nativeExecutor({ kubeconfig: kc.kubeconfig });
  if (!KUBECTL) return;
  const list = await kubectl(["get", "pods", "-A", "-o", "jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{\"\\n\"}{end}"]);
  for (const line of list.stdout.trim().split("\n")) {
    const [ns, name] = line.split("/") as [string, string];
    const app = name.replace(/-[a-z0-9]{5}$/, "").replace(/-[a-z0-9]{8,10}$/, "");
    pods[`${ns}/${app}`] ??= name;
    pods[`${ns}/*`] ??= name;
  }
});

afterAll(async () => {
  await sim?.close();
  await kc?.remove();
});

/** How a case compares: exact stdout, or with a named, explained normalization. */
type Compare = "exact" | { normalize: (s: string) => string; why: string };

/** kubectl's sequential log requests come from a Go map: their order is random. */
const sortedLines: Compare = { normalize: (s: string) => s.split("\n").sort().join("\n"), why: "kubectl iterates a Go map of log requests, so the order of pods/containers is random" };

/**
 * `version`'s client part differs by design: native reports the kubectl release it mirrors
 * (print/version.ts), kubectl its own build. The server part must match.
 */
const serverVersionOnly: Compare = {
  normalize: (s: string) => {
    try {
      const { clientVersion: _c, ...rest } = JSON.parse(s) as Record<string, unknown>;
      return JSON.stringify(rest);
    } catch {
      return s.replace(/^Client Version: .*\n/m, "");
    }
  },
  why: "the native executor is not kubectl: it reports the kubectl release it mirrors as its client version",
};

interface Case {
  argv: () => string[];
  /** The argv as written, pod names by their key (they are read from the cluster when the suite starts). */
  label: string;
  compare?: Compare;
}

type Arg = string | (() => string);
const pod = (key: string) => Object.assign(() => pods[key] ?? `missing-${key}`, { label: `<${key}>` });
const c = (...argv: Arg[]): Case => ({
  argv: () => argv.map((a) => (typeof a === "function" ? a() : a)),
  label: argv.map((a) => (typeof a === "function" ? ((a as { label?: string }).label ?? "<pod>") : a)).join(" "),
});
const unordered = (...argv: Arg[]): Case => ({ ...c(...argv), compare: sortedLines });

const GET_CASES: Case[] = [
  c("get", "pods"),
  c("get", "pods", "-A"),
  c("get", "pods", "-n", "shop"),
  c("get", "pods", "-n", "payments"),
  c("get", "pods", "-n", "kube-system"),
  c("get", "pods", "-A", "-o", "wide"),
  c("get", "po", "-n", "shop", "-o", "wide"),
  c("get", "pods", "-n", "shop", "--show-labels"),
  c("get", "pods", "-A", "--no-headers"),
  c("get", "pods", "-A", "--no-headers", "-o", "wide"),
  c("get", "pods", "-n", "shop", "-l", "app=web"),
  c("get", "pods", "-A", "-l", "app in (web,checkout)"),
  c("get", "pods", "-A", "-l", "app!=web"),
  c("get", "pods", "-A", "--field-selector", "status.phase=Running"),
  c("get", "pods", "-A", "--field-selector=status.phase!=Running"),
  c("get", "pods", "-n", "shop", "-L", "app"),
  c("get", "pods", "-n", "shop", "-L", "app,pod-template-hash", "--show-labels"),
  c("get", "Pod", "-n", "shop"),
  c("get", "pods.v1.", "-n", "shop"),
  c("get", "deploy", "-A"),
  c("get", "deployments.apps", "-n", "shop"),
  c("get", "deployment.v1.apps", "-n", "shop", "-o", "wide"),
  c("get", "rs", "-A"),
  c("get", "rs", "-A", "-o", "wide"),
  c("get", "sts", "-A"),
  c("get", "sts", "-A", "-o", "wide"),
  c("get", "ds", "-A"),
  c("get", "ds", "-A", "-o", "wide"),
  c("get", "svc", "-A"),
  c("get", "svc", "-n", "shop", "-o", "wide"),
  c("get", "ep", "-A"),
  c("get", "endpointslices", "-A"),
  c("get", "cm", "-A"),
  c("get", "ns"),
  c("get", "namespaces", "--show-labels"),
  c("get", "nodes"),
  c("get", "nodes", "-o", "wide"),
  c("get", "no", "--show-labels"),
  c("get", "leases", "-A"),
  c("get", "sa", "-A"),
  c("get", "all", "-n", "shop"),
  c("get", "all", "-A"),
  c("get", "all", "-n", "payments", "-o", "wide"),
  c("get", "pods,svc", "-n", "shop"),
  c("get", "deploy,rs", "-n", "payments"),
  c("get", "deploy,rs", "-A", "--no-headers"),
  c("get", "deploy/web", "-n", "shop"),
  c("get", "deploy/web", "svc/web", "-n", "shop"),
  c("get", "pod", pod("shop/web"), "-n", "shop"),
  c("get", "pod", pod("shop/web"), pod("shop/checkout"), "-n", "shop"),
  c("get", "pod", pod("shop/web"), "-n", "shop", "-o", "wide"),
  c("get", "pod", "nope", "-n", "shop"),
  c("get", "pods", "nope", pod("shop/web"), "-n", "shop"),
  c("get", "foo"),
  c("get", "pods", "-n", "empty"),
  c("get", "nodes", "-l", "nosuch=x"),
  c("get", "pods", "nope", "--ignore-not-found"),
  c("get", "deploy", "-n", "shop", "--show-kind"),
  c("get", "jobs", "-A"),
  c("get", "cronjobs", "-n", "shop"),
  c("get", "pods", "-A", "-o", "name"),
  c("get", "deploy", "-n", "shop", "-o", "name"),
  c("get", "all", "-n", "shop", "-o", "name"),
  c("get", "nodes", "-o", "name"),
  c("get", "pod", pod("shop/web"), "-n", "shop", "-o", "json"),
  c("get", "pod", pod("shop/checkout"), "-n", "shop", "-o", "yaml"),
  c("get", "pods", "-n", "shop", "-o", "yaml"),
  c("get", "deploy", "web", "-n", "shop", "-o", "yaml"),
  c("get", "svc", "-A", "-o", "json"),
  c("get", "nodes", "-o", "yaml"),
  c("get", "ns", "-o", "json"),
  c("get", "pod", "nope", "-n", "shop", "-o", "yaml"),
  c("get", "cm", "-n", "shop", "-o", "yaml"),
  c("get", "pods,svc", "-n", "shop", "-o", "json"),
  c("get", "rs", "-n", "payments", "-o", "json"),
  c("get", "pods", "-n", "empty", "-o", "json"),
];

const LOGS_CASES: Case[] = [
  c("logs", pod("shop/web"), "-n", "shop"),
  c("logs", pod("shop/web"), "-n", "shop", "--tail=5"),
  c("logs", pod("shop/web"), "-n", "shop", "--tail", "3", "--timestamps"),
  c("logs", pod("shop/checkout"), "-n", "shop"),
  c("logs", pod("shop/checkout"), "-n", "shop", "--previous"),
  c("logs", pod("shop/checkout"), "-n", "shop", "-p", "--tail=2"),
  c("logs", pod("shop/recommendations"), "-n", "shop", "--previous"),
  c("logs", pod("shop/web"), "-n", "shop", "--limit-bytes=100"),
  c("logs", pod("shop/web"), "-n", "shop", "--since=1h"),
  c("logs", "deploy/web", "-n", "shop", "--tail=4"),
  c("logs", "deployment/checkout", "-n", "shop", "--tail=4"),
  c("logs", "pod/" + "x", "-n", "shop"),
  c("logs", "nope", "-n", "shop"),
  c("logs", pod("kube-system/*"), "-n", "kube-system", "--tail=3"),
  unordered("logs", "-l", "app=web", "-n", "shop"),
  unordered("logs", "-l", "app=web", "-n", "shop", "--prefix", "--tail=2"),
  c("logs", "-l", "app=nothing", "-n", "shop"),
  c("logs", pod("shop/web"), "-n", "shop", "-c", "nginx", "--tail=2"),
  c("logs", pod("shop/web"), "-n", "shop", "-c", "nope"),
  unordered("logs", pod("shop/web"), "-n", "shop", "--all-containers", "--tail=2"),
];

const DESCRIBE_CASES: Case[] = [
  c("describe", "pod", pod("shop/web"), "-n", "shop"),
  c("describe", "pod", pod("shop/checkout"), "-n", "shop"),
  c("describe", "pod", pod("shop/recommendations"), "-n", "shop"),
  c("describe", "pods", "-n", "payments"),
  c("describe", "pods", "-n", "shop", "-l", "app=web"),
  c("describe", "pod", "web", "-n", "shop"),
  c("describe", "pod", "nope", "-n", "shop"),
  c("describe", "deploy", "-n", "shop"),
  c("describe", "deployment/payments-api", "-n", "payments"),
  c("describe", "rs", "-n", "payments"),
  c("describe", "svc", "web", "-n", "shop"),
  c("describe", "nodes"),
  c("describe", "node", "--show-events=false"),
  c("describe", "cm", "-n", "kube-system"),
  c("describe", "ns", "shop"),
  c("describe", "sts", "-A"),
  c("describe", "ds", "-n", "kube-system"),
  c("describe", "endpoints", "-n", "shop"),
  c("describe", "pods,svc", "-n", "shop"),
  c("describe", "pods", "-n", "empty"),
];

const INFO_CASES: Case[] = [
  c("events", "-n", "shop"),
  c("events", "-A"),
  c("events", "-n", "payments", "--types=Warning"),
  c("events", "-A", "--types", "Normal", "--no-headers"),
  c("events", "-n", "shop", "--for", Object.assign(() => `pod/${pods["shop/checkout"]}`, { label: "pod/<shop/checkout>" })),
  c("events", "-n", "shop", "-o", "yaml"),
  c("events", "-n", "empty"),
  c("events", "-n", "shop", "--types=Bogus"),
  { ...c("version"), compare: serverVersionOnly },
  { ...c("version", "-o", "json"), compare: serverVersionOnly },
  { ...c("version", "--client"), compare: serverVersionOnly },
  c("api-versions"),
  c("api-resources"),
  c("api-resources", "-o", "wide"),
  c("api-resources", "--namespaced=false"),
  c("api-resources", "--api-group=apps", "-o", "name"),
  c("api-resources", "--verbs=list", "--sort-by=kind", "--no-headers"),
  c("auth", "can-i", "get", "pods"),
  c("auth", "can-i", "delete", "pods", "-n", "shop"),
  c("auth", "can-i", "list", "deployments.apps", "-A"),
  c("auth", "can-i", "get", "/healthz"),
  c("auth", "can-i", "--list", "-n", "shop"),
  c("auth", "can-i", "get", "foos"),
  c("auth", "whoami"),
  c("auth", "whoami", "-o", "json"),
  c("auth", "whoami", "-o", "yaml"),
  c("top", "pod", "-n", "shop"),
  c("top", "pod", "-A"),
  c("top", "pods", "-n", "shop", "--containers"),
  c("top", "pod", "-A", "--sort-by=memory", "--sum"),
  c("top", "pod", pod("shop/web"), "-n", "shop"),
  c("top", "node"),
  c("top", "node", "--sort-by=cpu", "--show-capacity"),
  c("top", "node", "--no-headers"),
];

// -o jsonpath=, jsonpath-as-json=, custom-columns= and --sort-by, evaluated by Kubently on redacted objects.
const TEMPLATE_PARITY: Case[] = TEMPLATE_CASES.map((argv) => c(...argv));

describe.skipIf(!KUBECTL)("native output equals kubectl's", () => {
  for (const [group, cases] of [["get", GET_CASES], ["logs", LOGS_CASES], ["describe", DESCRIBE_CASES], ["info", INFO_CASES], ["templates", TEMPLATE_PARITY]] as const) {
    for (const kase of cases) {
      const label = `${group}: ${kase.label}`;
      test(label, async () => {
        const argv = kase.argv();
        // Ages can tick between the two runs: retry once on a mismatch.
        for (let attempt = 0; ; attempt++) {
          const [want, got] = await Promise.all([kubectl(argv), nativeRun(argv)]);
          const norm = kase.compare && kase.compare !== "exact" ? kase.compare.normalize : (s: string) => s;
          const same = norm(got.stdout) === norm(want.stdout) && got.code === want.code && got.stderr.trim() === want.stderr.trim();
          if (same || attempt >= 1) {
            expect({ stdout: norm(got.stdout), code: got.code, stderr: got.stderr.trim() }).toEqual({ stdout: norm(want.stdout), code: want.code, stderr: want.stderr.trim() });
            return;
          }
        }
      });
    }
  }
});
