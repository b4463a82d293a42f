import { describe, expect, test } from "bun:test";
import { pvcPending } from "../../../plugins/analyzers/pvc-pending.ts";
import type { KubeObject } from "../../../lib/kube/index.ts";
import { ago, expectWellFormed, findingsOf } from "../../_analyzers.ts";

const NS = "data";

function pvc(name: string, o: { phase?: string | null; storageClassName?: string | null; created?: number; size?: string; modes?: string[]; volumeName?: string } = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name, namespace: NS, uid: `uid-${name}`, creationTimestamp: ago(o.created ?? 600), finalizers: ["kubernetes.io/pvc-protection"] },
    spec: {
      accessModes: o.modes ?? ["ReadWriteOnce"],
      resources: { requests: { storage: o.size ?? "10Gi" } },
      ...(o.storageClassName === null ? {} : { storageClassName: o.storageClassName ?? "standard" }),
      ...(o.volumeName ? { volumeName: o.volumeName } : {}),
      volumeMode: "Filesystem",
    },
    ...(o.phase === null ? {} : { status: o.phase === "Bound" ? { phase: "Bound", accessModes: ["ReadWriteOnce"], capacity: { storage: "10Gi" } } : { phase: o.phase ?? "Pending" } }),
  };
}

function event(pvcName: string, type: "Normal" | "Warning", reason: string, message: string, count = 1, last = 15): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: `${pvcName}.${reason}`, namespace: NS },
    involvedObject: { kind: "PersistentVolumeClaim", namespace: NS, name: pvcName, apiVersion: "v1" },
    type,
    reason,
    message,
    source: { component: "persistentvolume-controller" },
    count,
    firstTimestamp: ago(600),
    lastTimestamp: ago(last),
  };
}

function consumer(name: string, claim: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NS },
    spec: { containers: [{ name: "db", image: "postgres:16" }], volumes: [{ name: "data", persistentVolumeClaim: { claimName: claim } }, { name: "tmp", emptyDir: {} }] },
    status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: 'pod has unbound immediate PersistentVolumeClaims. not found' }] },
  };
}

describe("pvc-pending", () => {
  test("Bound claims, young Pending claims and claims without status give nothing", async () => {
    expect(await findingsOf(pvcPending, [pvc("bound", { phase: "Bound" }), pvc("young", { created: 45 }), pvc("nostatus", { phase: null }), pvc("lost", { phase: "Lost" })])).toEqual([]);
  });

  test("WaitForFirstConsumer is Pending by design", async () => {
    const objs = [pvc("wffc", { created: 7200 }), event("wffc", "Normal", "WaitForFirstConsumer", "waiting for first consumer to be created before binding", 200)];
    expect(await findingsOf(pvcPending, objs)).toEqual([]);
  });

  test("WaitForFirstConsumer whose provisioning then fails is reported", async () => {
    const claim = pvc("wffc", { created: 7200, storageClassName: "zonal" });
    claim.metadata.annotations = { "volume.kubernetes.io/selected-node": "node-b" };
    const objs = [
      claim,
      event("wffc", "Normal", "WaitForFirstConsumer", "waiting for first consumer to be created before binding", 200, 900),
      event("wffc", "Warning", "ProvisioningFailed", 'failed to provision volume with StorageClass "zonal": no capacity in zone eu-west-1c', 7),
    ];
    const [f, ...rest] = await findingsOf(pvcPending, objs);
    expect(rest).toEqual([]);
    expect(f!.evidence[2]).toContain("no capacity in zone eu-west-1c");
  });

  test("PVCPending: StorageClass not found, with the consuming pod", async () => {
    const objs = [
      pvc("pg-data-0", { storageClassName: "fast-ssd", size: "50Gi" }),
      event("pg-data-0", "Warning", "ProvisioningFailed", 'storageclass.storage.k8s.io "fast-ssd" not found', 42),
      consumer("pg-0", "pg-data-0"),
      consumer("unrelated", "other"),
    ];
    const findings = await findingsOf(pvcPending, objs);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({
      id: "pvc-pending/PVCPending/data/PersistentVolumeClaim/pg-data-0",
      code: "PVCPending",
      severity: "critical",
      namespace: NS,
      resource: { kind: "PersistentVolumeClaim", name: "pg-data-0" },
      title: "PersistentVolumeClaim pg-data-0 is Pending for 10m",
    });
    expect(f.evidence).toEqual([
      "storage class: fast-ssd",
      "requested 50Gi, access modes ReadWriteOnce",
      'Warning ProvisioningFailed (x42 over 10m, last 15s ago): storageclass.storage.k8s.io "fast-ssd" not found',
      "used by pod pg-0 (Pending)",
    ]);
    expect(f.hint).toContain("StorageClass fast-ssd does not exist");
    expect(f.confirm).toEqual([
      ["describe", "pvc", "pg-data-0", "-n", NS],
      ["events", "-n", NS, "--for", "persistentvolumeclaim/pg-data-0"],
      ["get", "storageclass"],
    ]);
    await expectWellFormed(pvcPending, findings);
  });

  test("PVCPending: provisioner error", async () => {
    const msg = 'failed to provision volume with StorageClass "standard": rpc error: code = ResourceExhausted desc = Quota exceeded for quota metric \'SSD_TOTAL_GB\'';
    const [f] = await findingsOf(pvcPending, [pvc("logs", { modes: ["ReadWriteOnce", "ReadWriteOncePod"] }), event("logs", "Warning", "ProvisioningFailed", msg, 5)]);
    expect(f!.evidence.slice(0, 2)).toEqual(["storage class: standard", "requested 10Gi, access modes ReadWriteOnce,ReadWriteOncePod"]);
    expect(f!.evidence[2]).toContain("ResourceExhausted");
    expect(f!.hint).toContain("provisioner fails");
    await expectWellFormed(pvcPending, [f!]);
  });

  test("PVCPending: an external provisioner that never answers", async () => {
    const msg = "Waiting for a volume to be created either by the external provisioner 'ebs.csi.aws.com' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.";
    const [f] = await findingsOf(pvcPending, [pvc("cache", { storageClassName: "gp3" }), event("cache", "Normal", "ExternalProvisioning", msg, 60)]);
    expect(f!.evidence[2]).toBe(`Normal ExternalProvisioning (x60 over 10m, last 15s ago): ${msg}`);
    expect(f!.hint).toContain("external provisioner");
  });

  test("PVCPending: static binding with no matching PV", async () => {
    const [f] = await findingsOf(pvcPending, [pvc("static", { storageClassName: "", modes: ["ReadWriteMany"] }), event("static", "Warning", "FailedBinding", "no persistent volumes available for this claim and no storage class is set", 30)]);
    expect(f!.evidence[0]).toBe('storageClassName "" (static binding only: needs a matching PersistentVolume)');
    expect(f!.hint).toContain("No PersistentVolume matches");
    expect(f!.confirm).toContainEqual(["get", "pv"]);
    await expectWellFormed(pvcPending, [f!]);
  });

  test("PVCPending: no storage class and no events", async () => {
    const [f] = await findingsOf(pvcPending, [pvc("orphan", { storageClassName: null, created: 3 * 3600, volumeName: "pv-001" })]);
    expect(f!.title).toBe("PersistentVolumeClaim orphan is Pending for 3h");
    expect(f!.evidence).toEqual(["no storage class (none set and no default StorageClass assigned one)", "requested 10Gi, access modes ReadWriteOnce, wants volume pv-001"]);
    expect(f!.hint).toContain("no default one");
  });

  test("malformed spec does not throw", async () => {
    const odd = { ...pvc("odd"), spec: { accessModes: "RWO", resources: null } } as KubeObject;
    const [f] = await findingsOf(pvcPending, [odd]);
    expect(f!.evidence[1]).toBe("requested ?, access modes ?");
  });
});
