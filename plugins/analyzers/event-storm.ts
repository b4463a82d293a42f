/**
 * The `event-storm` analyzer: bursts of Warning events. Their volume is the
 * finding: a controller or kubelet retrying in a hot loop loads the API
 * server and etcd and buries the events that explain other faults.
 *
 * - `WarningEventStorm` (warning), per object (involvedObject): at least
 *   {@link OBJECT_THRESHOLD} Warning occurrences in the last
 *   {@link WINDOW_MS} (10 minutes) before the snapshot's clock, less than half
 *   of them with a reason another analyzer already explains
 *   ({@link OWNED_REASONS}: crash loops, probes, image pulls, scheduling,
 *   workload creation, autoscaling, volume provisioning). `FailedMount`, `DNSConfigForming`,
 *   `FailedToUpdateEndpoint`, `NodeNotReady`, `Evicted`... spam is reported.
 * - `WarningEventStorm` per namespace (resource `Namespace`, detail
 *   `namespace`): at least {@link NAMESPACE_THRESHOLD} Warning occurrences in
 *   the window over all its objects, whatever the reasons.
 *
 * Occurrences: an event counts `count` (or `series.count`), at least 1, when
 * it last happened in the window. A repeated event whose first occurrence is
 * older than the window counts its share of the window, assuming an even rate
 * (`count` x window / (last - first), rounded up): an event seen 300 times
 * over two days is persistent, not a storm.
 *
 * Evidence: the occurrences in the window, the top reasons with counts
 * (`FailedMount x45, ...`), the busiest objects (namespace-wide) and the
 * newest event lines.
 */
import type { KubeObject } from "../../lib/kube/index.ts";
import { confirm, defineAnalyzer, eventLine, eventTime, finding, type Finding } from "../../lib/diagnose/index.ts";

const ID = "event-storm";

/** The window counted back from the snapshot's clock. */
export const WINDOW_MS = 10 * 60_000;
/** Warning occurrences in the window that make one object's events a storm. */
export const OBJECT_THRESHOLD = 20;
/** Warning occurrences in the window that make a namespace's events a storm. */
export const NAMESPACE_THRESHOLD = 100;
/**
 * Reasons other analyzers explain (crash-loop, probes, image-pull,
 * pending-pod, replicaset-create, hpa, pvc-pending): an object storm made at
 * least half of them is left to those analyzers.
 */
export const OWNED_REASONS: ReadonlySet<string> = new Set([
  "BackOff", "Unhealthy", "Failed", "InspectFailed", "ErrImageNeverPull", "FailedScheduling", "FailedCreate",
  "FailedGetScale", "FailedGetResourceMetric", "FailedGetExternalMetric", "FailedGetPodsMetric", "FailedGetObjectMetric", "FailedComputeMetricsReplicas",
  "ProvisioningFailed", "FailedBinding",
]);

const time = (v: unknown): number | undefined => {
  const ms = typeof v === "string" ? Date.parse(v) : Number.NaN;
  return Number.isFinite(ms) ? ms : undefined;
};

/** When an event last happened: a series' last observation comes before `eventTime` (its first). */
const lastTime = (e: KubeObject): number => time(e.lastTimestamp) ?? time((e.series as { lastObservedTime?: unknown } | undefined)?.lastObservedTime) ?? eventTime(e);

/** Occurrences of an event within the window ending at `now` (0 when it last happened before it). */
function occurrences(e: KubeObject, now: number): number {
  const last = lastTime(e);
  if (!last || last < now - WINDOW_MS || last > now + WINDOW_MS) return 0;
  const series = e.series as { count?: unknown } | undefined;
  const raw = typeof e.count === "number" ? e.count : typeof series?.count === "number" ? series.count : 1;
  const count = Math.max(1, Math.floor(raw));
  const first = time(e.firstTimestamp) ?? time(e.eventTime) ?? time(e.metadata.creationTimestamp);
  if (count === 1 || first === undefined || first >= now - WINDOW_MS || last <= first) return count;
  return Math.max(1, Math.min(count, Math.ceil((count * WINDOW_MS) / (last - first))));
}

interface Tally {
  total: number;
  reasons: Map<string, number>;
  events: KubeObject[];
}

const add = (t: Tally, e: KubeObject, n: number) => {
  t.total += n;
  const reason = String(e.reason ?? "") || "<none>";
  t.reasons.set(reason, (t.reasons.get(reason) ?? 0) + n);
  t.events.push(e);
};

const newTally = (): Tally => ({ total: 0, reasons: new Map(), events: [] });

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Reasons by occurrences, most first (ties by name). */
const topReasons = (t: Tally) => [...t.reasons].sort(([ra, a], [rb, b]) => b - a || cmp(ra, rb));

const reasonsLine = (t: Tally) =>
  `top reasons: ${topReasons(t)
    .slice(0, 5)
    .map(([r, n]) => `${r} x${n}`)
    .join(", ")}`;

export const eventStorm = defineAnalyzer({
  id: ID,
  description: "Objects and namespaces flooded with Warning events in the last 10 minutes",
  codes: { WarningEventStorm: "warning" },
  kinds: ["events"],
  analyze(snapshot, ctx) {
    const out: Finding[] = [];
    const objects = new Map<string, { kind: string; namespace: string | null; name: string; tally: Tally }>();
    const namespaces = new Map<string, { tally: Tally; objects: Map<string, number> }>();
    // Events come newest first, so each tally's events do too.
    for (const e of snapshot.list("events")) {
      if (e.type !== "Warning") continue;
      const n = occurrences(e, ctx.now);
      if (n === 0) continue;
      const o = (e.involvedObject ?? e.regarding ?? {}) as { kind?: string; namespace?: string; name?: string };
      const kind = String(o.kind ?? "");
      const name = String(o.name ?? "");
      if (!kind || !name) continue;
      const namespace = o.namespace || (kind === "Node" ? null : e.metadata.namespace || null);
      const key = `${kind}|${namespace ?? ""}|${name}`;
      let obj = objects.get(key);
      if (!obj) objects.set(key, (obj = { kind, namespace, name, tally: newTally() }));
      add(obj.tally, e, n);
      if (namespace) {
        let ns = namespaces.get(namespace);
        if (!ns) namespaces.set(namespace, (ns = { tally: newTally(), objects: new Map() }));
        add(ns.tally, e, n);
        const label = `${kind}/${name}`;
        ns.objects.set(label, (ns.objects.get(label) ?? 0) + n);
      }
    }

    for (const { kind, namespace, name, tally } of objects.values()) {
      if (tally.total < OBJECT_THRESHOLD) continue;
      const reasons = topReasons(tally);
      const owned = reasons.filter(([r]) => OWNED_REASONS.has(r)).reduce((n, [, c]) => n + c, 0);
      if (owned * 2 >= tally.total) continue;
      const dominant = reasons[0]![0];
      out.push(
        finding(ID, {
          code: "WarningEventStorm",
          severity: "warning",
          kind,
          namespace,
          name,
          title: `${kind} ${name}: ${tally.total} Warning events in the last 10m (mostly ${dominant})`,
          evidence: [`${tally.total} Warning occurrences in the last 10m`, reasonsLine(tally), ...tally.events.slice(0, 4).map((e) => eventLine(e, ctx.now))],
          confirm: [confirm.events(kind, name, namespace)],
          hint: `Something retries ${dominant} on ${kind} ${name} in a tight loop: the newest event's message names what fails; fixing it stops the flood (which also loads the API server and crowds out other events).`,
        }),
      );
    }

    for (const [namespace, { tally, objects: busiest }] of namespaces) {
      if (tally.total < NAMESPACE_THRESHOLD) continue;
      const top = [...busiest].sort(([a, x], [b, y]) => y - x || cmp(a, b)).slice(0, 3);
      out.push(
        finding(ID, {
          code: "WarningEventStorm",
          severity: "warning",
          kind: "Namespace",
          namespace,
          name: namespace,
          detail: "namespace",
          title: `Namespace ${namespace}: ${tally.total} Warning events in the last 10m`,
          evidence: [
            `${tally.total} Warning occurrences in the last 10m over ${busiest.size} object${busiest.size === 1 ? "" : "s"}`,
            reasonsLine(tally),
            `busiest objects: ${top.map(([o, n]) => `${o} x${n}`).join(", ")}`,
            ...tally.events.slice(0, 3).map((e) => eventLine(e, ctx.now)),
          ],
          confirm: [["events", "-n", namespace, "--types", "Warning"]],
          hint: "Start with the busiest objects and the top reasons: one failing dependency often makes many objects retry at once.",
        }),
      );
    }
    return out;
  },
});

export default eventStorm;
