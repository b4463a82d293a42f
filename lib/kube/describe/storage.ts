/** `kubectl describe persistentvolumeclaim`, `persistentvolume` and `storageclass`. */
import { ageSince } from "../_age.ts";
import type { KubeObject } from "../_types.ts";
import { type DescribeContext, readOptions } from "./_context.ts";
import { eventTargetOf, renderEvents, searchEvents } from "./_events.ts";
import {
  type J,
  arr,
  bool,
  formatLabels,
  goValue,
  int,
  isSet,
  obj,
  objs,
  printAnnotationsMultiline,
  printLabelsMultiline,
  printPodsMultiline,
  rfc1123z,
  str,
  strMap,
} from "./_format.ts";
import { accessModes, describeVolumeSourceOf, printCsiAttributes, printPersistentVolumeClaim } from "./_pod-spec.ts";
import { canonicalQuantity } from "./_quantity.ts";
import { LEVEL_0, LEVEL_1, LEVEL_2, type PrefixWriter, tabbed } from "./_writer.ts";

/**
 * kubectl's `getPodsForPVC`: pods of the namespace mounting the claim (once per
 * volume that names it), then pods owning it that were not already listed.
 */
export function podsForClaim(pvc: KubeObject, nsPods: readonly KubeObject[]): KubeObject[] {
  const out: KubeObject[] = [];
  for (const pod of nsPods) {
    for (const v of objs(obj(pod.spec).volumes)) {
      if (isSet(v.persistentVolumeClaim) && str(obj(v.persistentVolumeClaim).claimName) === pvc.metadata.name) out.push(pod);
    }
  }
  for (const ref of pvc.metadata.ownerReferences ?? []) {
    if (ref.kind !== "Pod") continue;
    const owner = nsPods.find((p) => p.metadata.uid === ref.uid);
    if (!owner || out.some((p) => p.metadata.uid === owner.metadata.uid)) continue;
    out.push(owner);
  }
  return out;
}

/** Lists the namespace's pods (a failed list fails the describe) and the claim's events, then renders it. */
export async function describePersistentVolumeClaim(pvc: KubeObject, ctx: DescribeContext): Promise<string> {
  const nsPods = await ctx.reader.list({ group: "", resource: "pods" }, { namespace: pvc.metadata.namespace ?? "", ...readOptions(ctx) });
  const events = ctx.showEvents ? (await searchEvents(ctx.reader, eventTargetOf(pvc), ctx.signal)).events : null;
  return renderPersistentVolumeClaim(pvc, podsForClaim(pvc, nsPods), events, ctx.now);
}

/** `describePersistentVolumeClaim`. */
export function renderPersistentVolumeClaim(pvc: KubeObject, usedBy: readonly KubeObject[], events: readonly KubeObject[] | null, now: number): string {
  const o = pvc as unknown as J;
  return tabbed((w) => {
    printPersistentVolumeClaim(w, o, true, (ts) => ageSince(ts, now));
    printPodsMultiline(w, "Used By", usedBy.map((p) => p.metadata.name));
    const conditions = objs(obj(o.status).conditions);
    if (conditions.length > 0) {
      w.write(LEVEL_0, "Conditions:\n");
      w.write(LEVEL_1, "Type\tStatus\tLastProbeTime\tLastTransitionTime\tReason\tMessage\n");
      w.write(LEVEL_1, "----\t------\t-----------------\t------------------\t------\t-------\n");
      for (const c of conditions) {
        w.write(LEVEL_1, `${str(c.type)} \t${str(c.status)} \t${rfc1123z(c.lastProbeTime)} \t${rfc1123z(c.lastTransitionTime)} \t${str(c.reason)} \t${str(c.message)}\n`);
      }
    }
    if (events) renderEvents(w, events, now);
  });
}

/** Fetches the volume's events and renders it. */
export async function describePersistentVolume(pv: KubeObject, ctx: DescribeContext): Promise<string> {
  const events = ctx.showEvents ? (await searchEvents(ctx.reader, eventTargetOf(pv), ctx.signal)).events : null;
  return renderPersistentVolume(pv, events, ctx.now);
}

/** `GetPersistentVolumeClass`: the beta annotation wins over `spec.storageClassName`. */
function volumeClass(pv: J): string {
  const ann = strMap(obj(pv.metadata).annotations);
  if ("volume.beta.kubernetes.io/storage-class" in ann) return ann["volume.beta.kubernetes.io/storage-class"] ?? "";
  return str(obj(pv.spec).storageClassName);
}

function printNodeSelectorTerm(w: PrefixWriter, level: number, title: string, reqs: J[]): void {
  w.write(level, `${title}:\t`);
  if (reqs.length === 0) {
    w.line("<none>");
    return;
  }
  reqs.forEach((r, i) => {
    if (i !== 0) w.write(level, "\t");
    const values = arr(r.values).map(str);
    let expr = `${str(r.key)} ${str(r.operator).toLowerCase()}`;
    if (values.length > 0) expr += ` [${values.join(", ")}]`;
    w.write(LEVEL_0, `${expr}\n`);
  });
}

/** Go's `%v` of a `*SecretReference`. */
function secretRef(v: unknown): string {
  return isSet(v) ? `&SecretReference{Name:${str(obj(v).name)},Namespace:${str(obj(v).namespace)},}` : "nil";
}

const ROWS = (lines: [string, string][]): string => lines.map(([k, v], i) => `${i === 0 ? "" : "    "}${k}:\t${v}\n`).join("");

/** The PV flavours of the volume printers (secret references with namespaces, CSI handles...). */
function describePersistentVolumeSource(w: PrefixWriter, spec: J): void {
  const src = (k: string) => (isSet(spec[k]) ? obj(spec[k]) : null);
  let s: J | null;
  if ((s = src("iscsi"))) {
    w.write(
      LEVEL_2,
      "Type:\tISCSI (an ISCSI Disk resource that is attached to a kubelet's host machine and then exposed to the pod)\n" +
        `    TargetPortal:\t${str(s.targetPortal)}\n    IQN:\t${str(s.iqn)}\n    Lun:\t${int(s.lun)}\n    ISCSIInterface\t${str(s.iscsiInterface)}\n` +
        `    FSType:\t${str(s.fsType)}\n    ReadOnly:\t${bool(s.readOnly)}\n    Portals:\t${goValue(arr(s.portals).map(str))}\n` +
        `    DiscoveryCHAPAuth:\t${bool(s.chapAuthDiscovery)}\n    SessionCHAPAuth:\t${bool(s.chapAuthSession)}\n    SecretRef:\t${secretRef(s.secretRef)}\n` +
        `    InitiatorName:\t${isSet(s.initiatorName) ? str(s.initiatorName) : "<none>"}\n`,
    );
  } else if ((s = src("glusterfs"))) {
    w.write(
      LEVEL_2,
      ROWS([
        ["Type", "Glusterfs (a Glusterfs mount on the host that shares a pod's lifetime)"],
        ["EndpointsName", str(s.endpoints)],
        ["EndpointsNamespace", isSet(s.endpointsNamespace) ? str(s.endpointsNamespace) : "<unset>"],
        ["Path", str(s.path)],
        ["ReadOnly", bool(s.readOnly)],
      ]),
    );
  } else if ((s = src("rbd"))) {
    w.write(
      LEVEL_2,
      ROWS([
        ["Type", "RBD (a Rados Block Device mount on the host that shares a pod's lifetime)"],
        ["CephMonitors", goValue(arr(s.monitors).map(str))],
        ["RBDImage", str(s.image)],
        ["FSType", str(s.fsType)],
        ["RBDPool", str(s.pool)],
        ["RadosUser", str(s.user)],
        ["Keyring", str(s.keyring)],
        ["SecretRef", secretRef(s.secretRef)],
        ["ReadOnly", bool(s.readOnly)],
      ]),
    );
  } else if ((s = src("cinder"))) {
    w.write(LEVEL_2, ROWS([["Type", "Cinder (a Persistent Disk resource in OpenStack)"], ["VolumeID", str(s.volumeID)], ["FSType", str(s.fsType)], ["ReadOnly", bool(s.readOnly)], ["SecretRef", secretRef(s.secretRef)]]));
  } else if ((s = src("scaleIO"))) {
    const ref = obj(s.secretRef);
    w.write(
      LEVEL_2,
      ROWS([
        ["Type", "ScaleIO (a persistent volume backed by a block device in ScaleIO)"],
        ["Gateway", str(s.gateway)],
        ["System", str(s.system)],
        ["Protection Domain", str(s.protectionDomain)],
        ["Storage Pool", str(s.storagePool)],
        ["Storage Mode", str(s.storageMode)],
        ["VolumeName", str(s.volumeName)],
        ["SecretName", str(ref.name)],
        ["SecretNamespace", str(ref.namespace)],
        ["FSType", str(s.fsType)],
        ["ReadOnly", bool(s.readOnly)],
      ]),
    );
  } else if ((s = src("local"))) {
    w.write(LEVEL_2, ROWS([["Type", "LocalVolume (a persistent volume backed by local storage on a node)"], ["Path", str(s.path)]]));
  } else if ((s = src("cephfs"))) {
    w.write(
      LEVEL_2,
      ROWS([
        ["Type", "CephFS (a CephFS mount on the host that shares a pod's lifetime)"],
        ["Monitors", goValue(arr(s.monitors).map(str))],
        ["Path", str(s.path)],
        ["User", str(s.user)],
        ["SecretFile", str(s.secretFile)],
        ["SecretRef", secretRef(s.secretRef)],
        ["ReadOnly", bool(s.readOnly)],
      ]),
    );
  } else if ((s = src("azureFile"))) {
    w.write(
      LEVEL_2,
      ROWS([
        ["Type", "AzureFile (an Azure File Service mount on the host and bind mount to the pod)"],
        ["SecretName", str(s.secretName)],
        ["SecretNamespace", str(s.secretNamespace)],
        ["ShareName", str(s.shareName)],
        ["ReadOnly", bool(s.readOnly)],
      ]),
    );
  } else if ((s = src("flexVolume"))) {
    w.write(
      LEVEL_2,
      ROWS([
        ["Type", "FlexVolume (a generic volume resource that is provisioned/attached using an exec based plugin)"],
        ["Driver", str(s.driver)],
        ["FSType", str(s.fsType)],
        ["SecretRef", secretRef(s.secretRef)],
        ["ReadOnly", bool(s.readOnly)],
        ["Options", goValue(strMap(s.options))],
      ]),
    );
  } else if ((s = src("csi"))) {
    w.write(
      LEVEL_2,
      ROWS([["Type", "CSI (a Container Storage Interface (CSI) volume source)"], ["Driver", str(s.driver)], ["FSType", str(s.fsType)], ["VolumeHandle", str(s.volumeHandle)], ["ReadOnly", bool(s.readOnly)]]),
    );
    printCsiAttributes(w, "VolumeAttributes", s.volumeAttributes);
  } else {
    const shared = ["hostPath", "gcePersistentDisk", "awsElasticBlockStore", "nfs", "quobyte", "vsphereVolume", "azureDisk", "photonPersistentDisk", "portworxVolume", "storageos", "fc", "flocker"];
    const key = shared.find((k) => isSet(spec[k]));
    if (key) describeVolumeSourceOf(w, { [key]: spec[key] });
    else w.write(LEVEL_1, "<unknown>\n");
  }
}

/** `describePersistentVolume`. */
export function renderPersistentVolume(pv: KubeObject, events: readonly KubeObject[] | null, now: number): string {
  const o = pv as unknown as J;
  const meta = obj(o.metadata);
  const spec = obj(o.spec);
  const status = obj(o.status);
  return tabbed((w) => {
    w.write(LEVEL_0, `Name:\t${str(meta.name)}\n`);
    printLabelsMultiline(w, "Labels", meta.labels);
    printAnnotationsMultiline(w, "Annotations", meta.annotations);
    w.write(LEVEL_0, `Finalizers:\t${goValue(arr(meta.finalizers).map(str))}\n`);
    w.write(LEVEL_0, `StorageClass:\t${volumeClass(o)}\n`);
    if (isSet(meta.deletionTimestamp)) w.write(LEVEL_0, `Status:\tTerminating (lasts ${ageSince(meta.deletionTimestamp, now)})\n`);
    else w.write(LEVEL_0, `Status:\t${str(status.phase)}\n`);
    const claim = isSet(spec.claimRef) ? `${str(obj(spec.claimRef).namespace)}/${str(obj(spec.claimRef).name)}` : "";
    w.write(LEVEL_0, `Claim:\t${claim}\n`);
    w.write(LEVEL_0, `Reclaim Policy:\t${str(spec.persistentVolumeReclaimPolicy)}\n`);
    w.write(LEVEL_0, `Access Modes:\t${accessModes(spec.accessModes)}\n`);
    if (isSet(spec.volumeMode)) w.write(LEVEL_0, `VolumeMode:\t${str(spec.volumeMode)}\n`);
    w.write(LEVEL_0, `Capacity:\t${canonicalQuantity(obj(spec.capacity).storage)}\n`);
    w.write(LEVEL_0, "Node Affinity:\t");
    const required = obj(spec.nodeAffinity).required;
    if (!isSet(spec.nodeAffinity) || !isSet(required)) w.line("<none>");
    else {
      w.line("");
      const terms = objs(obj(required).nodeSelectorTerms);
      w.write(LEVEL_1, "Required Terms:\t");
      if (terms.length === 0) w.line("<none>");
      else {
        w.line("");
        terms.forEach((t, i) => printNodeSelectorTerm(w, LEVEL_2, `Term ${i}`, objs(t.matchExpressions)));
      }
    }
    w.write(LEVEL_0, `Message:\t${str(status.message)}\n`);
    w.write(LEVEL_0, "Source:\n");
    describePersistentVolumeSource(w, spec);
    if (events) renderEvents(w, events, now);
  });
}

/** Fetches the class's events and renders it. */
export async function describeStorageClass(sc: KubeObject, ctx: DescribeContext): Promise<string> {
  const events = ctx.showEvents ? (await searchEvents(ctx.reader, eventTargetOf(sc), ctx.signal)).events : null;
  return renderStorageClass(sc, events, ctx.now);
}

/** `describeStorageClass`. */
export function renderStorageClass(sc: KubeObject, events: readonly KubeObject[] | null, now: number): string {
  const o = sc as unknown as J;
  const meta = obj(o.metadata);
  const ann = strMap(meta.annotations);
  const isDefault = ann["storageclass.kubernetes.io/is-default-class"] === "true" || ann["storageclass.beta.kubernetes.io/is-default-class"] === "true";
  return tabbed((w) => {
    w.write(LEVEL_0, `Name:\t${str(meta.name)}\n`);
    w.write(LEVEL_0, `IsDefaultClass:\t${isDefault ? "Yes" : "No"}\n`);
    w.write(LEVEL_0, `Annotations:\t${formatLabels(meta.annotations)}\n`);
    w.write(LEVEL_0, `Provisioner:\t${str(o.provisioner)}\n`);
    w.write(LEVEL_0, `Parameters:\t${formatLabels(o.parameters)}\n`);
    w.write(LEVEL_0, `AllowVolumeExpansion:\t${isSet(o.allowVolumeExpansion) ? (o.allowVolumeExpansion === true ? "True" : "False") : "<unset>"}\n`);
    const options = arr(o.mountOptions).map(str);
    if (options.length === 0) w.write(LEVEL_0, "MountOptions:\t<none>\n");
    else {
      w.write(LEVEL_0, "MountOptions:\n");
      for (const option of options) w.write(LEVEL_1, `${option}\n`);
    }
    if (isSet(o.reclaimPolicy)) w.write(LEVEL_0, `ReclaimPolicy:\t${str(o.reclaimPolicy)}\n`);
    if (isSet(o.volumeBindingMode)) w.write(LEVEL_0, `VolumeBindingMode:\t${str(o.volumeBindingMode)}\n`);
    if (isSet(o.allowedTopologies)) {
      const terms = objs(o.allowedTopologies);
      w.write(LEVEL_0, "AllowedTopologies:\t");
      if (terms.length === 0) w.line("<none>");
      else {
        w.line("");
        terms.forEach((t, i) => {
          const reqs = objs(t.matchLabelExpressions);
          w.write(LEVEL_1, `Term ${i}:\t`);
          if (reqs.length === 0) {
            w.line("<none>");
            return;
          }
          reqs.forEach((r, j) => {
            if (j !== 0) w.write(LEVEL_1, "\t");
            const values = arr(r.values).map(str);
            w.write(LEVEL_0, `${str(r.key)} in${values.length > 0 ? ` [${values.join(", ")}]` : ""}\n`);
          });
        });
      }
    }
    if (events) renderEvents(w, events, now);
  });
}
