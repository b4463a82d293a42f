/**
 * The pod-spec sections several describers share: containers (state, probes,
 * environment, mounts), topology spread constraints and the pod template
 * block of workload controllers (volumes are in _volumes.ts).
 */
import { goQuote, joinHostPort } from "../_go-strings.ts";
import { compareCodePoints, goSort, sortedStrings } from "../_gosort.ts";
import { type J, arr, isSet, obj, objs, str } from "../_json.ts";
import { formatLabelSelector } from "../_labels.ts";
import { bool, goValue, int, intOrString, orNone, printAnnotationsMultiline, printLabelsMultiline, printTolerationsMultiline, rfc1123z } from "./_format.ts";
import { canonicalQuantity, compareQuantity, parseQuantity, quantityMilliValue, quantityValue, zeroQuantity } from "./_quantity.ts";
import { describeVolumes } from "./_volumes.ts";
import { LEVEL_0, LEVEL_1, LEVEL_2, LEVEL_3, type PrefixWriter } from "./_writer.ts";

/** Resolves an env var's `fieldRef` to a value (kubectl's `EnvValueRetriever`); null in templates. */
export type EnvResolver = ((env: J) => string) | null;

/**
 * kubectl resolves `fieldRef` through client-go's scheme, which has no Pod
 * field-label conversions: only `metadata.name` and `metadata.namespace`
 * resolve, every other path prints an empty value (`NODE_NAME:  (v1:spec.nodeName)`).
 */
export function envResolverFor(pod: J): EnvResolver {
  const meta = obj(pod.metadata);
  return (env) => {
    const path = str(obj(obj(env.valueFrom).fieldRef).fieldPath);
    if (path === "metadata.name") return str(meta.name);
    if (path === "metadata.namespace") return str(meta.namespace);
    return "";
  };
}

/** `describeResources`: limits and requests, names sorted, quantities canonical. */
export function describeResources(w: PrefixWriter, resources: unknown, level: number): void {
  if (!isSet(resources)) return;
  const r = obj(resources);
  const limits = obj(r.limits);
  const requests = obj(r.requests);
  if (Object.keys(limits).length > 0) w.write(level, "Limits:\n");
  for (const name of sortedStrings(Object.keys(limits))) w.write(level + 1, `${name}:\t${canonicalQuantity(limits[name])}\n`);
  if (Object.keys(requests).length > 0) w.write(level, "Requests:\n");
  for (const name of sortedStrings(Object.keys(requests))) w.write(level + 1, `${name}:\t${canonicalQuantity(requests[name])}\n`);
}

function describePorts(ports: J[], field: "containerPort" | "hostPort"): string {
  return ports.map((p) => `${int(p[field])}/${str(p.protocol)}`).join(", ");
}

const UNRESERVED = /[A-Za-z0-9\-_.~$&+,/:;=@]/;
const HOST_OK = /[A-Za-z0-9\-_.~!$&'()*+,;=:[\]<>"]/;

function escapeUrl(s: string, ok: RegExp): string {
  let out = "";
  for (const b of new TextEncoder().encode(s)) {
    const ch = String.fromCharCode(b);
    out += b < 0x80 && ok.test(ch) ? ch : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Go's `url.URL{Scheme, Host, Path}.String()`. */
function goUrl(scheme: string, host: string, path: string): string {
  let out = "";
  if (scheme) out += `${scheme}:`;
  if (scheme || host) {
    if (host || path) out += "//";
    if (host) out += escapeUrl(host, HOST_OK);
  }
  const escapedPath = path === "*" ? "*" : escapeUrl(path, UNRESERVED);
  if (escapedPath && !escapedPath.startsWith("/") && host) out += "/";
  if (out.length === 0) {
    const segment = escapedPath.split("/")[0] ?? "";
    if (segment.includes(":")) out += "./";
  }
  return out + escapedPath;
}

/** `DescribeProbe`. */
export function describeProbe(probe: J): string {
  const attrs = `delay=${int(probe.initialDelaySeconds)}s timeout=${int(probe.timeoutSeconds)}s period=${int(probe.periodSeconds)}s #success=${int(probe.successThreshold)} #failure=${int(probe.failureThreshold)}`;
  if (isSet(probe.exec)) return `exec ${goValue(arr(obj(probe.exec).command).map(str))} ${attrs}`;
  if (isSet(probe.httpGet)) {
    const h = obj(probe.httpGet);
    const port = intOrString(h.port, "0");
    const host = port.length > 0 ? joinHostPort(str(h.host), port) : str(h.host);
    return `http-get ${goUrl(str(h.scheme).toLowerCase(), host, str(h.path))} ${attrs}`;
  }
  if (isSet(probe.tcpSocket)) {
    const t = obj(probe.tcpSocket);
    return `tcp-socket ${str(t.host)}:${intOrString(t.port, "0")} ${attrs}`;
  }
  if (isSet(probe.grpc)) {
    const g = obj(probe.grpc);
    return `grpc <pod>:${int(g.port)} ${str(g.service)} ${attrs}`;
  }
  return `unknown ${attrs}`;
}

function describeStatus(w: PrefixWriter, stateName: string, state: J): void {
  if (isSet(state.running)) {
    w.write(LEVEL_2, `${stateName}:\tRunning\n`);
    w.write(LEVEL_3, `Started:\t${rfc1123z(obj(state.running).startedAt)}\n`);
  } else if (isSet(state.waiting)) {
    w.write(LEVEL_2, `${stateName}:\tWaiting\n`);
    const reason = str(obj(state.waiting).reason);
    if (reason !== "") w.write(LEVEL_3, `Reason:\t${reason}\n`);
  } else if (isSet(state.terminated)) {
    const t = obj(state.terminated);
    w.write(LEVEL_2, `${stateName}:\tTerminated\n`);
    if (str(t.reason) !== "") w.write(LEVEL_3, `Reason:\t${str(t.reason)}\n`);
    if (str(t.message) !== "") w.write(LEVEL_3, `Message:\t${str(t.message)}\n`);
    w.write(LEVEL_3, `Exit Code:\t${int(t.exitCode)}\n`);
    if (typeof t.signal === "number" && t.signal > 0) w.write(LEVEL_3, `Signal:\t${int(t.signal)}\n`);
    w.write(LEVEL_3, `Started:\t${rfc1123z(t.startedAt)}\n`);
    w.write(LEVEL_3, `Finished:\t${rfc1123z(t.finishedAt)}\n`);
  } else {
    w.write(LEVEL_2, `${stateName}:\tWaiting\n`);
  }
}

/** `ExtractContainerResourceValue` for a `resourceFieldRef`; null when the resource is not supported. */
function containerResourceValue(ref: J, container: J): string | null {
  const zero = zeroQuantity();
  let divisor = parseQuantity(ref.divisor) ?? zero;
  if (compareQuantity(zero, divisor) === 0) divisor = parseQuantity("1") ?? zero;
  const resources = obj(container.resources);
  const pick = (list: string, name: string) => parseQuantity(obj(resources[list])[name]) ?? zero;
  const ceil = (a: bigint, b: bigint) => String(Math.ceil(Number(a) / Number(b)));
  const resource = str(ref.resource);
  const [list = "", name = ""] = resource.split(/\.(.*)/s);
  if ((list === "limits" || list === "requests") && name === "cpu") return ceil(quantityMilliValue(pick(list, name)), quantityMilliValue(divisor));
  if ((list === "limits" || list === "requests") && (name === "memory" || name === "ephemeral-storage" || name.startsWith("hugepages-"))) {
    return ceil(quantityValue(pick(list, name)), quantityValue(divisor));
  }
  return null;
}

function describeEnvVars(w: PrefixWriter, container: J, resolver: EnvResolver): void {
  const env = objs(container.env);
  w.write(LEVEL_2, `Environment:${env.length === 0 ? "\t<none>" : ""}\n`);
  for (const e of env) {
    const name = str(e.name);
    if (!isSet(e.valueFrom)) {
      str(e.value)
        .split("\n")
        .forEach((s, i) => w.write(LEVEL_3, i === 0 ? `${name}:\t${s}\n` : `\t${s}\n`));
      continue;
    }
    const from = obj(e.valueFrom);
    if (isSet(from.fieldRef)) {
      const ref = obj(from.fieldRef);
      const value = resolver ? resolver(e) : "";
      w.write(LEVEL_3, `${name}:\t${value} (${str(ref.apiVersion)}:${str(ref.fieldPath)})\n`);
    } else if (isSet(from.resourceFieldRef)) {
      const ref = obj(from.resourceFieldRef);
      const resource = str(ref.resource);
      let value = containerResourceValue(ref, container) ?? "";
      if (value === "0" && (resource === "limits.cpu" || resource === "limits.memory")) value = "node allocatable";
      w.write(LEVEL_3, `${name}:\t${value} (${resource})\n`);
    } else if (isSet(from.secretKeyRef)) {
      const ref = obj(from.secretKeyRef);
      w.write(LEVEL_3, `${name}:\t<set to the key '${str(ref.key)}' in secret '${str(ref.name)}'>\tOptional: ${bool(ref.optional)}\n`);
    } else if (isSet(from.configMapKeyRef)) {
      const ref = obj(from.configMapKeyRef);
      w.write(LEVEL_3, `${name}:\t<set to the key '${str(ref.key)}' of config map '${str(ref.name)}'>\tOptional: ${bool(ref.optional)}\n`);
    }
  }
}

function describeEnvFrom(w: PrefixWriter, container: J): void {
  const list = objs(container.envFrom);
  w.write(LEVEL_2, `Environment Variables from:${list.length === 0 ? "\t<none>" : ""}\n`);
  for (const e of list) {
    let from = "";
    let name = "";
    let optional = false;
    if (isSet(e.configMapRef)) {
      from = "ConfigMap";
      name = str(obj(e.configMapRef).name);
      optional = obj(e.configMapRef).optional === true;
    } else if (isSet(e.secretRef)) {
      from = "Secret";
      name = str(obj(e.secretRef).name);
      optional = obj(e.secretRef).optional === true;
    }
    const prefix = str(e.prefix);
    if (prefix.length === 0) w.write(LEVEL_3, `${name}\t${from}\tOptional: ${optional}\n`);
    else w.write(LEVEL_3, `${name}\t${from} with prefix '${prefix}'\tOptional: ${optional}\n`);
  }
}

function describeMounts(w: PrefixWriter, container: J): void {
  const mounts = objs(container.volumeMounts);
  const none = mounts.length === 0 ? "\t<none>" : "";
  w.write(LEVEL_2, `Mounts:${none}\n`);
  goSort(mounts, (a, b) => compareCodePoints(str(a.mountPath), str(b.mountPath)) < 0);
  for (const m of mounts) {
    const flags = [m.readOnly === true ? "ro" : "rw"];
    if (str(m.subPath).length > 0) flags.push(`path=${goQuote(str(m.subPath))}`);
    w.write(LEVEL_3, `${str(m.mountPath)} from ${str(m.name)} (${flags.join(",")})\n`);
  }
  const devices = objs(container.volumeDevices);
  if (devices.length > 0) {
    w.write(LEVEL_2, `Devices:${none}\n`);
    goSort(devices, (a, b) => compareCodePoints(str(a.devicePath), str(b.devicePath)) < 0);
    for (const d of devices) w.write(LEVEL_3, `${str(d.devicePath)} from ${str(d.name)}\n`);
  }
}

/** `describeContainers`: one block per container; `statuses` null for templates. */
export function describeContainers(w: PrefixWriter, label: string, containers: J[], statuses: J[] | null, resolver: EnvResolver, space: string): void {
  const byName = new Map<string, J>();
  for (const s of statuses ?? []) byName.set(str(s.name), s);
  w.write(LEVEL_0, `${space}${label}:${containers.length === 0 ? " <none>" : ""}\n`);
  const nameIndent = space.length > 0 ? " " : "";
  for (const c of containers) {
    const status = byName.get(str(c.name));
    w.write(LEVEL_1, `${nameIndent}${str(c.name)}:\n`);
    if (status) w.write(LEVEL_2, `Container ID:\t${str(status.containerID)}\n`);
    w.write(LEVEL_2, `Image:\t${str(c.image)}\n`);
    if (status) w.write(LEVEL_2, `Image ID:\t${str(status.imageID)}\n`);
    const ports = objs(c.ports);
    const portString = describePorts(ports, "containerPort");
    if (portString.includes(",")) w.write(LEVEL_2, `Ports:\t${portString}\n`);
    else w.write(LEVEL_2, `Port:\t${orNone(portString)}\n`);
    const hostPortString = describePorts(ports, "hostPort");
    if (hostPortString.includes(",")) w.write(LEVEL_2, `Host Ports:\t${hostPortString}\n`);
    else w.write(LEVEL_2, `Host Port:\t${orNone(hostPortString)}\n`);
    const seccomp = obj(obj(c.securityContext).seccompProfile);
    if (isSet(obj(c.securityContext).seccompProfile)) {
      w.write(LEVEL_2, `SeccompProfile:\t${str(seccomp.type)}\n`);
      if (str(seccomp.type) === "Localhost") w.write(LEVEL_3, `LocalhostProfile:\t${str(seccomp.localhostProfile)}\n`);
    }
    const command = arr(c.command).map(str);
    if (command.length > 0) {
      w.write(LEVEL_2, "Command:\n");
      for (const part of command) for (const s of part.split("\n")) w.write(LEVEL_3, `${s}\n`);
    }
    const args = arr(c.args).map(str);
    if (args.length > 0) {
      w.write(LEVEL_2, "Args:\n");
      for (const part of args) for (const s of part.split("\n")) w.write(LEVEL_3, `${s}\n`);
    }
    if (status) {
      describeStatus(w, "State", obj(status.state));
      if (isSet(obj(status.lastState).terminated)) describeStatus(w, "Last State", obj(status.lastState));
      w.write(LEVEL_2, `Ready:\t${status.ready === true ? "True" : "False"}\n`);
      w.write(LEVEL_2, `Restart Count:\t${int(status.restartCount)}\n`);
    }
    describeResources(w, c.resources ?? {}, LEVEL_2);
    if (isSet(c.livenessProbe)) w.write(LEVEL_2, `Liveness:\t${describeProbe(obj(c.livenessProbe))}\n`);
    if (isSet(c.readinessProbe)) w.write(LEVEL_2, `Readiness:\t${describeProbe(obj(c.readinessProbe))}\n`);
    if (isSet(c.startupProbe)) w.write(LEVEL_2, `Startup:\t${describeProbe(obj(c.startupProbe))}\n`);
    if (arr(c.envFrom).length > 0) describeEnvFrom(w, c);
    describeEnvVars(w, c, resolver);
    describeMounts(w, c);
  }
}

/** `describeTopologySpreadConstraints`. */
export function describeTopologySpreadConstraints(w: PrefixWriter, constraints: unknown, space: string): void {
  const list = objs(constraints);
  if (list.length === 0) return;
  goSort(list, (a, b) => compareCodePoints(str(a.topologyKey), str(b.topologyKey)) < 0);
  w.write(LEVEL_0, `${space}Topology Spread Constraints:\t`);
  list.forEach((t, i) => {
    if (i !== 0) {
      w.write(LEVEL_0, space);
      w.write(LEVEL_0, "\t");
    }
    let s = `${str(t.topologyKey)}:${str(t.whenUnsatisfiable)} when max skew ${int(t.maxSkew)} is exceeded`;
    if (isSet(t.labelSelector)) s += ` for selector ${formatLabelSelector(t.labelSelector)}`;
    w.write(LEVEL_0, `${s}\n`);
  });
}

/** `DescribePodTemplate`. */
export function describePodTemplate(w: PrefixWriter, template: unknown): void {
  w.write(LEVEL_0, "Pod Template:\n");
  if (!isSet(template)) {
    w.write(LEVEL_1, "<unset>");
    return;
  }
  const t = obj(template);
  const meta = obj(t.metadata);
  const spec = obj(t.spec);
  printLabelsMultiline(w, "  Labels", meta.labels);
  if (Object.keys(obj(meta.annotations)).length > 0) printAnnotationsMultiline(w, "  Annotations", meta.annotations);
  if (str(spec.serviceAccountName).length > 0) w.write(LEVEL_1, `Service Account:\t${str(spec.serviceAccountName)}\n`);
  if (arr(spec.initContainers).length > 0) describeContainers(w, "Init Containers", objs(spec.initContainers), null, null, "  ");
  describeContainers(w, "Containers", objs(spec.containers), null, null, "  ");
  describeVolumes(w, spec.volumes, "  ");
  describeTopologySpreadConstraints(w, spec.topologySpreadConstraints, "  ");
  if (str(spec.priorityClassName).length > 0) w.write(LEVEL_1, `Priority Class Name:\t${str(spec.priorityClassName)}\n`);
  printLabelsMultiline(w, "  Node-Selectors", spec.nodeSelector);
  printTolerationsMultiline(w, "  Tolerations", spec.tolerations);
}
