/**
 * The `pvc-pending` analyzer: PersistentVolumeClaims that stay unbound. A
 * pod using such a claim cannot start, and the pod only says "unbound
 * immediate PersistentVolumeClaims"; the claim's own events say why (no
 * StorageClass, a provisioner failing or not running, no matching PV).
 *
 * - `PVCPending`: phase Pending for more than 60 seconds.
 *
 * A claim whose StorageClass binds on first use (WaitForFirstConsumer) is
 * Pending by design until a pod uses it: not reported.
 */
import type { KubeObject } from "../../lib/kube/index.ts";
import { type Finding, age, confirm, defineAnalyzer, eventLine, finding, phaseOf, type Snapshot } from "../../lib/diagnose/index.ts";

/** How long a claim may be Pending before it is reported. */
const GRACE_MS = 60_000;

const oneLine = (s: unknown): string => String(s ?? "").replace(/\s+/g, " ").trim();

/** Pods in the namespace that mount the claim. */
function consumersOf(snapshot: Snapshot, pvc: KubeObject): KubeObject[] {
  return snapshot.inNamespace("pods", pvc.metadata.namespace ?? "").filter((p) => {
    const volumes = ((p.spec ?? {}) as { volumes?: unknown }).volumes;
    return Array.isArray(volumes) && volumes.some((v) => (v as { persistentVolumeClaim?: { claimName?: unknown } } | null)?.persistentVolumeClaim?.claimName === pvc.metadata.name);
  });
}

export const pvcPending = defineAnalyzer({
  id: "pvc-pending",
  description: "PersistentVolumeClaims Pending for more than a minute, with the provisioning or binding errors",
  codes: { PVCPending: "critical" },
  kinds: ["persistentvolumeclaims", "events", "pods"],
  analyze(snapshot, ctx) {
    const findings: Finding[] = [];
    for (const pvc of snapshot.list("persistentvolumeclaims")) {
      if (phaseOf(pvc) !== "Pending" || pvc.metadata.deletionTimestamp) continue;
      const ns = pvc.metadata.namespace ?? "";
      const name = pvc.metadata.name;
      const created = typeof pvc.metadata.creationTimestamp === "string" ? Date.parse(pvc.metadata.creationTimestamp) : Number.NaN;
      const pendingMs = Number.isFinite(created) ? ctx.now - created : Number.NaN;
      if (pendingMs < GRACE_MS) continue;
      const events = snapshot.eventsFor("PersistentVolumeClaim", ns, name);
      const warnings = events.filter((e) => e.type === "Warning");
      // Binding waits for a pod on purpose (volumeBindingMode: WaitForFirstConsumer), until the
      // scheduler picks a node for one (the selected-node annotation) and provisioning starts.
      const waitsForConsumer = events.some((e) => e.reason === "WaitForFirstConsumer" || /waiting for first consumer/i.test(String(e.message ?? "")));
      if (waitsForConsumer && warnings.length === 0 && !pvc.metadata.annotations?.["volume.kubernetes.io/selected-node"]) continue;

      const spec = (pvc.spec ?? {}) as { storageClassName?: unknown; accessModes?: unknown; resources?: { requests?: { storage?: unknown } }; volumeName?: unknown; selector?: unknown };
      const sc = spec.storageClassName;
      const size = spec.resources?.requests?.storage;
      const modes = Array.isArray(spec.accessModes) ? spec.accessModes.map(String) : [];
      const external = events.find((e) => e.reason === "ExternalProvisioning");
      const consumers = consumersOf(snapshot, pvc)
        .map((p) => `${p.metadata.name} (${phaseOf(p) || "Unknown"})`)
        .sort();
      const classLine =
        typeof sc === "string" && sc !== ""
          ? `storage class: ${sc}`
          : sc === ""
            ? 'storageClassName "" (static binding only: needs a matching PersistentVolume)'
            : "no storage class (none set and no default StorageClass assigned one)";
      const evidence = [
        classLine,
        `requested ${typeof size === "string" || typeof size === "number" ? String(size) : "?"}, access modes ${modes.length ? modes.join(",") : "?"}${typeof spec.volumeName === "string" && spec.volumeName ? `, wants volume ${spec.volumeName}` : ""}`,
        ...warnings.slice(0, 4).map((e) => eventLine(e, ctx.now)),
        ...(warnings.length === 0 && external ? [eventLine(external, ctx.now)] : []),
        ...(consumers.length ? [`used by pod${consumers.length > 1 ? "s" : ""} ${consumers.slice(0, 5).join(", ")}${consumers.length > 5 ? `, +${consumers.length - 5} more` : ""}`] : []),
      ];
      const messages = warnings.map((e) => oneLine(e.message));
      const missingClass = messages.map((m) => /storageclass\.storage\.k8s\.io "([^"]+)" not found/i.exec(m)?.[1]).find(Boolean);
      let hint: string;
      if (missingClass) hint = `StorageClass ${missingClass} does not exist: create it or set spec.storageClassName to an existing class (a claim's class cannot be changed: recreate the claim).`;
      else if (warnings.some((e) => e.reason === "ProvisioningFailed")) hint = "The provisioner fails to create the volume: read its error above (quota, permissions, zone, parameters) and the logs of the CSI driver's controller pods.";
      else if (external && warnings.length === 0) hint = "The claim waits for an external provisioner that does nothing: check that the CSI driver named in the event is installed and its controller pods run.";
      else if (sc === "" || warnings.some((e) => e.reason === "FailedBinding")) hint = "No PersistentVolume matches the claim: create one with at least the requested size, the same access modes and storage class (and labels, if the claim has a selector), or use a StorageClass that provisions.";
      else if (sc === undefined || sc === null) hint = "The claim names no StorageClass and the cluster has no default one: set spec.storageClassName, mark a class default, or create a matching PersistentVolume.";
      else hint = `Check that StorageClass ${String(sc)} exists and its provisioner runs; the claim's events say why it is not bound.`;
      findings.push(
        finding("pvc-pending", {
          code: "PVCPending",
          severity: "critical",
          kind: "PersistentVolumeClaim",
          namespace: ns,
          name,
          title: `PersistentVolumeClaim ${name} is Pending${Number.isFinite(pendingMs) ? ` for ${age(pendingMs)}` : ""}`,
          evidence,
          confirm: [confirm.describe("pvc", name, ns), confirm.events("PersistentVolumeClaim", name, ns), ["get", "storageclass"], ...(sc === "" || warnings.some((e) => e.reason === "FailedBinding") ? [["get", "pv"]] : [])],
          hint,
        }),
      );
    }
    return findings;
  },
});

export default pvcPending;
