/**
 * The pod-spec sections several describers share: containers (state, probes,
 * environment, mounts), volumes, topology spread constraints and the pod
 * template block of workload controllers.
 */
import {
  type J,
  arr,
  bool,
  byteLength,
  byteSlice,
  formatLabelSelector,
  goValue,
  int,
  intOrString,
  isSet,
  obj,
  objs,
  orNone,
  printAnnotationsMultiline,
  printLabelsMultiline,
  printTolerationsMultiline,
  rfc1123z,
  str,
  strMap,
} from "./_format.ts";
import { goCompare, goSort, sortedStrings } from "./_gosort.ts";
import { canonicalQuantity, compareQuantity, parseQuantity, quantityMilliValue, quantityValue, zeroQuantity } from "./_quantity.ts";
import { LEVEL_0, LEVEL_1, LEVEL_2, LEVEL_3, type PrefixWriter, nestedWriter } from "./_writer.ts";

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

/** Go's `%q` (`strconv.Quote`). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (c === 7) out += "\\a";
    else if (c === 8) out += "\\b";
    else if (c === 12) out += "\\f";
    else if (c === 10) out += "\\n";
    else if (c === 13) out += "\\r";
    else if (c === 9) out += "\\t";
    else if (c === 11) out += "\\v";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else if (c === 0xfffd && ch !== "\ufffd") out += "\\ufffd";
    else if (!/[\p{L}\p{M}\p{N}\p{P}\p{S}\u0020]/u.test(ch)) out += c > 0xffff ? `\\U${c.toString(16).padStart(8, "0")}` : `\\u${c.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
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

function netJoinHostPort(host: string, port: string): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
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
    const host = port.length > 0 ? netJoinHostPort(str(h.host), port) : str(h.host);
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
  goSort(mounts, (a, b) => goCompare(str(a.mountPath), str(b.mountPath)) < 0);
  for (const m of mounts) {
    const flags = [m.readOnly === true ? "ro" : "rw"];
    if (str(m.subPath).length > 0) flags.push(`path=${goQuote(str(m.subPath))}`);
    w.write(LEVEL_3, `${str(m.mountPath)} from ${str(m.name)} (${flags.join(",")})\n`);
  }
  const devices = objs(container.volumeDevices);
  if (devices.length > 0) {
    w.write(LEVEL_2, `Devices:${none}\n`);
    goSort(devices, (a, b) => goCompare(str(a.devicePath), str(b.devicePath)) < 0);
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
  goSort(list, (a, b) => goCompare(str(a.topologyKey), str(b.topologyKey)) < 0);
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

/** Go's `%v` of a `*LocalObjectReference` (its generated `String()`), `nil` when unset. */
function localRef(v: unknown): string {
  return isSet(v) ? `&LocalObjectReference{Name:${str(obj(v).name)},}` : "nil";
}

/** Go's `%v` of a `*bool`: `<nil>` when unset. kubectl prints a pointer address otherwise; the value is the closest stable rendering. */
function boolPtr(v: unknown): string {
  return isSet(v) ? bool(v) : "<nil>";
}

function stringList(v: unknown): string {
  return goValue(arr(v).map(str));
}

/** `GetPersistentVolumeClaimClass`: the beta annotation wins over `spec.storageClassName`. */
export function claimClass(pvc: J): string {
  const ann = strMap(obj(pvc.metadata).annotations);
  if ("volume.beta.kubernetes.io/storage-class" in ann) return ann["volume.beta.kubernetes.io/storage-class"] ?? "";
  return str(obj(pvc.spec).storageClassName);
}

/** `GetAccessModesAsString`. */
export function accessModes(modes: unknown): string {
  const set = new Set(arr(modes).map(str));
  const out: string[] = [];
  if (set.has("ReadWriteOnce")) out.push("RWO");
  if (set.has("ReadOnlyMany")) out.push("ROX");
  if (set.has("ReadWriteMany")) out.push("RWX");
  if (set.has("ReadWriteOncePod")) out.push("RWOP");
  return out.join(",");
}

/** `printPersistentVolumeClaim`, shared by PVCs and ephemeral volume claim templates. */
export function printPersistentVolumeClaim(w: PrefixWriter, pvc: J, isFull: boolean, now?: (ts: unknown) => string): void {
  const meta = obj(pvc.metadata);
  const spec = obj(pvc.spec);
  const status = obj(pvc.status);
  if (isFull) {
    w.write(LEVEL_0, `Name:\t${str(meta.name)}\n`);
    w.write(LEVEL_0, `Namespace:\t${str(meta.namespace)}\n`);
  }
  w.write(LEVEL_0, `StorageClass:\t${claimClass(pvc)}\n`);
  if (isFull) {
    if (isSet(meta.deletionTimestamp) && now) w.write(LEVEL_0, `Status:\tTerminating (lasts ${now(meta.deletionTimestamp)})\n`);
    else w.write(LEVEL_0, `Status:\t${str(status.phase)}\n`);
  }
  w.write(LEVEL_0, `Volume:\t${str(spec.volumeName)}\n`);
  printLabelsMultiline(w, "Labels", meta.labels);
  printAnnotationsMultiline(w, "Annotations", meta.annotations);
  if (isFull) w.write(LEVEL_0, `Finalizers:\t${stringList(meta.finalizers)}\n`);
  let capacity = "";
  let modes = "";
  if (str(spec.volumeName) !== "") {
    modes = accessModes(status.accessModes);
    capacity = canonicalQuantity(obj(status.capacity).storage);
  }
  w.write(LEVEL_0, `Capacity:\t${capacity}\n`);
  w.write(LEVEL_0, `Access Modes:\t${modes}\n`);
  if (isSet(spec.volumeMode)) w.write(LEVEL_0, `VolumeMode:\t${str(spec.volumeMode)}\n`);
  if (isSet(spec.dataSource)) {
    const ds = obj(spec.dataSource);
    w.write(LEVEL_0, "DataSource:\n");
    if (isSet(ds.apiGroup)) w.write(LEVEL_1, `APIGroup:\t${str(ds.apiGroup)}\n`);
    w.write(LEVEL_1, `Kind:\t${str(ds.kind)}\n`);
    w.write(LEVEL_1, `Name:\t${str(ds.name)}\n`);
  }
}

/** `printCSIPersistentVolumeAttributesMultilineIndent` at level 2. */
export function printCsiAttributes(w: PrefixWriter, title: string, attributes: unknown): void {
  const m = strMap(attributes);
  w.write(LEVEL_2, `${title}:\t`);
  const keys = sortedStrings(Object.keys(m));
  if (keys.length === 0) {
    w.line("<none>");
    return;
  }
  keys.forEach((key, i) => {
    if (i !== 0) {
      w.write(LEVEL_2, "");
      w.write(LEVEL_2, "\t");
    }
    const line = `${key}=${m[key]}`;
    w.write(LEVEL_2, byteLength(line) > 140 ? `${byteSlice(line, 140)}...\n` : `${line}\n`);
  });
}

const TWO = (lines: [string, string][]): string => lines.map(([k, v], i) => `${i === 0 ? "" : "    "}${k}:\t${v}\n`).join("");

function describeVolumeSource(w: PrefixWriter, v: J): void {
  const src = (k: string) => (isSet(v[k]) ? obj(v[k]) : null);
  let s: J | null;
  if ((s = src("hostPath"))) {
    w.write(LEVEL_2, TWO([["Type", "HostPath (bare host directory volume)"], ["Path", str(s.path)], ["HostPathType", isSet(s.type) ? str(s.type) : "<none>"]]));
  } else if ((s = src("emptyDir"))) {
    const limit = parseQuantity(s.sizeLimit);
    const sizeLimit = isSet(s.sizeLimit) && limit && compareQuantity(limit, zeroQuantity()) > 0 ? canonicalQuantity(s.sizeLimit) : "<unset>";
    w.write(LEVEL_2, TWO([["Type", "EmptyDir (a temporary directory that shares a pod's lifetime)"], ["Medium", str(s.medium)], ["SizeLimit", sizeLimit]]));
  } else if ((s = src("gcePersistentDisk"))) {
    w.write(LEVEL_2, TWO([["Type", "GCEPersistentDisk (a Persistent Disk resource in Google Compute Engine)"], ["PDName", str(s.pdName)], ["FSType", str(s.fsType)], ["Partition", int(s.partition)], ["ReadOnly", bool(s.readOnly)]]));
  } else if ((s = src("awsElasticBlockStore"))) {
    w.write(LEVEL_2, TWO([["Type", "AWSElasticBlockStore (a Persistent Disk resource in AWS)"], ["VolumeID", str(s.volumeID)], ["FSType", str(s.fsType)], ["Partition", int(s.partition)], ["ReadOnly", bool(s.readOnly)]]));
  } else if ((s = src("gitRepo"))) {
    w.write(LEVEL_2, TWO([["Type", "GitRepo (a volume that is pulled from git when the pod is created)"], ["Repository", str(s.repository)], ["Revision", str(s.revision)]]));
  } else if ((s = src("secret"))) {
    w.write(LEVEL_2, TWO([["Type", "Secret (a volume populated by a Secret)"], ["SecretName", str(s.secretName)], ["Optional", bool(s.optional)]]));
  } else if ((s = src("configMap"))) {
    w.write(LEVEL_2, TWO([["Type", "ConfigMap (a volume populated by a ConfigMap)"], ["Name", str(s.name)], ["Optional", bool(s.optional)]]));
  } else if ((s = src("nfs"))) {
    w.write(LEVEL_2, TWO([["Type", "NFS (an NFS mount that lasts the lifetime of a pod)"], ["Server", str(s.server)], ["Path", str(s.path)], ["ReadOnly", bool(s.readOnly)]]));
  } else if ((s = src("iscsi"))) {
    w.write(
      LEVEL_2,
      "Type:\tISCSI (an ISCSI Disk resource that is attached to a kubelet's host machine and then exposed to the pod)\n" +
        `    TargetPortal:\t${str(s.targetPortal)}\n    IQN:\t${str(s.iqn)}\n    Lun:\t${int(s.lun)}\n    ISCSIInterface\t${str(s.iscsiInterface)}\n` +
        `    FSType:\t${str(s.fsType)}\n    ReadOnly:\t${bool(s.readOnly)}\n    Portals:\t${stringList(s.portals)}\n` +
        `    DiscoveryCHAPAuth:\t${bool(s.chapAuthDiscovery)}\n    SessionCHAPAuth:\t${bool(s.chapAuthSession)}\n    SecretRef:\t${localRef(s.secretRef)}\n` +
        `    InitiatorName:\t${isSet(s.initiatorName) ? str(s.initiatorName) : "<none>"}\n`,
    );
  } else if ((s = src("glusterfs"))) {
    w.write(LEVEL_2, TWO([["Type", "Glusterfs (a Glusterfs mount on the host that shares a pod's lifetime)"], ["EndpointsName", str(s.endpoints)], ["Path", str(s.path)], ["ReadOnly", bool(s.readOnly)]]));
  } else if ((s = src("persistentVolumeClaim"))) {
    w.write(LEVEL_2, TWO([["Type", "PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)"], ["ClaimName", str(s.claimName)], ["ReadOnly", bool(s.readOnly)]]));
  } else if ((s = src("ephemeral"))) {
    w.write(LEVEL_2, "Type:\tEphemeralVolume (an inline specification for a volume that gets created and deleted with the pod)\n");
    if (isSet(s.volumeClaimTemplate)) {
      const t = obj(s.volumeClaimTemplate);
      printPersistentVolumeClaim(nestedWriter(w, LEVEL_2), { metadata: t.metadata ?? {}, spec: t.spec ?? {} }, false);
    }
  } else if ((s = src("rbd"))) {
    w.write(
      LEVEL_2,
      TWO([
        ["Type", "RBD (a Rados Block Device mount on the host that shares a pod's lifetime)"],
        ["CephMonitors", stringList(s.monitors)],
        ["RBDImage", str(s.image)],
        ["FSType", str(s.fsType)],
        ["RBDPool", str(s.pool)],
        ["RadosUser", str(s.user)],
        ["Keyring", str(s.keyring)],
        ["SecretRef", localRef(s.secretRef)],
        ["ReadOnly", bool(s.readOnly)],
      ]),
    );
  } else if ((s = src("quobyte"))) {
    w.write(LEVEL_2, TWO([["Type", "Quobyte (a Quobyte mount on the host that shares a pod's lifetime)"], ["Registry", str(s.registry)], ["Volume", str(s.volume)], ["ReadOnly", bool(s.readOnly)]]));
  } else if ((s = src("downwardAPI"))) {
    w.write(LEVEL_2, "Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n");
    for (const item of objs(s.items)) {
      if (isSet(item.fieldRef)) w.write(LEVEL_3, `${str(obj(item.fieldRef).fieldPath)} -> ${str(item.path)}\n`);
      if (isSet(item.resourceFieldRef)) w.write(LEVEL_3, `${str(obj(item.resourceFieldRef).resource)} -> ${str(item.path)}\n`);
    }
  } else if ((s = src("azureDisk"))) {
    w.write(
      LEVEL_2,
      "Type:\tAzureDisk (an Azure Data Disk mount on the host and bind mount to the pod)\n" +
        `    DiskName:\t${str(s.diskName)}\n    DiskURI:\t${str(s.diskURI)}\n    Kind: \t${isSet(s.kind) ? str(s.kind) : "Shared"}\n` +
        `    FSType:\t${isSet(s.fsType) ? str(s.fsType) : "ext4"}\n    CachingMode:\t${isSet(s.cachingMode) ? str(s.cachingMode) : "ReadWrite"}\n    ReadOnly:\t${bool(s.readOnly)}\n`,
    );
  } else if ((s = src("vsphereVolume"))) {
    w.write(LEVEL_2, TWO([["Type", "vSphereVolume (a Persistent Disk resource in vSphere)"], ["VolumePath", str(s.volumePath)], ["FSType", str(s.fsType)], ["StoragePolicyName", str(s.storagePolicyName)]]));
  } else if ((s = src("cinder"))) {
    w.write(LEVEL_2, TWO([["Type", "Cinder (a Persistent Disk resource in OpenStack)"], ["VolumeID", str(s.volumeID)], ["FSType", str(s.fsType)], ["ReadOnly", bool(s.readOnly)], ["SecretRef", localRef(s.secretRef)]]));
  } else if ((s = src("photonPersistentDisk"))) {
    w.write(LEVEL_2, TWO([["Type", "PhotonPersistentDisk (a Persistent Disk resource in photon platform)"], ["PdID", str(s.pdID)], ["FSType", str(s.fsType)]]));
  } else if ((s = src("portworxVolume"))) {
    w.write(LEVEL_2, TWO([["Type", "PortworxVolume (a Portworx Volume resource)"], ["VolumeID", str(s.volumeID)]]));
  } else if ((s = src("scaleIO"))) {
    w.write(
      LEVEL_2,
      TWO([
        ["Type", "ScaleIO (a persistent volume backed by a block device in ScaleIO)"],
        ["Gateway", str(s.gateway)],
        ["System", str(s.system)],
        ["Protection Domain", str(s.protectionDomain)],
        ["Storage Pool", str(s.storagePool)],
        ["Storage Mode", str(s.storageMode)],
        ["VolumeName", str(s.volumeName)],
        ["FSType", str(s.fsType)],
        ["ReadOnly", bool(s.readOnly)],
      ]),
    );
  } else if ((s = src("cephfs"))) {
    w.write(
      LEVEL_2,
      TWO([
        ["Type", "CephFS (a CephFS mount on the host that shares a pod's lifetime)"],
        ["Monitors", stringList(s.monitors)],
        ["Path", str(s.path)],
        ["User", str(s.user)],
        ["SecretFile", str(s.secretFile)],
        ["SecretRef", localRef(s.secretRef)],
        ["ReadOnly", bool(s.readOnly)],
      ]),
    );
  } else if ((s = src("storageos"))) {
    w.write(LEVEL_2, TWO([["Type", "StorageOS (a StorageOS Persistent Disk resource)"], ["VolumeName", str(s.volumeName)], ["VolumeNamespace", str(s.volumeNamespace)], ["FSType", str(s.fsType)], ["ReadOnly", bool(s.readOnly)]]));
  } else if ((s = src("fc"))) {
    w.write(
      LEVEL_2,
      TWO([
        ["Type", "FC (a Fibre Channel disk)"],
        ["TargetWWNs", arr(s.targetWWNs).map(str).join(", ")],
        ["LUN", isSet(s.lun) ? int(s.lun) : "<none>"],
        ["FSType", str(s.fsType)],
        ["ReadOnly", bool(s.readOnly)],
      ]),
    );
  } else if ((s = src("azureFile"))) {
    w.write(LEVEL_2, TWO([["Type", "AzureFile (an Azure File Service mount on the host and bind mount to the pod)"], ["SecretName", str(s.secretName)], ["ShareName", str(s.shareName)], ["ReadOnly", bool(s.readOnly)]]));
  } else if ((s = src("flexVolume"))) {
    w.write(
      LEVEL_2,
      TWO([
        ["Type", "FlexVolume (a generic volume resource that is provisioned/attached using an exec based plugin)"],
        ["Driver", str(s.driver)],
        ["FSType", str(s.fsType)],
        ["SecretRef", localRef(s.secretRef)],
        ["ReadOnly", bool(s.readOnly)],
        ["Options", goValue(strMap(s.options))],
      ]),
    );
  } else if ((s = src("flocker"))) {
    w.write(LEVEL_2, TWO([["Type", "Flocker (a Flocker volume mounted by the Flocker agent)"], ["DatasetName", str(s.datasetName)], ["DatasetUUID", str(s.datasetUUID)]]));
  } else if ((s = src("projected"))) {
    w.write(LEVEL_2, "Type:\tProjected (a volume that contains injected data from multiple sources)\n");
    for (const source of objs(s.sources)) {
      if (isSet(source.secret)) {
        const sec = obj(source.secret);
        w.write(LEVEL_2, `SecretName:\t${str(sec.name)}\n    SecretOptionalName:\t${boolPtr(sec.optional)}\n`);
      } else if (isSet(source.downwardAPI)) {
        w.write(LEVEL_2, "DownwardAPI:\ttrue\n");
      } else if (isSet(source.configMap)) {
        const cm = obj(source.configMap);
        w.write(LEVEL_2, `ConfigMapName:\t${str(cm.name)}\n    ConfigMapOptional:\t${boolPtr(cm.optional)}\n`);
      } else if (isSet(source.serviceAccountToken)) {
        const sat = obj(source.serviceAccountToken);
        w.write(LEVEL_2, `TokenExpirationSeconds:\t${isSet(sat.expirationSeconds) ? int(sat.expirationSeconds) : "3600"}\n`);
      }
    }
  } else if ((s = src("csi"))) {
    w.write(LEVEL_2, TWO([["Type", "CSI (a Container Storage Interface (CSI) volume source)"], ["Driver", str(s.driver)], ["FSType", str(s.fsType)], ["ReadOnly", bool(s.readOnly)]]));
    printCsiAttributes(w, "VolumeAttributes", s.volumeAttributes);
  } else if ((s = src("image"))) {
    w.write(LEVEL_2, TWO([["Type", "Image (a container image or OCI artifact)"], ["Reference", str(s.reference)], ["PullPolicy", str(s.pullPolicy)]]));
  } else {
    w.write(LEVEL_1, "<unknown>\n");
  }
}

/** The `Type:` block of one volume source (the printers `describeVolumes` dispatches to). */
export function describeVolumeSourceOf(w: PrefixWriter, source: J): void {
  describeVolumeSource(w, source);
}

/** `describeVolumes`. */
export function describeVolumes(w: PrefixWriter, volumes: unknown, space: string): void {
  const list = objs(volumes);
  if (list.length === 0) {
    w.write(LEVEL_0, `${space}Volumes:\t<none>\n`);
    return;
  }
  w.write(LEVEL_0, `${space}Volumes:\n`);
  const nameIndent = space.length > 0 ? " " : "";
  for (const v of list) {
    w.write(LEVEL_1, `${nameIndent}${str(v.name)}:\n`);
    describeVolumeSource(w, v);
  }
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
