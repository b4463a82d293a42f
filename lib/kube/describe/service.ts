/** `kubectl describe service`. */
import { joinHostPort } from "../_go-strings.ts";
import { type J, arr, isSet, obj, objs, str } from "../_json.ts";
import { formatLabels } from "../_labels.ts";
import type { KubeObject } from "../_types.ts";
import { type DescribeContext, readOptions } from "./_context.ts";
import { eventsFor, renderEvents } from "./_events.ts";
import { int, intOrString, partsOf, printLabelsAndAnnotations, printNameNamespace } from "./_format.ts";
import { LEVEL_0, tabbed } from "./_writer.ts";

/** Lists the Service's EndpointSlices (a failed list shows no endpoints) and events, then renders it. */
export async function describeService(svc: KubeObject, ctx: DescribeContext): Promise<string> {
  let slices: KubeObject[] = [];
  try {
    slices = await ctx.reader.list(
      { group: "discovery.k8s.io", resource: "endpointslices" },
      { namespace: svc.metadata.namespace ?? "", labelSelector: `kubernetes.io/service-name=${svc.metadata.name}`, ...readOptions(ctx) },
    );
  } catch (err) {
    if (ctx.signal?.aborted) throw err;
  }
  const events = await eventsFor(svc, ctx);
  return renderService(svc, slices, events, ctx.now);
}

/** `formatEndpointSlices`: up to three ready `ip:port` pairs for the named port, then `+ N more...`. */
export function formatEndpointSlices(slices: readonly KubeObject[], portName: string | null): string {
  if (slices.length === 0) return "<none>";
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const slice of slices as unknown as J[]) {
    const endpoints = objs(slice.endpoints);
    const ports = objs(slice.ports);
    const ready = (e: J) => !isSet(obj(e.conditions).ready) || obj(e.conditions).ready === true;
    if (ports.length === 0) {
      for (const e of endpoints) {
        if (list.length === max) more = true;
        if (!ready(e)) continue;
        if (!more) list.push(str(arr(e.addresses)[0]));
        count++;
      }
    } else {
      for (const port of ports) {
        if (portName !== null && str(port.name) !== portName) continue;
        for (const e of endpoints) {
          if (list.length === max) more = true;
          const addr = str(arr(e.addresses)[0]);
          if (!ready(e)) continue;
          if (!more) list.push(joinHostPort(addr, int(port.port)));
          count++;
        }
      }
    }
  }
  const joined = list.join(",");
  return more ? `${joined} + ${count - max} more...` : joined;
}

/** `describeService`. */
export function renderService(svc: KubeObject, slices: readonly KubeObject[], events: readonly KubeObject[] | null, now: number): string {
  const { meta, spec, status } = partsOf(svc);
  return tabbed((w) => {
    printNameNamespace(w, meta);
    printLabelsAndAnnotations(w, meta);
    w.write(LEVEL_0, `Selector:\t${formatLabels(spec.selector)}\n`);
    w.write(LEVEL_0, `Type:\t${str(spec.type)}\n`);
    if (isSet(spec.ipFamilyPolicy)) w.write(LEVEL_0, `IP Family Policy:\t${str(spec.ipFamilyPolicy)}\n`);
    const families = arr(spec.ipFamilies).map(str);
    w.write(LEVEL_0, `IP Families:\t${families.length > 0 ? families.join(",") : "<none>"}\n`);
    w.write(LEVEL_0, `IP:\t${str(spec.clusterIP)}\n`);
    const ips = arr(spec.clusterIPs).map(str);
    w.write(LEVEL_0, `IPs:\t${ips.length > 0 ? ips.join(",") : "<none>"}\n`);
    const external = arr(spec.externalIPs).map(str);
    if (external.length > 0) w.write(LEVEL_0, `External IPs:\t${external.join(",")}\n`);
    if (str(spec.loadBalancerIP) !== "") w.write(LEVEL_0, `Desired LoadBalancer IP:\t${str(spec.loadBalancerIP)}\n`);
    if (str(spec.externalName) !== "") w.write(LEVEL_0, `External Name:\t${str(spec.externalName)}\n`);
    const ingress = objs(obj(status.loadBalancer).ingress);
    if (ingress.length > 0) {
      const text = ingress
        .map((i) => (str(i.ip) !== "" ? `${str(i.ip)}${isSet(i.ipMode) ? ` (${str(i.ipMode)})` : ""}` : str(i.hostname)))
        .join(", ");
      w.write(LEVEL_0, `LoadBalancer Ingress:\t${text}\n`);
    }
    for (const sp of objs(spec.ports)) {
      const name = str(sp.name) === "" ? "<unset>" : str(sp.name);
      const protocol = str(sp.protocol);
      w.write(LEVEL_0, `Port:\t${name}\t${int(sp.port)}/${protocol}\n`);
      w.write(LEVEL_0, `TargetPort:\t${intOrString(sp.targetPort, "0")}/${protocol}\n`);
      if (typeof sp.nodePort === "number" && sp.nodePort !== 0) w.write(LEVEL_0, `NodePort:\t${name}\t${int(sp.nodePort)}/${protocol}\n`);
      w.write(LEVEL_0, `Endpoints:\t${formatEndpointSlices(slices, str(sp.name))}\n`);
    }
    w.write(LEVEL_0, `Session Affinity:\t${str(spec.sessionAffinity)}\n`);
    if (str(spec.externalTrafficPolicy) !== "") w.write(LEVEL_0, `External Traffic Policy:\t${str(spec.externalTrafficPolicy)}\n`);
    if (isSet(spec.internalTrafficPolicy)) w.write(LEVEL_0, `Internal Traffic Policy:\t${str(spec.internalTrafficPolicy)}\n`);
    if (typeof spec.healthCheckNodePort === "number" && spec.healthCheckNodePort !== 0) w.write(LEVEL_0, `HealthCheck NodePort:\t${int(spec.healthCheckNodePort)}\n`);
    const ranges = arr(spec.loadBalancerSourceRanges).map(str);
    if (ranges.length > 0) w.write(LEVEL_0, `LoadBalancer Source Ranges:\t${ranges.join(",")}\n`);
    if (events) renderEvents(w, events, now);
  });
}
