/** `kubectl describe pod`. */
import { ageSince } from "../_age.ts";
import { type J, arr, isSet, obj, objs, str, strMap } from "../_json.ts";
import type { KubeObject } from "../_types.ts";
import type { DescribeContext } from "./_context.ts";
import { renderEvents, searchEvents } from "./_events.ts";
import { int, printControlledBy, printLabelsAndAnnotations, printLabelsMultiline, printNameNamespace, printTolerationsMultiline, rfc1123z } from "./_format.ts";
import { describeContainers, describeResources, describeTopologySpreadConstraints, envResolverFor } from "./_pod-spec.ts";
import { type Quantity, addQuantity, compareQuantity, parseQuantity } from "./_quantity.ts";
import { describeVolumes } from "./_volumes.ts";
import { LEVEL_0, LEVEL_1, tabbed } from "./_writer.ts";

const MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";

/** Fetches the pod's events (by name, namespace and uid; a mirror pod by its config hash) and renders it. */
export async function describePod(pod: KubeObject, ctx: DescribeContext): Promise<string> {
  let events: KubeObject[] | null = null;
  if (ctx.showEvents) {
    const mirror = strMap(pod.metadata.annotations)[MIRROR_POD_ANNOTATION];
    const uid = mirror !== undefined ? mirror : pod.metadata.uid;
    const target = { name: pod.metadata.name, namespace: pod.metadata.namespace ?? "", ...(uid ? { uid } : {}) };
    events = (await searchEvents(ctx.reader, target, ctx.signal)).events;
  }
  return renderPod(pod, events, ctx.now);
}

function qosResources(list: unknown, into: Map<string, Quantity>): Set<string> {
  const names = new Set<string>();
  for (const [name, raw] of Object.entries(obj(list))) {
    if (name !== "cpu" && name !== "memory") continue;
    const q = parseQuantity(raw);
    if (!q || q.mantissa <= 0n) continue;
    names.add(name);
    const prev = into.get(name);
    into.set(name, prev ? addQuantity(q, prev) : q);
  }
  return names;
}

/** kubectl's `qos.GetPodQOS`: `status.qosClass`, computed from the containers when unset. */
export function podQOS(pod: J): string {
  const reported = str(obj(pod.status).qosClass);
  if (reported !== "") return reported;
  const spec = obj(pod.spec);
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  const sources = isSet(spec.resources) ? [obj(spec.resources)] : [...objs(spec.containers), ...objs(spec.initContainers)].map((c) => obj(c.resources));
  for (const r of sources) {
    qosResources(r.requests, requests);
    const limited = qosResources(r.limits, limits);
    if (isSet(spec.resources) && !isSet(r.limits)) continue;
    if (!(limited.has("memory") && limited.has("cpu"))) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return "BestEffort";
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (!lim || compareQuantity(lim, req) !== 0) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? "Guaranteed" : "Burstable";
}

/** `describePod`: a pure function of the pod, its events (null: no Events section) and `now`. */
export function renderPod(pod: KubeObject, events: readonly KubeObject[] | null, now: number): string {
  const p = pod as unknown as J;
  const meta = obj(p.metadata);
  const spec = obj(p.spec);
  const status = obj(p.status);
  return tabbed((w) => {
    printNameNamespace(w, meta);
    if (isSet(spec.priority)) w.write(LEVEL_0, `Priority:\t${int(spec.priority)}\n`);
    if (str(spec.priorityClassName).length > 0) w.write(LEVEL_0, `Priority Class Name:\t${str(spec.priorityClassName)}\n`);
    if (str(spec.runtimeClassName).length > 0) w.write(LEVEL_0, `Runtime Class Name:\t${str(spec.runtimeClassName)}\n`);
    if (str(spec.serviceAccountName).length > 0) w.write(LEVEL_0, `Service Account:\t${str(spec.serviceAccountName)}\n`);
    if (str(spec.nodeName) === "") w.write(LEVEL_0, "Node:\t<none>\n");
    else w.write(LEVEL_0, `Node:\t${str(spec.nodeName)}/${str(status.hostIP)}\n`);
    if (isSet(status.startTime)) w.write(LEVEL_0, `Start Time:\t${rfc1123z(status.startTime)}\n`);
    printLabelsAndAnnotations(w, meta);
    const phase = str(status.phase);
    if (isSet(meta.deletionTimestamp) && phase !== "Failed" && phase !== "Succeeded") {
      w.write(LEVEL_0, `Status:\tTerminating (lasts ${ageSince(meta.deletionTimestamp, now)})\n`);
      w.write(LEVEL_0, `Termination Grace Period:\t${int(meta.deletionGracePeriodSeconds)}s\n`);
    } else {
      w.write(LEVEL_0, `Status:\t${phase}\n`);
    }
    if (str(status.reason).length > 0) w.write(LEVEL_0, `Reason:\t${str(status.reason)}\n`);
    if (str(status.message).length > 0) w.write(LEVEL_0, `Message:\t${str(status.message)}\n`);
    const seccomp = obj(spec.securityContext).seccompProfile;
    if (isSet(seccomp)) {
      w.write(LEVEL_0, `SeccompProfile:\t${str(obj(seccomp).type)}\n`);
      if (str(obj(seccomp).type) === "Localhost") w.write(LEVEL_0, `LocalhostProfile:\t${str(obj(seccomp).localhostProfile)}\n`);
    }
    w.write(LEVEL_0, `IP:\t${str(status.podIP)}\n`);
    const ips = objs(status.podIPs);
    if (ips.length === 0) w.write(LEVEL_0, "IPs:\t<none>\n");
    else {
      w.write(LEVEL_0, "IPs:\n");
      for (const ip of ips) w.write(LEVEL_1, `IP:\t${str(ip.ip)}\n`);
    }
    printControlledBy(w, p);
    if (str(status.nominatedNodeName).length > 0) w.write(LEVEL_0, `NominatedNodeName:\t${str(status.nominatedNodeName)}\n`);
    if (isSet(spec.resources)) {
      w.write(LEVEL_0, "Resources:\n");
      describeResources(w, spec.resources, LEVEL_1);
    }
    const resolver = envResolverFor(p);
    if (arr(spec.initContainers).length > 0) describeContainers(w, "Init Containers", objs(spec.initContainers), objs(status.initContainerStatuses), resolver, "");
    describeContainers(w, "Containers", objs(spec.containers), objs(status.containerStatuses), resolver, "");
    if (arr(spec.ephemeralContainers).length > 0) {
      describeContainers(w, "Ephemeral Containers", objs(spec.ephemeralContainers), objs(status.ephemeralContainerStatuses), resolver, "");
    }
    const conditions = objs(status.conditions);
    const gates = objs(spec.readinessGates);
    if (gates.length > 0) {
      w.write(LEVEL_0, "Readiness Gates:\n  Type\tStatus\n");
      for (const g of gates) {
        const c = conditions.find((x) => str(x.type) === str(g.conditionType));
        w.write(LEVEL_1, `${str(g.conditionType)} \t${c ? str(c.status) : "<none>"} \n`);
      }
    }
    if (conditions.length > 0) {
      w.write(LEVEL_0, "Conditions:\n  Type\tStatus\n");
      for (const c of conditions) w.write(LEVEL_1, `${str(c.type)} \t${str(c.status)} \n`);
    }
    describeVolumes(w, spec.volumes, "");
    w.write(LEVEL_0, `QoS Class:\t${podQOS(p)}\n`);
    printLabelsMultiline(w, "Node-Selectors", spec.nodeSelector);
    printTolerationsMultiline(w, "Tolerations", spec.tolerations);
    describeTopologySpreadConstraints(w, spec.topologySpreadConstraints, "");
    if (events) renderEvents(w, events, now);
  });
}
