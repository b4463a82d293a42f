/** Builders for Services and the Endpoints / EndpointSlices the controllers derive from them. */
import { type KubeObject, hexOf } from "./_k8s.ts";
import { type BuildContext, ago, controllerRef, objectMeta } from "./_objects.ts";

/** Inputs of {@link service}. */
export interface ServiceInput {
  namespace: string;
  name: string;
  labels?: Record<string, string>;
  createdAgo: number;
  clusterIP: string;
  type?: "ClusterIP" | "NodePort" | "LoadBalancer";
  selector?: Record<string, string>;
  ports: { name?: string; port: number; targetPort: number | string; protocol?: string; nodePort?: number }[];
}

/** A Service. */
export function service(ctx: BuildContext, s: ServiceInput): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: objectMeta(ctx, "Service", s.name, s.namespace, s.createdAgo, s.labels ? { labels: s.labels } : {}),
    spec: {
      clusterIP: s.clusterIP,
      clusterIPs: [s.clusterIP],
      internalTrafficPolicy: "Cluster",
      ipFamilies: ["IPv4"],
      ipFamilyPolicy: "SingleStack",
      ports: s.ports.map((p) => ({ ...p, protocol: p.protocol ?? "TCP" })),
      ...(s.selector ? { selector: s.selector } : {}),
      sessionAffinity: "None",
      type: s.type ?? "ClusterIP",
    },
    status: { loadBalancer: {} },
  };
}

/**
 * The Endpoints the endpoints controller would write for `svc`: ready pods as
 * addresses, unready ones as notReadyAddresses, no subsets when nothing matches.
 */
export function endpointsFor(ctx: BuildContext, svc: KubeObject, pods: KubeObject[], explicit?: { ip: string; port: number; name: string }[]): KubeObject {
  const spec = svc.spec as { ports: { name?: string; targetPort: number | string; protocol: string; port: number }[] };
  const toAddress = (p: KubeObject) => {
    const st = p.status as { podIP: string };
    const sp = p.spec as { nodeName: string };
    return { ip: st.podIP, nodeName: sp.nodeName, targetRef: { kind: "Pod", name: p.metadata.name, namespace: p.metadata.namespace, uid: p.metadata.uid } };
  };
  const isReady = (p: KubeObject) => ((p.status as { conditions?: { type: string; status: string }[] }).conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
  const scheduled = pods.filter((p) => (p.status as { podIP?: string }).podIP);
  const ready = scheduled.filter(isReady).map(toAddress);
  const notReady = scheduled.filter((p) => !isReady(p)).map(toAddress);
  const ports = spec.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: typeof p.targetPort === "number" ? p.targetPort : p.port, protocol: p.protocol }));
  const subsets = explicit
    ? [{ addresses: explicit.map((e) => ({ ip: e.ip })), ports: explicit.map((e) => ({ name: e.name, port: e.port, protocol: "TCP" })) }]
    : ready.length || notReady.length
      ? [{ ...(ready.length ? { addresses: ready } : {}), ...(notReady.length ? { notReadyAddresses: notReady } : {}), ports }]
      : undefined;
  return {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: objectMeta(ctx, "Endpoints", svc.metadata.name, svc.metadata.namespace, 0, {
      creationTimestamp: svc.metadata.creationTimestamp,
      ...(svc.metadata.labels ? { labels: svc.metadata.labels } : {}),
      ...(explicit ? {} : { annotations: { "endpoints.kubernetes.io/last-change-trigger-time": ago(ctx, 900) } }),
    }),
    ...(subsets ? { subsets } : {}),
  };
}

/** The EndpointSlice the endpointslice controller mirrors from `ep` (describe service reads slices). */
export function endpointSliceFor(ctx: BuildContext, svc: KubeObject, ep: KubeObject): KubeObject {
  type Addr = { ip: string; nodeName?: string; targetRef?: object };
  const subsets = (ep.subsets ?? []) as { addresses?: Addr[]; notReadyAddresses?: Addr[]; ports?: { name?: string; port: number; protocol: string }[] }[];
  const toEndpoint = (a: Addr, ready: boolean) => ({
    addresses: [a.ip],
    conditions: { ready, serving: ready, terminating: false },
    ...(a.nodeName ? { nodeName: a.nodeName } : {}),
    ...(a.targetRef ? { targetRef: a.targetRef } : {}),
  });
  const endpoints = subsets.flatMap((s) => [...(s.addresses ?? []).map((a) => toEndpoint(a, true)), ...(s.notReadyAddresses ?? []).map((a) => toEndpoint(a, false))]);
  const ports = subsets[0]?.ports ?? [];
  const svcName = svc.metadata.name;
  const managedBy = svcName === "kubernetes" && svc.metadata.namespace === "default" ? "" : "endpointslice-controller.k8s.io";
  const name = managedBy ? `${svcName}-${hexOf(`slice:${svc.metadata.uid}`, 5).replace(/[0-9]/g, (d) => "bcdfghjklm"[Number(d)] ?? "x")}` : svcName;
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: objectMeta(ctx, "EndpointSlice", name, svc.metadata.namespace, 0, {
      creationTimestamp: svc.metadata.creationTimestamp,
      ...(managedBy ? { generateName: `${svcName}-` } : {}),
      labels: {
        ...(svc.metadata.labels ?? {}),
        "kubernetes.io/service-name": svcName,
        ...(managedBy ? { "endpointslice.kubernetes.io/managed-by": managedBy } : {}),
      },
      ...(managedBy ? { ownerReferences: [{ ...controllerRef(svc), apiVersion: "v1" }] } : {}),
    }),
    addressType: "IPv4",
    endpoints: endpoints.length ? endpoints : null,
    ports: ports.length ? ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol })) : null,
  };
}
