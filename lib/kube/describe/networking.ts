/** `kubectl describe ingress` (networking.k8s.io/v1) and `kubectl describe ingressclass`. */
import { sortedStrings } from "../_gosort.ts";
import { type J, arr, isSet, obj, objs, str } from "../_json.ts";
import type { KubeObject } from "../_types.ts";
import { type DescribeContext, type Describer, readOptions } from "./_context.ts";
import { errorText } from "./_controller.ts";
import { describeWithEvents, eventsFor, renderEvents } from "./_events.ts";
import { int, partsOf, printAnnotationsMultiline, printLabelsAndAnnotations, printLabelsMultiline, printTypedReference } from "./_format.ts";
import { LEVEL_0, LEVEL_1, LEVEL_2, tabbed } from "./_writer.ts";
import { formatEndpointSlices } from "./service.ts";

/** `serviceBackendStringer`: `name:port`. */
function serviceBackend(svc: J): string {
  const port = obj(svc.port);
  const number = typeof port.number === "number" ? port.number : 0;
  return `${str(svc.name)}:${number !== 0 ? int(number) : str(port.name)}`;
}

/**
 * `describeBackendV1`: a service backend with its ready endpoints (reading the
 * Service and its EndpointSlices; a failed read prints `(<error: ...>)`), or a
 * resource backend.
 */
export async function describeIngressBackend(ctx: DescribeContext, namespace: string, backend: J): Promise<string> {
  if (isSet(backend.service)) {
    const svcRef = obj(backend.service);
    const sb = serviceBackend(svcRef);
    const name = str(svcRef.name);
    let slices: KubeObject[];
    let svc: KubeObject | null;
    try {
      slices = await ctx.reader.list({ group: "discovery.k8s.io", resource: "endpointslices" }, { namespace, labelSelector: `kubernetes.io/service-name=${name}`, ...readOptions(ctx) });
      svc = await ctx.reader.get({ group: "", resource: "services" }, name, namespace, ctx.signal);
    } catch (err) {
      if (ctx.signal?.aborted) throw err;
      return `${sb} (<error: ${errorText(err)}>)`;
    }
    if (!svc) return `${sb} (<error: services "${name}" not found>)`;
    const port = obj(svcRef.port);
    const number = typeof port.number === "number" ? port.number : 0;
    let spName = "";
    for (const sp of objs(obj(svc.spec).ports)) {
      if (number !== 0 && number === sp.port) spName = str(sp.name);
      else if (str(port.name).length > 0 && str(port.name) === str(sp.name)) spName = str(sp.name);
    }
    return `${sb} (${formatEndpointSlices(slices, spName)})`;
  }
  if (isSet(backend.resource)) {
    const r = obj(backend.resource);
    return `APIGroup: ${isSet(r.apiGroup) ? str(r.apiGroup) : "<none>"}, Kind: ${str(r.kind)}, Name: ${str(r.name)}`;
  }
  return "";
}

/** What `kubectl describe ingress` resolves besides the Ingress: each backend's text, in rule order. */
export interface IngressBackends {
  /** The default backend's text, or null when the Ingress has none. */
  defaultBackend: string | null;
  /** One list per rule with an `http` section, one text per path. */
  rules: string[][];
}

/** Resolves the Ingress's backends and events, then renders it. */
export async function describeIngress(ing: KubeObject, ctx: DescribeContext): Promise<string> {
  const spec = obj(ing.spec);
  const ns = ing.metadata.namespace ?? "";
  const events = await eventsFor(ing, ctx);
  const defaultBackend = isSet(spec.defaultBackend) ? await describeIngressBackend(ctx, ns, obj(spec.defaultBackend)) : null;
  const rules: string[][] = [];
  for (const rule of objs(spec.rules)) {
    if (!isSet(rule.http)) continue;
    const paths: string[] = [];
    for (const p of objs(obj(rule.http).paths)) paths.push(await describeIngressBackend(ctx, ns, obj(p.backend)));
    rules.push(paths);
  }
  return renderIngress(ing, { defaultBackend, rules }, events, ctx.now);
}

/** `describeIngressV1`. */
export function renderIngress(ing: KubeObject, backends: IngressBackends, events: readonly KubeObject[] | null, now: number): string {
  const { o, meta, spec } = partsOf(ing);
  return tabbed((w) => {
    w.write(LEVEL_0, `Name:\t${str(meta.name)}\n`);
    printLabelsMultiline(w, "Labels", meta.labels);
    w.write(LEVEL_0, `Namespace:\t${str(meta.namespace)}\n`);
    const addresses = new Set<string>();
    for (const i of objs(obj(obj(o.status).loadBalancer).ingress)) {
      if (str(i.ip) !== "") addresses.add(str(i.ip));
      else if (str(i.hostname) !== "") addresses.add(str(i.hostname));
    }
    w.write(LEVEL_0, `Address:\t${sortedStrings(addresses).join(",")}\n`);
    w.write(LEVEL_0, `Ingress Class:\t${isSet(spec.ingressClassName) ? str(spec.ingressClassName) : "<none>"}\n`);
    const def = backends.defaultBackend ?? "<default>";
    w.write(LEVEL_0, `Default backend:\t${def}\n`);
    const tls = objs(spec.tls);
    if (tls.length > 0) {
      w.write(LEVEL_0, "TLS:\n");
      for (const t of tls) {
        const hosts = arr(t.hosts).map(str).join(",");
        if (str(t.secretName) === "") w.write(LEVEL_1, `SNI routes ${hosts}\n`);
        else w.write(LEVEL_1, `${str(t.secretName)} terminates ${hosts}\n`);
      }
    }
    w.write(LEVEL_0, "Rules:\n  Host\tPath\tBackends\n");
    w.write(LEVEL_1, "----\t----\t--------\n");
    let count = 0;
    for (const rule of objs(spec.rules)) {
      if (!isSet(rule.http)) continue;
      const texts = backends.rules[count] ?? [];
      count++;
      w.write(LEVEL_1, `${str(rule.host) === "" ? "*" : str(rule.host)}\t\n`);
      objs(obj(rule.http).paths).forEach((p, i) => w.write(LEVEL_2, `\t${str(p.path)} \t${texts[i] ?? ""}\n`));
    }
    if (count === 0) w.write(LEVEL_1, `*\t*\t${def}\n`);
    printAnnotationsMultiline(w, "Annotations", meta.annotations);
    if (events) renderEvents(w, events, now);
  });
}

/** Fetches the IngressClass's events and renders it. */
export const describeIngressClass: Describer = describeWithEvents(renderIngressClass);

/** `describeIngressClassV1`. */
export function renderIngressClass(ic: KubeObject, events: readonly KubeObject[] | null, now: number): string {
  const { meta, spec } = partsOf(ic);
  return tabbed((w) => {
    w.write(LEVEL_0, `Name:\t${str(meta.name)}\n`);
    printLabelsAndAnnotations(w, meta);
    w.write(LEVEL_0, `Controller:\t${str(spec.controller)}\n`);
    if (isSet(spec.parameters)) printTypedReference(w, "Parameters", obj(spec.parameters));
    if (events) renderEvents(w, events, now);
  });
}
