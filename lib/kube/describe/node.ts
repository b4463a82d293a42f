/** `kubectl describe node`. */
import { ageSince } from "../_age.ts";
import { sortedStrings } from "../_gosort.ts";
import { type J, arr, isSet, obj, objs, str, strMap } from "../_json.ts";
import type { KubeObject } from "../_types.ts";
import { type DescribeContext, readOptions } from "./_context.ts";
import { errorText } from "./_controller.ts";
import { isForbidden } from "./_errors.ts";
import { renderEvents, searchEvents } from "./_events.ts";
import { bool, partsOf, printLabelsAndAnnotations, printTaintsMultiline, rfc1123z } from "./_format.ts";
import { type Quantity, addQuantity, compareQuantity, formatQuantity, parseQuantity, quantityMilliValue, quantityValue, zeroQuantity } from "./_quantity.ts";
import { LEVEL_0, LEVEL_1, type PrefixWriter, tabbed } from "./_writer.ts";

/** What `kubectl describe node` reads besides the node. */
export interface NodeRelated {
  /** Non-terminated pods on the node, or null when listing pods was forbidden. */
  pods: readonly KubeObject[] | null;
  events: readonly KubeObject[] | null;
  /** The node's Lease in `kube-node-lease`, or the error text kubectl prints instead. */
  lease: KubeObject | { error: string };
}

/**
 * Lists the node's non-terminated pods in every namespace (403 prints
 * `not authorized`, other errors fail), its events under both the node's uid
 * and its name (kubelets use the name), and its Lease.
 */
export async function describeNode(node: KubeObject, ctx: DescribeContext): Promise<string> {
  const name = node.metadata.name;
  let pods: KubeObject[] | null;
  try {
    pods = await ctx.reader.list(
      { group: "", resource: "pods" },
      { fieldSelector: `spec.nodeName=${name},status.phase!=Succeeded,status.phase!=Failed`, ...readOptions(ctx) },
    );
  } catch (err) {
    if (ctx.signal?.aborted || !isForbidden(err)) throw err;
    pods = null;
  }
  const searches = ctx.showEvents
    ? Promise.all([
        searchEvents(ctx.reader, { name, namespace: "", kind: "Node", ...(node.metadata.uid ? { uid: node.metadata.uid } : {}) }, ctx.signal),
        searchEvents(ctx.reader, { name, namespace: "", kind: "Node", uid: name }, ctx.signal),
      ])
    : null;
  const leaseRead = ctx.reader.get({ group: "coordination.k8s.io", resource: "leases" }, name, "kube-node-lease", ctx.signal).then(
    (found): KubeObject | { error: string } => found ?? { error: `leases.coordination.k8s.io "${name}" not found` },
    (err: unknown) => {
      if (ctx.signal?.aborted) throw err;
      return { error: errorText(err) };
    },
  );
  const [found, lease] = await Promise.all([searches, leaseRead]);
  // kubectl appends the events found by name after those found by uid.
  const events = found ? [...found[0].events, ...found[1].events] : null;
  return renderNode(node, { pods, events, lease }, ctx.now);
}

type ResourceList = Map<string, Quantity>;

function resourceList(v: unknown): ResourceList {
  const out: ResourceList = new Map();
  for (const [k, raw] of Object.entries(obj(v))) {
    const q = parseQuantity(raw);
    if (q) out.set(k, q);
  }
  return out;
}

function addResourceList(list: ResourceList, add: ResourceList): void {
  for (const [name, q] of add) {
    const prev = list.get(name);
    list.set(name, prev ? addQuantity(prev, q) : q);
  }
}

function maxResourceList(list: ResourceList, other: ResourceList): void {
  for (const [name, q] of other) {
    const prev = list.get(name);
    if (!prev || compareQuantity(q, prev) > 0) list.set(name, q);
  }
}

function maxOf(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map();
  for (const [k, v] of a) {
    const other = b.get(k);
    out.set(k, other && compareQuantity(v, other) <= 0 ? other : v);
  }
  for (const [k, v] of b) if (!out.has(k)) out.set(k, v);
  return out;
}

/** kubectl's `resourcehelper.PodRequestsAndLimits`: containers summed, init containers and sidecars maxed in, overhead added. */
export function podRequestsAndLimits(pod: J): { requests: ResourceList; limits: ResourceList } {
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  const statuses = new Map(objs(status.containerStatuses).map((s) => [str(s.name), s]));
  const requests: ResourceList = new Map();
  for (const c of objs(spec.containers)) {
    let reqs = resourceList(obj(c.resources).requests);
    const cs = statuses.get(str(c.name));
    if (cs && isSet(cs.resources)) {
      const actual = resourceList(obj(cs.resources).requests);
      reqs = str(status.resize) === "Infeasible" ? actual : maxOf(reqs, actual);
    }
    addResourceList(requests, reqs);
  }
  const limits: ResourceList = new Map();
  for (const c of objs(spec.containers)) addResourceList(limits, resourceList(obj(c.resources).limits));

  for (const [field, total] of [["requests", requests], ["limits", limits]] as const) {
    const restartable: ResourceList = new Map();
    const init: ResourceList = new Map();
    for (const c of objs(spec.initContainers)) {
      let own = resourceList(obj(c.resources)[field]);
      if (str(c.restartPolicy) === "Always") {
        addResourceList(total, own);
        addResourceList(restartable, own);
        own = restartable;
      } else {
        const tmp: ResourceList = new Map();
        addResourceList(tmp, own);
        addResourceList(tmp, restartable);
        own = tmp;
      }
      maxResourceList(init, own);
    }
    maxResourceList(total, init);
  }
  if (isSet(spec.overhead)) {
    const overhead = resourceList(spec.overhead);
    addResourceList(requests, overhead);
    for (const [name, q] of overhead) {
      const lim = limits.get(name);
      if (lim && lim.mantissa !== 0n) limits.set(name, addQuantity(lim, q));
    }
  }
  return { requests, limits };
}

/** Go's `int64(float64)` on amd64: NaN and out-of-range values become the minimum int64. */
function goInt64(x: number): string {
  if (!Number.isFinite(x) || x >= 2 ** 63 || x < -(2 ** 63)) return "-9223372036854775808";
  return String(Math.trunc(x));
}

function fraction(part: bigint, whole: bigint): string {
  return goInt64((Number(part) / Number(whole)) * 100);
}

const q0 = (list: ResourceList, name: string): Quantity => list.get(name) ?? zeroQuantity("");

function isHugePages(name: string): boolean {
  return name.startsWith("hugepages-");
}

function isStandardContainerResource(name: string): boolean {
  return name === "cpu" || name === "memory" || name === "ephemeral-storage" || isHugePages(name);
}

/** `describeNodeResource`: the pods table and the allocated-resources summary. */
export function describeNodeResource(w: PrefixWriter, pods: readonly KubeObject[], node: J, now: number): void {
  w.write(LEVEL_0, `Non-terminated Pods:\t(${pods.length} in total)\n`);
  w.write(LEVEL_1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n");
  w.write(LEVEL_1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n");
  const status = obj(node.status);
  const allocatable = resourceList(Object.keys(obj(status.allocatable)).length > 0 ? status.allocatable : status.capacity);
  const allocCpu = quantityMilliValue(q0(allocatable, "cpu"));
  const allocMem = quantityValue(q0(allocatable, "memory"));
  const totalReq: ResourceList = new Map();
  const totalLim: ResourceList = new Map();
  for (const pod of pods) {
    const p = pod as unknown as J;
    const { requests, limits } = podRequestsAndLimits(p);
    addResourceList(totalReq, requests);
    addResourceList(totalLim, limits);
    const cpuReq = q0(requests, "cpu");
    const cpuLim = q0(limits, "cpu");
    const memReq = q0(requests, "memory");
    const memLim = q0(limits, "memory");
    w.write(
      LEVEL_1,
      `${pod.metadata.namespace ?? ""}\t${pod.metadata.name}\t\t${formatQuantity(cpuReq)} (${fraction(quantityMilliValue(cpuReq), allocCpu)}%)\t${formatQuantity(cpuLim)} (${fraction(quantityMilliValue(cpuLim), allocCpu)}%)\t` +
        `${formatQuantity(memReq)} (${fraction(quantityValue(memReq), allocMem)}%)\t${formatQuantity(memLim)} (${fraction(quantityValue(memLim), allocMem)}%)\t${ageSince(pod.metadata.creationTimestamp, now)}\n`,
    );
  }
  w.write(LEVEL_0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n");
  w.write(LEVEL_1, "Resource\tRequests\tLimits\n");
  w.write(LEVEL_1, "--------\t--------\t------\n");
  const row = (name: string, value: (q: Quantity) => bigint, whole: bigint) => {
    const req = q0(totalReq, name);
    const lim = q0(totalLim, name);
    const fr = whole !== 0n ? fraction(value(req), whole) : "0";
    const fl = whole !== 0n ? fraction(value(lim), whole) : "0";
    w.write(LEVEL_1, `${name}\t${formatQuantity(req)} (${fr}%)\t${formatQuantity(lim)} (${fl}%)\n`);
  };
  row("cpu", quantityMilliValue, allocCpu);
  row("memory", quantityValue, allocMem);
  row("ephemeral-storage", quantityValue, quantityValue(q0(allocatable, "ephemeral-storage")));
  const names = [...allocatable.keys()];
  for (const name of sortedStrings(names.filter(isHugePages))) row(name, quantityValue, quantityValue(q0(allocatable, name)));
  for (const name of sortedStrings(names.filter((n) => !isStandardContainerResource(n) && n !== "pods"))) {
    w.write(LEVEL_1, `${name}\t${formatQuantity(q0(totalReq, name))}\t${formatQuantity(q0(totalLim, name))}\n`);
  }
}

/** `findNodeRoles`: `node-role.kubernetes.io/<role>` labels and `kubernetes.io/role`, sorted. */
export function nodeRoles(labels: unknown): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(strMap(labels))) {
    if (k.startsWith("node-role.kubernetes.io/")) {
      const role = k.slice("node-role.kubernetes.io/".length);
      if (role.length > 0) roles.add(role);
    } else if (k === "kubernetes.io/role" && v !== "") roles.add(v);
  }
  return sortedStrings(roles);
}

/** `describeNode`. */
export function renderNode(node: KubeObject, related: NodeRelated, now: number): string {
  const { o, meta, spec, status } = partsOf(node);
  return tabbed((w) => {
    w.write(LEVEL_0, `Name:\t${str(meta.name)}\n`);
    const roles = nodeRoles(meta.labels);
    w.write(LEVEL_0, `Roles:\t${roles.length > 0 ? roles.join(",") : "<none>"}\n`);
    printLabelsAndAnnotations(w, meta);
    w.write(LEVEL_0, `CreationTimestamp:\t${rfc1123z(meta.creationTimestamp)}\n`);
    printTaintsMultiline(w, "Taints", spec.taints);
    w.write(LEVEL_0, `Unschedulable:\t${bool(spec.unschedulable)}\n`);
    if ("error" in related.lease) {
      w.write(LEVEL_0, `Lease:\tFailed to get lease: ${related.lease.error}\n`);
    } else {
      const ls = obj((related.lease as unknown as J).spec);
      w.write(LEVEL_0, "Lease:\n");
      w.write(LEVEL_1, `HolderIdentity:\t${isSet(ls.holderIdentity) ? str(ls.holderIdentity) : "<unset>"}\n`);
      w.write(LEVEL_1, `AcquireTime:\t${isSet(ls.acquireTime) ? rfc1123z(ls.acquireTime) : "<unset>"}\n`);
      w.write(LEVEL_1, `RenewTime:\t${isSet(ls.renewTime) ? rfc1123z(ls.renewTime) : "<unset>"}\n`);
    }
    const conditions = objs(status.conditions);
    if (conditions.length > 0) {
      w.write(LEVEL_0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n");
      w.write(LEVEL_1, "----\t------\t-----------------\t------------------\t------\t-------\n");
      for (const c of conditions) {
        w.write(LEVEL_1, `${str(c.type)} \t${str(c.status)} \t${rfc1123z(c.lastHeartbeatTime)} \t${rfc1123z(c.lastTransitionTime)} \t${str(c.reason)} \t${str(c.message)}\n`);
      }
    }
    w.write(LEVEL_0, "Addresses:\n");
    for (const a of objs(status.addresses)) w.write(LEVEL_1, `${str(a.type)}:\t${str(a.address)}\n`);
    const printResources = (v: unknown) => {
      const m = obj(v);
      for (const name of sortedStrings(Object.keys(m))) w.write(LEVEL_0, `  ${name}:\t${formatQuantity(parseQuantity(m[name]))}\n`);
    };
    if (Object.keys(obj(status.capacity)).length > 0) {
      w.write(LEVEL_0, "Capacity:\n");
      printResources(status.capacity);
    }
    if (Object.keys(obj(status.allocatable)).length > 0) {
      w.write(LEVEL_0, "Allocatable:\n");
      printResources(status.allocatable);
    }
    const info = obj(status.nodeInfo);
    w.write(LEVEL_0, "System Info:\n");
    w.write(LEVEL_0, `  Machine ID:\t${str(info.machineID)}\n`);
    w.write(LEVEL_0, `  System UUID:\t${str(info.systemUUID)}\n`);
    w.write(LEVEL_0, `  Boot ID:\t${str(info.bootID)}\n`);
    w.write(LEVEL_0, `  Kernel Version:\t${str(info.kernelVersion)}\n`);
    w.write(LEVEL_0, `  OS Image:\t${str(info.osImage)}\n`);
    w.write(LEVEL_0, `  Operating System:\t${str(info.operatingSystem)}\n`);
    w.write(LEVEL_0, `  Architecture:\t${str(info.architecture)}\n`);
    w.write(LEVEL_0, `  Container Runtime Version:\t${str(info.containerRuntimeVersion)}\n`);
    w.write(LEVEL_0, `  Kubelet Version:\t${str(info.kubeletVersion)}\n`);
    w.write(LEVEL_0, `  Kube-Proxy Version:\t${str(info.kubeProxyVersion)}\n`);
    if (str(spec.podCIDR).length > 0) w.write(LEVEL_0, `PodCIDR:\t${str(spec.podCIDR)}\n`);
    const cidrs = arr(spec.podCIDRs).map(str);
    if (cidrs.length > 0) w.write(LEVEL_0, `PodCIDRs:\t${cidrs.join(",")}\n`);
    if (str(spec.providerID).length > 0) w.write(LEVEL_0, `ProviderID:\t${str(spec.providerID)}\n`);
    if (related.pods) describeNodeResource(w, related.pods, o, now);
    else w.write(LEVEL_0, "Pods:\tnot authorized\n");
    if (related.events) renderEvents(w, related.events, now);
  });
}
