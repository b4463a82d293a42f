/**
 * `kubectl events` natively: core/v1 events of a namespace (or all), narrowed
 * by `--for TYPE/NAME` (a field selector on the resolved kind) and
 * `--types`, printed by lib/kube/print/events.ts as kubectl prints them.
 */
import { apiVersionOf } from "../discovery.ts";
import { eventsForFieldSelector, eventsOutputFormatError, parseEventsFor, renderEvents, renderEventsName, renderEventsOutput, validateEventTypes } from "../print/events.ts";
import { type NativeCommand, errorText, failed, flag, namespaceOf, on } from "./_io.ts";
import { emit } from "./info.ts";

export const events: NativeCommand = async (cmd, io) => {
  const output = cmd.output ?? "";
  const badOutput = eventsOutputFormatError(output);
  if (badOutput) return failed(`error: ${badOutput}`);
  const types = (flag(cmd, "types") ?? "").split(",").filter(Boolean);
  const badTypes = validateEventTypes(types);
  if (badTypes) return failed(`error: ${badTypes}`);
  const namespace = namespaceOf(cmd, io);
  try {
    let fieldSelector: string | null = null;
    const target = flag(cmd, "for");
    if (target !== undefined) {
      const parsed = parseEventsFor(target);
      if ("error" in parsed) return failed(`error: ${parsed.error}`);
      const r = await io.client.discovery.resolve(parsed.resource, io.signal);
      if (!r) return failed(`error: the server doesn't have a resource type "${parsed.resource}"`);
      fieldSelector = eventsForFieldSelector({ kind: r.kind, apiVersion: apiVersionOf(r), name: parsed.name });
    }
    const path = cmd.allNamespaces ? "/api/v1/events" : `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`;
    const { items, truncated } = await io.client.listPath(path, { ...(fieldSelector ? { fieldSelector } : {}), signal: io.signal });
    if (truncated) io.markTruncated();
    const options = { namespace, allNamespaces: cmd.allNamespaces, types };
    if (output === "json" || output === "yaml") return emit(io, renderEventsOutput(items, { ...options, output, showManagedFields: on(cmd, "show-managed-fields") }));
    if (output === "name") return emit(io, renderEventsName(items, options));
    return emit(io, renderEvents(items, { ...options, noHeaders: on(cmd, "no-headers"), now: io.now() }));
  } catch (e) {
    return failed(errorText(e));
  }
};
