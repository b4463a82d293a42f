/** `kubectl describe endpoints` and `kubectl describe endpointslice`. */
import { type J, arr, isSet, obj, objs, str } from "../_json.ts";
import type { KubeObject } from "../_types.ts";
import type { Describer } from "./_context.ts";
import { describeWithEvents, renderEvents } from "./_events.ts";
import { int, partsOf, printLabelsAndAnnotations, printNameNamespace } from "./_format.ts";
import { LEVEL_0, LEVEL_1, LEVEL_2, LEVEL_3, tabbed } from "./_writer.ts";

/** Fetches the Endpoints' events and renders them. */
export const describeEndpoints: Describer = describeWithEvents(renderEndpoints);

/** `describeEndpoints`. */
export function renderEndpoints(ep: KubeObject, events: readonly KubeObject[] | null, now: number): string {
  const meta = obj((ep as unknown as J).metadata);
  return tabbed((w) => {
    printNameNamespace(w, meta);
    printLabelsAndAnnotations(w, meta);
    w.write(LEVEL_0, "Subsets:\n");
    for (const subset of objs((ep as unknown as J).subsets)) {
      const addresses = objs(subset.addresses).map((a) => str(a.ip)).join(",");
      w.write(LEVEL_1, `Addresses:\t${addresses === "" ? "<none>" : addresses}\n`);
      const notReady = objs(subset.notReadyAddresses).map((a) => str(a.ip)).join(",");
      w.write(LEVEL_1, `NotReadyAddresses:\t${notReady === "" ? "<none>" : notReady}\n`);
      const ports = objs(subset.ports);
      if (ports.length > 0) {
        w.write(LEVEL_1, "Ports:\n");
        w.write(LEVEL_2, "Name\tPort\tProtocol\n");
        w.write(LEVEL_2, "----\t----\t--------\n");
        for (const p of ports) w.write(LEVEL_2, `${str(p.name) === "" ? "<unset>" : str(p.name)}\t${int(p.port)}\t${str(p.protocol)}\n`);
      }
      w.write(LEVEL_0, "\n");
    }
    if (events) renderEvents(w, events, now);
  });
}

/** Fetches the EndpointSlice's events and renders it. */
export const describeEndpointSlice: Describer = describeWithEvents(renderEndpointSlice);

/** `describeEndpointSliceV1`. */
export function renderEndpointSlice(slice: KubeObject, events: readonly KubeObject[] | null, now: number): string {
  const { o, meta } = partsOf(slice);
  return tabbed((w) => {
    printNameNamespace(w, meta);
    printLabelsAndAnnotations(w, meta);
    w.write(LEVEL_0, `AddressType:\t${str(o.addressType)}\n`);
    const ports = objs(o.ports);
    if (ports.length === 0) w.write(LEVEL_0, "Ports: <unset>\n");
    else {
      w.write(LEVEL_0, "Ports:\n");
      w.write(LEVEL_1, "Name\tPort\tProtocol\n");
      w.write(LEVEL_1, "----\t----\t--------\n");
      for (const p of ports) {
        const name = str(p.name) !== "" ? str(p.name) : "<unset>";
        const port = isSet(p.port) ? int(p.port) : "<unset>";
        w.write(LEVEL_1, `${name}\t${port}\t${str(p.protocol)}\n`);
      }
    }
    const endpoints = objs(o.endpoints);
    if (endpoints.length === 0) w.write(LEVEL_0, "Endpoints: <none>\n");
    else {
      w.write(LEVEL_0, "Endpoints:\n");
      for (const e of endpoints) {
        const addresses = arr(e.addresses).map(str).join(", ");
        w.write(LEVEL_1, `- Addresses:\t${addresses === "" ? "<none>" : addresses}\n`);
        w.write(LEVEL_2, "Conditions:\n");
        const ready = obj(e.conditions).ready;
        w.write(LEVEL_3, `Ready:\t${isSet(ready) ? String(ready === true) : "<unset>"}\n`);
        w.write(LEVEL_2, `Hostname:\t${isSet(e.hostname) ? str(e.hostname) : "<unset>"}\n`);
        if (isSet(e.targetRef)) w.write(LEVEL_2, `TargetRef:\t${str(obj(e.targetRef).kind)}/${str(obj(e.targetRef).name)}\n`);
        w.write(LEVEL_2, `NodeName:\t${isSet(e.nodeName) ? str(e.nodeName) : "<unset>"}\n`);
        w.write(LEVEL_2, `Zone:\t${isSet(e.zone) ? str(e.zone) : "<unset>"}\n`);
      }
    }
    if (events) renderEvents(w, events, now);
  });
}
