/**
 * Demo churn: what the kubelet keeps doing to a crash-looping pod. Each tick
 * the container "ran and crashed again": its restartCount goes up by one, its
 * last termination moves to now, and the pod's BackOff Event counts one more
 * occurrence. Watches see MODIFIED events for the pod and the Event.
 */
import { rfc3339 } from "./_k8s.ts";
import type { KubeObject } from "./_k8s.ts";
import { findResourceType } from "./discovery.ts";
import type { Store } from "./store.ts";

interface ContainerStatus {
  restartCount: number;
  state?: { waiting?: { reason?: string } };
  lastState?: { terminated?: Record<string, unknown> };
}

/** How long the crashing container ran before exiting, in the updated last state. */
const RUN_SECONDS = 9;

/** Applies one round of churn at `now` to every pod in CrashLoopBackOff. */
export function churnCrashLoops(store: Store, now = Date.now()): void {
  const pods = findResourceType("", "v1", "pods");
  const events = findResourceType("", "v1", "events");
  if (!pods || !events) return;
  for (const pod of store.list(pods, null)) {
    const statuses = ((pod.status as { containerStatuses?: ContainerStatus[] } | undefined)?.containerStatuses ?? []);
    if (!statuses.some((s) => s.state?.waiting?.reason === "CrashLoopBackOff")) continue;
    const next = structuredClone(pod) as KubeObject;
    for (const s of (next.status as { containerStatuses: ContainerStatus[] }).containerStatuses) {
      if (s.state?.waiting?.reason !== "CrashLoopBackOff") continue;
      s.restartCount += 1;
      s.lastState = { terminated: { ...(s.lastState?.terminated ?? { exitCode: 1, reason: "Error" }), startedAt: rfc3339(now - RUN_SECONDS * 1000), finishedAt: rfc3339(now) } };
    }
    store.replace(pods, next);
    const ns = pod.metadata.namespace ?? null;
    for (const e of store.list(events, ns)) {
      const ev = e as KubeObject & { reason?: string; count?: number; involvedObject?: { uid?: string } };
      if (ev.reason !== "BackOff" || ev.involvedObject?.uid !== pod.metadata.uid) continue;
      store.replace(events, { ...ev, count: (ev.count ?? 1) + 1, lastTimestamp: rfc3339(now) });
    }
  }
}
