/**
 * The built-in analyzers, one file each, in the order they run. Each is
 * also importable alone (`kubently/plugins/analyzers`), and a plugin author's
 * analyzer is written the same way (docs/diagnostics.md).
 */
import type { Analyzer } from "../../lib/diagnose/index.ts";
import { containerConfig } from "./container-config.ts";
import { crashLoop } from "./crash-loop.ts";
import { cronjob } from "./cronjob.ts";
import { eventStorm } from "./event-storm.ts";
import { hpa } from "./hpa.ts";
import { imagePull } from "./image-pull.ts";
import { ingressBackend } from "./ingress-backend.ts";
import { jobFailed } from "./job-failed.ts";
import { networkPolicy } from "./network-policy.ts";
import { nodeHealth } from "./node-health.ts";
import { oomKilled } from "./oom-killed.ts";
import { pendingPod } from "./pending-pod.ts";
import { probes } from "./probes.ts";
import { pvcPending } from "./pvc-pending.ts";
import { replicasetCreate } from "./replicaset-create.ts";
import { serviceEndpoints } from "./service-endpoints.ts";
import { workloads } from "./workloads.ts";

export { containerConfig, crashLoop, cronjob, eventStorm, hpa, imagePull, ingressBackend, jobFailed, networkPolicy, nodeHealth, oomKilled, pendingPod, probes, pvcPending, replicasetCreate, serviceEndpoints, workloads };

/** Every built-in analyzer: pods first, then workloads, networking, storage, nodes, and the event volume. */
export const BUILTIN_ANALYZERS: readonly Analyzer[] = [
  crashLoop,
  imagePull,
  oomKilled,
  containerConfig,
  pendingPod,
  probes,
  workloads,
  replicasetCreate,
  jobFailed,
  cronjob,
  hpa,
  serviceEndpoints,
  ingressBackend,
  networkPolicy,
  pvcPending,
  nodeHealth,
  eventStorm,
];
