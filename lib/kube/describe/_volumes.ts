/**
 * Volumes as kubectl's describers print them: the volume-source printers that
 * `describeVolumes` (pod volumes) and `describePersistentVolume` (the PV's
 * `Source:`) share, claims (`printPersistentVolumeClaim`, also used for
 * ephemeral volume claim templates) and the helpers around them.
 *
 * kubectl has one printer per source type, and a second one where the
 * PersistentVolume flavour of a source carries more (a namespaced secret
 * reference, `EndpointsNamespace`, `VolumeHandle`...); here each source has
 * one printer that takes the {@link Holder} and prints what that flavour has.
 */
import { sortedStrings } from "../_gosort.ts";
import { type J, arr, isSet, obj, objs, str, strMap } from "../_json.ts";
import { bool, goValue, int, printAnnotationsMultiline, printLabelsMultiline, printMultiline, printTypedReference, shorten } from "./_format.ts";
import { canonicalQuantity, compareQuantity, parseQuantity, zeroQuantity } from "./_quantity.ts";
import { LEVEL_0, LEVEL_1, LEVEL_2, LEVEL_3, type PrefixWriter, nestedWriter } from "./_writer.ts";

/** Which API type a volume source is read from: a pod's `VolumeSource` or a `PersistentVolumeSource`. */
export type Holder = "pod" | "persistentVolume";

/** `GetPersistentVolumeClaimClass` / `GetPersistentVolumeClass`: the beta annotation wins over `spec.storageClassName`. */
export function storageClassOf(o: J): string {
  const ann = strMap(obj(o.metadata).annotations);
  if ("volume.beta.kubernetes.io/storage-class" in ann) return ann["volume.beta.kubernetes.io/storage-class"] ?? "";
  return str(obj(o.spec).storageClassName);
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

/** Go's `%v` of a `[]string`. */
function stringList(v: unknown): string {
  return goValue(arr(v).map(str));
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
  w.write(LEVEL_0, `StorageClass:\t${storageClassOf(pvc)}\n`);
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
  if (isSet(spec.dataSource)) printTypedReference(w, "DataSource", obj(spec.dataSource));
}

/** `printCSIPersistentVolumeAttributesMultilineIndent` at level 2: `key=value` pairs sorted, each cut at 140 bytes. */
function printCsiAttributes(w: PrefixWriter, title: string, attributes: unknown): void {
  const m = strMap(attributes);
  // kubectl writes the continuation as two level-2 writes ("" then "\t"), each indented.
  const lines = sortedStrings(Object.keys(m)).map((key) => shorten(`${key}=${m[key]}`, 140));
  printMultiline(w, LEVEL_2, `${title}:\t`, "    \t", lines, LEVEL_2);
}

/** One `Type:` block: the first row as is, the others indented by four spaces, as kubectl's format strings lay them out. */
function rows(w: PrefixWriter, lines: readonly (readonly [string, string])[]): void {
  w.write(LEVEL_2, lines.map(([k, v], i) => `${i === 0 ? "" : "    "}${k}:\t${v}\n`).join(""));
}

/**
 * Go's `%v` of a source's secret reference, `nil` when unset: a
 * `*LocalObjectReference` in pod volumes, a `*SecretReference` (with its
 * namespace) in PersistentVolumes.
 */
function secretRef(v: unknown, holder: Holder): string {
  if (!isSet(v)) return "nil";
  const r = obj(v);
  return holder === "pod" ? `&LocalObjectReference{Name:${str(r.name)},}` : `&SecretReference{Name:${str(r.name)},Namespace:${str(r.namespace)},}`;
}

/** Go's `%v` of a `*bool`: `<nil>` when unset. kubectl prints a pointer address otherwise; the value is the closest stable rendering. */
function boolPtr(v: unknown): string {
  return isSet(v) ? bool(v) : "<nil>";
}

type SourcePrinter = (w: PrefixWriter, s: J, holder: Holder) => void;

/** kubectl's `print<Type>VolumeSource` / `print<Type>PersistentVolumeSource` functions, keyed by the source's field name. */
const PRINTERS: Readonly<Record<string, SourcePrinter>> = {
  hostPath: (w, s) => rows(w, [["Type", "HostPath (bare host directory volume)"], ["Path", str(s.path)], ["HostPathType", isSet(s.type) ? str(s.type) : "<none>"]]),
  emptyDir: (w, s) => {
    const limit = parseQuantity(s.sizeLimit);
    const sizeLimit = isSet(s.sizeLimit) && limit && compareQuantity(limit, zeroQuantity()) > 0 ? canonicalQuantity(s.sizeLimit) : "<unset>";
    rows(w, [["Type", "EmptyDir (a temporary directory that shares a pod's lifetime)"], ["Medium", str(s.medium)], ["SizeLimit", sizeLimit]]);
  },
  gcePersistentDisk: (w, s) =>
    rows(w, [["Type", "GCEPersistentDisk (a Persistent Disk resource in Google Compute Engine)"], ["PDName", str(s.pdName)], ["FSType", str(s.fsType)], ["Partition", int(s.partition)], ["ReadOnly", bool(s.readOnly)]]),
  awsElasticBlockStore: (w, s) =>
    rows(w, [["Type", "AWSElasticBlockStore (a Persistent Disk resource in AWS)"], ["VolumeID", str(s.volumeID)], ["FSType", str(s.fsType)], ["Partition", int(s.partition)], ["ReadOnly", bool(s.readOnly)]]),
  gitRepo: (w, s) => rows(w, [["Type", "GitRepo (a volume that is pulled from git when the pod is created)"], ["Repository", str(s.repository)], ["Revision", str(s.revision)]]),
  secret: (w, s) => rows(w, [["Type", "Secret (a volume populated by a Secret)"], ["SecretName", str(s.secretName)], ["Optional", bool(s.optional)]]),
  configMap: (w, s) => rows(w, [["Type", "ConfigMap (a volume populated by a ConfigMap)"], ["Name", str(s.name)], ["Optional", bool(s.optional)]]),
  nfs: (w, s) => rows(w, [["Type", "NFS (an NFS mount that lasts the lifetime of a pod)"], ["Server", str(s.server)], ["Path", str(s.path)], ["ReadOnly", bool(s.readOnly)]]),
  // kubectl's format string has no colon after ISCSIInterface.
  iscsi: (w, s, holder) =>
    w.write(
      LEVEL_2,
      "Type:\tISCSI (an ISCSI Disk resource that is attached to a kubelet's host machine and then exposed to the pod)\n" +
        `    TargetPortal:\t${str(s.targetPortal)}\n    IQN:\t${str(s.iqn)}\n    Lun:\t${int(s.lun)}\n    ISCSIInterface\t${str(s.iscsiInterface)}\n` +
        `    FSType:\t${str(s.fsType)}\n    ReadOnly:\t${bool(s.readOnly)}\n    Portals:\t${stringList(s.portals)}\n` +
        `    DiscoveryCHAPAuth:\t${bool(s.chapAuthDiscovery)}\n    SessionCHAPAuth:\t${bool(s.chapAuthSession)}\n    SecretRef:\t${secretRef(s.secretRef, holder)}\n` +
        `    InitiatorName:\t${isSet(s.initiatorName) ? str(s.initiatorName) : "<none>"}\n`,
    ),
  glusterfs: (w, s, holder) =>
    rows(w, [
      ["Type", "Glusterfs (a Glusterfs mount on the host that shares a pod's lifetime)"],
      ["EndpointsName", str(s.endpoints)],
      ...(holder === "persistentVolume" ? [["EndpointsNamespace", isSet(s.endpointsNamespace) ? str(s.endpointsNamespace) : "<unset>"] as const] : []),
      ["Path", str(s.path)],
      ["ReadOnly", bool(s.readOnly)],
    ]),
  persistentVolumeClaim: (w, s) =>
    rows(w, [["Type", "PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)"], ["ClaimName", str(s.claimName)], ["ReadOnly", bool(s.readOnly)]]),
  ephemeral: (w, s) => {
    w.write(LEVEL_2, "Type:\tEphemeralVolume (an inline specification for a volume that gets created and deleted with the pod)\n");
    if (isSet(s.volumeClaimTemplate)) {
      const t = obj(s.volumeClaimTemplate);
      printPersistentVolumeClaim(nestedWriter(w, LEVEL_2), { metadata: t.metadata ?? {}, spec: t.spec ?? {} }, false);
    }
  },
  rbd: (w, s, holder) =>
    rows(w, [
      ["Type", "RBD (a Rados Block Device mount on the host that shares a pod's lifetime)"],
      ["CephMonitors", stringList(s.monitors)],
      ["RBDImage", str(s.image)],
      ["FSType", str(s.fsType)],
      ["RBDPool", str(s.pool)],
      ["RadosUser", str(s.user)],
      ["Keyring", str(s.keyring)],
      ["SecretRef", secretRef(s.secretRef, holder)],
      ["ReadOnly", bool(s.readOnly)],
    ]),
  quobyte: (w, s) => rows(w, [["Type", "Quobyte (a Quobyte mount on the host that shares a pod's lifetime)"], ["Registry", str(s.registry)], ["Volume", str(s.volume)], ["ReadOnly", bool(s.readOnly)]]),
  downwardAPI: (w, s) => {
    w.write(LEVEL_2, "Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n");
    for (const item of objs(s.items)) {
      if (isSet(item.fieldRef)) w.write(LEVEL_3, `${str(obj(item.fieldRef).fieldPath)} -> ${str(item.path)}\n`);
      if (isSet(item.resourceFieldRef)) w.write(LEVEL_3, `${str(obj(item.resourceFieldRef).resource)} -> ${str(item.path)}\n`);
    }
  },
  // kubectl's format string has a space before the tab after Kind.
  azureDisk: (w, s) =>
    w.write(
      LEVEL_2,
      "Type:\tAzureDisk (an Azure Data Disk mount on the host and bind mount to the pod)\n" +
        `    DiskName:\t${str(s.diskName)}\n    DiskURI:\t${str(s.diskURI)}\n    Kind: \t${isSet(s.kind) ? str(s.kind) : "Shared"}\n` +
        `    FSType:\t${isSet(s.fsType) ? str(s.fsType) : "ext4"}\n    CachingMode:\t${isSet(s.cachingMode) ? str(s.cachingMode) : "ReadWrite"}\n    ReadOnly:\t${bool(s.readOnly)}\n`,
    ),
  vsphereVolume: (w, s) =>
    rows(w, [["Type", "vSphereVolume (a Persistent Disk resource in vSphere)"], ["VolumePath", str(s.volumePath)], ["FSType", str(s.fsType)], ["StoragePolicyName", str(s.storagePolicyName)]]),
  cinder: (w, s, holder) =>
    rows(w, [["Type", "Cinder (a Persistent Disk resource in OpenStack)"], ["VolumeID", str(s.volumeID)], ["FSType", str(s.fsType)], ["ReadOnly", bool(s.readOnly)], ["SecretRef", secretRef(s.secretRef, holder)]]),
  photonPersistentDisk: (w, s) => rows(w, [["Type", "PhotonPersistentDisk (a Persistent Disk resource in photon platform)"], ["PdID", str(s.pdID)], ["FSType", str(s.fsType)]]),
  portworxVolume: (w, s) => rows(w, [["Type", "PortworxVolume (a Portworx Volume resource)"], ["VolumeID", str(s.volumeID)]]),
  scaleIO: (w, s, holder) => {
    const ref = obj(s.secretRef);
    rows(w, [
      ["Type", "ScaleIO (a persistent volume backed by a block device in ScaleIO)"],
      ["Gateway", str(s.gateway)],
      ["System", str(s.system)],
      ["Protection Domain", str(s.protectionDomain)],
      ["Storage Pool", str(s.storagePool)],
      ["Storage Mode", str(s.storageMode)],
      ["VolumeName", str(s.volumeName)],
      ...(holder === "persistentVolume"
        ? [
            ["SecretName", str(ref.name)] as const,
            ["SecretNamespace", str(ref.namespace)] as const,
          ]
        : []),
      ["FSType", str(s.fsType)],
      ["ReadOnly", bool(s.readOnly)],
    ]);
  },
  local: (w, s) => rows(w, [["Type", "LocalVolume (a persistent volume backed by local storage on a node)"], ["Path", str(s.path)]]),
  cephfs: (w, s, holder) =>
    rows(w, [
      ["Type", "CephFS (a CephFS mount on the host that shares a pod's lifetime)"],
      ["Monitors", stringList(s.monitors)],
      ["Path", str(s.path)],
      ["User", str(s.user)],
      ["SecretFile", str(s.secretFile)],
      ["SecretRef", secretRef(s.secretRef, holder)],
      ["ReadOnly", bool(s.readOnly)],
    ]),
  storageos: (w, s) =>
    rows(w, [
      ["Type", "StorageOS (a StorageOS Persistent Disk resource)"],
      ["VolumeName", str(s.volumeName)],
      ["VolumeNamespace", str(s.volumeNamespace)],
      ["FSType", str(s.fsType)],
      ["ReadOnly", bool(s.readOnly)],
    ]),
  fc: (w, s) =>
    rows(w, [
      ["Type", "FC (a Fibre Channel disk)"],
      ["TargetWWNs", arr(s.targetWWNs).map(str).join(", ")],
      ["LUN", isSet(s.lun) ? int(s.lun) : "<none>"],
      ["FSType", str(s.fsType)],
      ["ReadOnly", bool(s.readOnly)],
    ]),
  azureFile: (w, s, holder) =>
    rows(w, [
      ["Type", "AzureFile (an Azure File Service mount on the host and bind mount to the pod)"],
      ["SecretName", str(s.secretName)],
      ...(holder === "persistentVolume" ? [["SecretNamespace", str(s.secretNamespace)] as const] : []),
      ["ShareName", str(s.shareName)],
      ["ReadOnly", bool(s.readOnly)],
    ]),
  flexVolume: (w, s, holder) =>
    rows(w, [
      ["Type", "FlexVolume (a generic volume resource that is provisioned/attached using an exec based plugin)"],
      ["Driver", str(s.driver)],
      ["FSType", str(s.fsType)],
      ["SecretRef", secretRef(s.secretRef, holder)],
      ["ReadOnly", bool(s.readOnly)],
      ["Options", goValue(strMap(s.options))],
    ]),
  flocker: (w, s) => rows(w, [["Type", "Flocker (a Flocker volume mounted by the Flocker agent)"], ["DatasetName", str(s.datasetName)], ["DatasetUUID", str(s.datasetUUID)]]),
  projected: (w, s) => {
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
  },
  csi: (w, s, holder) => {
    rows(w, [
      ["Type", "CSI (a Container Storage Interface (CSI) volume source)"],
      ["Driver", str(s.driver)],
      ["FSType", str(s.fsType)],
      ...(holder === "persistentVolume" ? [["VolumeHandle", str(s.volumeHandle)] as const] : []),
      ["ReadOnly", bool(s.readOnly)],
    ]);
    printCsiAttributes(w, "VolumeAttributes", s.volumeAttributes);
  },
  image: (w, s) => rows(w, [["Type", "Image (a container image or OCI artifact)"], ["Reference", str(s.reference)], ["PullPolicy", str(s.pullPolicy)]]),
};

/** The sources `describeVolumes` tries, in kubectl's order: the first one set is printed. */
const POD_VOLUME_SOURCES = [
  "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "configMap", "nfs", "iscsi", "glusterfs",
  "persistentVolumeClaim", "ephemeral", "rbd", "quobyte", "downwardAPI", "azureDisk", "vsphereVolume", "cinder", "photonPersistentDisk",
  "portworxVolume", "scaleIO", "cephfs", "storageos", "fc", "azureFile", "flexVolume", "flocker", "projected", "csi", "image",
] as const;

/** The sources `describePersistentVolume` tries, in kubectl's order: the first one set is printed. */
const PERSISTENT_VOLUME_SOURCES = [
  "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "nfs", "iscsi", "glusterfs", "rbd", "quobyte", "vsphereVolume", "cinder",
  "azureDisk", "photonPersistentDisk", "portworxVolume", "scaleIO", "local", "cephfs", "storageos", "fc", "azureFile", "flexVolume",
  "flocker", "csi",
] as const;

/** Prints the first source of `sources` that `holder` sets, or `<unknown>`. */
function printSource(w: PrefixWriter, fields: J, sources: readonly string[], holder: Holder): void {
  const key = sources.find((k) => isSet(fields[k]));
  const print = key === undefined ? undefined : PRINTERS[key];
  if (key === undefined || print === undefined) w.write(LEVEL_1, "<unknown>\n");
  else print(w, obj(fields[key]), holder);
}

/** The `Type:` block of a PersistentVolume's source (the PV's `spec`), as `describePersistentVolume` prints it under `Source:`. */
export function describePersistentVolumeSource(w: PrefixWriter, spec: J): void {
  printSource(w, spec, PERSISTENT_VOLUME_SOURCES, "persistentVolume");
}

/** `describeVolumes`: each pod volume's name and source, or `<none>`. */
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
    printSource(w, v, POD_VOLUME_SOURCES, "pod");
  }
}
