/**
 * `kubectl get -w` natively, as a bounded stream: the current table (unless
 * `--watch-only`), then one row per change, each flushed as it arrives with
 * the column widths kubectl's tabwriter remembers. The watch resumes after
 * the server ends it and relists after a 410; it ends with the command's
 * time or byte budget (or a cancel), never on its own.
 */
import type { ParsedCommand } from "../../kubectl/index.ts";
import { TABLE_ACCEPT, type KubeTable } from "../client.ts";
import { TabWriter, tableLines } from "../print/table.ts";
import { watchResource } from "../watch.ts";
import { type CommandIO, type CommandOutcome, errorText, failed, flag, namespaceOf, ok, on } from "./_io.ts";
import { groupKind, resolveTargets } from "./get.ts";

export async function watchGet(cmd: ParsedCommand, io: CommandIO): Promise<CommandOutcome> {
  const targets = await resolveTargets(cmd, io);
  if (typeof targets === "string") return failed(targets);
  if (targets.length !== 1) return failed(`error: watch is only supported on individual resources and resource collections, but ${targets.length} resources were found`);
  const { r, name } = targets[0]!;
  const namespace = cmd.allNamespaces || !r.namespaced ? undefined : namespaceOf(cmd, io);
  const labelSelector = flag(cmd, "selector");
  const fieldSelector = name !== undefined ? `metadata.name=${name}` : flag(cmd, "field-selector");
  const tw = new TabWriter();
  let columns: KubeTable["columnDefinitions"] = [];
  let printedHeaders = false;
  const withEvents = on(cmd, "output-watch-events");
  const print = (table: KubeTable, eventType?: string) => {
    if (table.columnDefinitions?.length) columns = table.columnDefinitions;
    const rows = table.rows ?? [];
    const lines = tableLines({ ...table, columnDefinitions: columns, rows }, {
      wide: cmd.output === "wide",
      noHeaders: on(cmd, "no-headers") || printedHeaders,
      withNamespace: cmd.allNamespaces && r.namespaced,
      ...(on(cmd, "show-kind") ? { kind: groupKind(r) } : {}),
      showLabels: on(cmd, "show-labels"),
      labelColumns: (flag(cmd, "label-columns") ?? "").split(",").filter(Boolean),
    });
    if (rows.length > 0) printedHeaders = true;
    if (withEvents) lines.forEach((l, i) => l.unshift(i === 0 && lines.length > rows.length ? "EVENT" : (eventType ?? "ADDED")));
    for (const l of lines) tw.row(l);
    const text = tw.flush();
    return text ? io.out(text) : true;
  };
  const list = async (): Promise<string> => {
    const table = await io.client.table(r, {
      ...(namespace !== undefined ? { namespace } : {}),
      ...(labelSelector ? { labelSelector } : {}),
      ...(fieldSelector ? { fieldSelector } : {}),
      signal: io.signal,
    });
    if (!on(cmd, "watch-only")) print(table);
    else if (table.columnDefinitions?.length) columns = table.columnDefinitions;
    return table.metadata?.resourceVersion ?? "";
  };
  let rv: string;
  try {
    rv = await list();
  } catch (e) {
    return failed(errorText(e));
  }
  await watchResource(io.client, r, {
    ...(namespace !== undefined ? { namespace } : {}),
    ...(labelSelector ? { labelSelector } : {}),
    ...(fieldSelector ? { fieldSelector } : {}),
    accept: TABLE_ACCEPT,
    resourceVersion: rv,
    signal: io.signal,
    onEvent: (e) => void print(e.object as KubeTable, e.type),
    relist: list,
  });
  return ok();
}
