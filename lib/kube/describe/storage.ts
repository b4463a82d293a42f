/** `kubectl describe persistentvolumeclaim`, `persistentvolume` and `storageclass`. */
import { ageSince } from "../_age.ts";
import { type J, arr, isSet, obj, objs, str, strMap } from "../_json.ts";
import { formatLabels } from "../_labels.ts";
import type { KubeObject } from "../_types.ts";
import { type DescribeContext, type Describer, readOptions } from "./_context.ts";
import { describeWithEvents, eventsFor, renderEvents } from "./_events.ts";
import { goValue, partsOf, printLabelsAndAnnotations, printMultiline, printPodsMultiline, rfc1123z } from "./_format.ts";
import { canonicalQuantity } from "./_quantity.ts";
import { accessModes, describePersistentVolumeSource, printPersistentVolumeClaim, storageClassOf } from "./_volumes.ts";
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
  const events = await eventsFor(pvc, ctx);
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
export const describePersistentVolume: Describer = describeWithEvents(renderPersistentVolume);

/**
 * `printNodeSelectorTermsMultilineWithIndent` and
 * `printTopologySelectorTermsMultilineWithIndent`: `key operator [v1, v2]` per
 * requirement (node selector operators lower-cased; topology requirements
 * have no operator field and always print `in`).
 */
function printRequirementsMultiline(w: PrefixWriter, level: number, title: string, reqs: J[], operator: (r: J) => string): void {
  const exprs = reqs.map((r) => {
    const values = arr(r.values).map(str);
    return `${str(r.key)} ${operator(r)}${values.length > 0 ? ` [${values.join(", ")}]` : ""}`;
  });
  printMultiline(w, level, `${title}:\t`, "\t", exprs);
}

/** `describePersistentVolume`. */
export function renderPersistentVolume(pv: KubeObject, events: readonly KubeObject[] | null, now: number): string {
  const { o, meta, spec, status } = partsOf(pv);
  return tabbed((w) => {
    w.write(LEVEL_0, `Name:\t${str(meta.name)}\n`);
    printLabelsAndAnnotations(w, meta);
    w.write(LEVEL_0, `Finalizers:\t${goValue(arr(meta.finalizers).map(str))}\n`);
    w.write(LEVEL_0, `StorageClass:\t${storageClassOf(o)}\n`);
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
        terms.forEach((t, i) => printRequirementsMultiline(w, LEVEL_2, `Term ${i}`, objs(t.matchExpressions), (r) => str(r.operator).toLowerCase()));
      }
    }
    w.write(LEVEL_0, `Message:\t${str(status.message)}\n`);
    w.write(LEVEL_0, "Source:\n");
    describePersistentVolumeSource(w, spec);
    if (events) renderEvents(w, events, now);
  });
}

/** Fetches the class's events and renders it. */
export const describeStorageClass: Describer = describeWithEvents(renderStorageClass);

/** `describeStorageClass`. */
export function renderStorageClass(sc: KubeObject, events: readonly KubeObject[] | null, now: number): string {
  const { o, meta } = partsOf(sc);
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
        terms.forEach((t, i) => printRequirementsMultiline(w, LEVEL_1, `Term ${i}`, objs(t.matchLabelExpressions), () => "in"));
      }
    }
    if (events) renderEvents(w, events, now);
  });
}
