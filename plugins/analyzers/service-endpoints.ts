/**
 * The `service-endpoints` analyzer: Services that route to nothing. A Service
 * with a selector sends traffic only to ready pods that match it; when there
 * are none, clients get connection refused or 503s from their ingress while
 * every object looks fine on its own.
 *
 * - `ServiceSelectorNoMatch`: the selector matches no pod in the namespace.
 *   Pods whose labels nearly match (one label off) are named: that is most
 *   often the typo.
 * - `ServiceBackendScaledToZero` (warning): no pod matches because every
 *   workload whose pod template matches is scaled to 0, and a failing pod of
 *   the namespace still points at the Service (its name or ClusterIP in the
 *   pod's env or in the last lines its crashed or unready container logged):
 *   "someone scaled the database to 0" as the root cause of crashes
 *   elsewhere. A scale-down nobody depends on is left alone.
 * - `ServiceNoEndpoints`: pods match, but none is a ready endpoint (read from
 *   EndpointSlices, else the legacy Endpoints, else the pods' Ready
 *   condition), with why each matching pod is not ready.
 *
 * Services without a selector (ExternalName, endpoints managed by hand) and
 * `default/kubernetes` are skipped; so are Services created in the last 2
 * minutes (their pods may still be starting).
 */
import type { KubeObject } from "../../lib/kube/index.ts";
import { type AnalyzeContext, type Finding, type Snapshot, condition, confirm, containerSpec, containerStatuses, count, defineAnalyzer, finding, hintFromProblems, isDone, isYoung, mapSelectorMatches, mapSelectorString, podProblems } from "../../lib/diagnose/index.ts";

/** Near-miss lines kept per finding. */
const MAX_NEAR = 4;

const byName = (a: KubeObject, b: KubeObject) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0);

/** Ready and not-ready endpoint addresses of a Service, from EndpointSlices or else Endpoints; undefined when neither exists. */
function endpointsOf(snapshot: Snapshot, namespace: string, name: string): { source: string; ready: number; notReady: number } | undefined {
  const slices = snapshot.inNamespace("endpointslices", namespace).filter((s) => s.metadata.labels?.["kubernetes.io/service-name"] === name);
  if (slices.length > 0) {
    let ready = 0;
    let notReady = 0;
    for (const s of slices) {
      for (const e of Array.isArray(s.endpoints) ? (s.endpoints as { conditions?: { ready?: boolean } }[]) : []) {
        // A nil ready condition means ready (discovery/v1).
        if (e?.conditions?.ready === false) notReady++;
        else ready++;
      }
    }
    return { source: "EndpointSlices", ready, notReady };
  }
  const ep = snapshot.get("endpoints", namespace, name);
  if (ep) {
    let ready = 0;
    let notReady = 0;
    for (const s of Array.isArray(ep.subsets) ? (ep.subsets as { addresses?: unknown; notReadyAddresses?: unknown }[]) : []) {
      ready += Array.isArray(s?.addresses) ? s.addresses.length : 0;
      notReady += Array.isArray(s?.notReadyAddresses) ? s.notReadyAddresses.length : 0;
    }
    return { source: "Endpoints", ready, notReady };
  }
  return undefined;
}

/** Pods whose labels miss the selector by one entry: `pod web-x has app=web-frontend (selector wants app=web)`, grouped by difference. */
function nearMisses(pods: readonly KubeObject[], selector: Record<string, string>): string[] {
  const want = Object.entries(selector);
  const seen = new Map<string, { line: string; more: number }>();
  for (const pod of pods) {
    const labels = pod.metadata.labels ?? {};
    const off = want.filter(([k, v]) => labels[k] !== v);
    if (off.length !== 1) continue;
    const [k, v] = off[0]!;
    let diff: string;
    if (Object.hasOwn(labels, k)) diff = `has ${k}=${labels[k]}`;
    else if (want.length >= 2) diff = `has no label ${k}`;
    else continue;
    const had = seen.get(diff);
    if (had) had.more++;
    else seen.set(diff, { line: `pod ${pod.metadata.name} ${diff} (selector wants ${k}=${v})`, more: 0 });
  }
  return [...seen.values()].slice(0, MAX_NEAR).map(({ line, more }) => (more ? `${line} (+${more} more pod${more > 1 ? "s" : ""})` : line));
}

/** Deployments and StatefulSets whose pod template the selector matches, with their replicas and pods. */
function templateMatches(snapshot: Snapshot, namespace: string, selector: Record<string, string>) {
  const out: { kind: string; name: string; replicas: number }[] = [];
  for (const [kind, snapshotKind] of [
    ["Deployment", "deployments"],
    ["StatefulSet", "statefulsets"],
  ] as const) {
    for (const w of snapshot.inNamespace(snapshotKind, namespace)) {
      const spec = (w.spec ?? {}) as { replicas?: unknown; template?: { metadata?: { labels?: Record<string, string> } } };
      if (!mapSelectorMatches(selector, spec.template?.metadata?.labels)) continue;
      out.push({ kind, name: w.metadata.name, replicas: spec.replicas === undefined ? 1 : count(spec.replicas) });
    }
  }
  return out;
}

/** Failing pods whose logs are read per scaled-to-0 Service, looking for a reference to it. */
const MAX_DEPENDENT_READS = 3;

/**
 * Evidence that failing pods of the Service's namespace depend on it: a pod
 * whose container env names the Service (as a host: `postgres`,
 * `postgres.shop.svc`, `postgres:5432`) or its ClusterIP, or whose crashed or
 * unready container's last log lines do. Empty when none does.
 */
async function dependents(snapshot: Snapshot, ctx: AnalyzeContext, svc: KubeObject): Promise<string[]> {
  const ns = svc.metadata.namespace ?? "";
  const name = svc.metadata.name;
  const ip = String((svc.spec as { clusterIP?: unknown } | undefined)?.clusterIP ?? "");
  const host = new RegExp(`(?:^|[^\\w.-])${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?:\\.${ns}(?:\\.svc[\\w.]*)?)?(?::\\d+)?(?![\\w.-])`);
  const names = (text: string) => host.test(text) || (ip !== "" && ip !== "None" && text.includes(ip));
  const out: string[] = [];
  let reads = 0;
  for (const pod of [...snapshot.inNamespace("pods", ns)].sort(byName)) {
    if (isDone(pod)) continue;
    for (const c of containerStatuses(pod)) {
      const failing = c.state.waiting?.reason === "CrashLoopBackOff" || (c.state.running !== undefined && !c.ready && c.restartCount > 0);
      if (!failing) continue;
      const env = ((containerSpec(pod, c.name)?.env ?? []) as { name?: string; value?: unknown }[]).find((e) => typeof e.value === "string" && names(e.value));
      if (env) {
        out.push(`pod ${pod.metadata.name} (${c.state.waiting?.reason ?? "not ready"}) points at it: env ${env.name}=${String(env.value)}`);
        break;
      }
      if (reads >= MAX_DEPENDENT_READS) continue;
      reads++;
      const line = (await ctx.logTail({ namespace: ns, pod: pod.metadata.name, container: c.name, previous: c.restartCount > 0, tail: 20 })).reverse().find(names);
      if (line) {
        out.push(`pod ${pod.metadata.name} (${c.state.waiting?.reason ?? "not ready"}) fails to reach it: log: ${line.trim()}`);
        break;
      }
    }
    if (out.length >= 3) break;
  }
  return out;
}

export const serviceEndpoints = defineAnalyzer({
  id: "service-endpoints",
  description: "Services whose selector matches no pod, or whose pods are none ready",
  codes: { ServiceNoEndpoints: "critical", ServiceSelectorNoMatch: "critical", ServiceBackendScaledToZero: "warning" },
  kinds: ["services", "endpoints", "endpointslices", "pods", "events", "deployments", "statefulsets"],
  async analyze(snapshot, ctx) {
    const findings: Finding[] = [];
    for (const svc of snapshot.list("services")) {
      const ns = svc.metadata.namespace ?? "";
      const name = svc.metadata.name;
      if (ns === "default" && name === "kubernetes") continue;
      const spec = (svc.spec ?? {}) as { type?: unknown; selector?: unknown };
      if (spec.type === "ExternalName") continue;
      const selectorText = mapSelectorString(spec.selector);
      if (!selectorText) continue;
      if (isYoung(svc, ctx.now)) continue;
      const selector = Object.fromEntries(Object.entries(spec.selector as Record<string, unknown>).filter(([, v]) => typeof v === "string")) as Record<string, string>;
      const pods = [...snapshot.inNamespace("pods", ns)].sort(byName);
      const matching = pods.filter((p) => mapSelectorMatches(selector, p.metadata.labels));
      const confirms = [
        confirm.describe("service", name, ns),
        ["get", "endpointslices", "-n", ns, "-l", `kubernetes.io/service-name=${name}`],
        ["get", "pods", "-n", ns, "-l", selectorText],
      ];

      if (matching.length === 0) {
        const workloads = templateMatches(snapshot, ns, selector);
        if (workloads.length > 0 && workloads.every((w) => w.replicas === 0)) {
          const clients = await dependents(snapshot, ctx, svc);
          if (clients.length === 0) continue;
          const names = workloads.map((w) => `${w.kind} ${w.name}`).join(", ");
          findings.push(
            finding("service-endpoints", {
              code: "ServiceBackendScaledToZero",
              severity: "warning",
              kind: "Service",
              namespace: ns,
              name,
              title: `Service ${name} has no endpoints: ${names} ${workloads.length > 1 ? "are" : "is"} scaled to 0`,
              evidence: [`selector: ${selectorText}`, ...workloads.map((w) => `${w.kind} ${w.name}: spec.replicas 0 (its pod template matches the selector)`), ...clients],
              confirm: [confirm.describe("service", name, ns), ...workloads.map((w) => confirm.get(w.kind.toLowerCase(), w.name, ns))],
              hint: `Pods that depend on ${name} fail while it has no endpoints: scale ${workloads[0]!.kind} ${workloads[0]!.name} back up, or point its clients elsewhere if it was retired.`,
            }),
          );
          continue;
        }
        const live = pods.filter((p) => !isDone(p));
        const near = nearMisses(live, selector);
        const starved = workloads.filter((w) => w.replicas > 0);
        findings.push(
          finding("service-endpoints", {
            code: "ServiceSelectorNoMatch",
            severity: "critical",
            kind: "Service",
            namespace: ns,
            name,
            title: `Service ${name} selects no pods (${selectorText})`,
            evidence: [
              `selector: ${selectorText}`,
              pods.length === 0 ? `no pods in namespace ${ns}` : `none of the ${pods.length} pods in namespace ${ns} matches`,
              ...near,
              ...starved.map((w) => `${w.kind} ${w.name} has a matching pod template and wants ${w.replicas} replicas, but none of its pods exists`),
            ],
            confirm: [...confirms, ["get", "pods", "-n", ns, "--show-labels"]],
            hint: starved.length
              ? `The selector is right but ${starved[0]!.kind} ${starved[0]!.name} has no pods: find why it cannot create or keep them (its ReplicaSet's events, quota, admission).`
              : near.length
                ? "The selector and the pods' labels differ by one label: fix the Service's spec.selector or the labels in the workload's pod template so they agree."
                : "No pod carries these labels: compare the Service's selector with the pod template's labels, and check that the workload runs in this namespace.",
          }),
        );
        continue;
      }

      const eps = endpointsOf(snapshot, ns, name);
      const ready = eps ? eps.ready : matching.filter((p) => condition(p, "Ready")?.status === "True").length;
      if (ready > 0) continue;
      const problems = podProblems(snapshot, matching);
      const listed = new Set(problems.flatMap((p) => p.pods));
      // Pods with no recognised problem still say where they are.
      const rest = matching
        .filter((p) => !listed.has(p.metadata.name))
        .slice(0, 3)
        .map((p) => {
          const r = condition(p, "Ready");
          const phase = String((p.status as { phase?: string } | undefined)?.phase ?? "Unknown");
          return `pod ${p.metadata.name}: ${phase}${r ? `, Ready=${r.status}${r.reason ? ` (${r.reason})` : ""}` : ""}`;
        });
      findings.push(
        finding("service-endpoints", {
          code: "ServiceNoEndpoints",
          severity: "critical",
          kind: "Service",
          namespace: ns,
          name,
          title: `Service ${name} has no ready endpoints: ${matching.length} matching pod${matching.length > 1 ? "s" : ""}, none ready`,
          evidence: [
            `selector: ${selectorText}`,
            eps ? `${eps.source}: 0 ready, ${eps.notReady} not ready addresses` : "no EndpointSlices or Endpoints found for it; pods read instead",
            ...problems.map((p) => p.line),
            ...rest,
          ],
          confirm: confirms,
          hint: hintFromProblems(problems, "The matching pods are not ready: see their conditions and events (readiness probe, startup)."),
        }),
      );
    }
    return findings;
  },
});

export default serviceEndpoints;
