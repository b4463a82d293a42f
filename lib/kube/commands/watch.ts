/**
 * `kubectl get -w` natively, as a bounded stream: the current table (unless
 * `--watch-only`), then one row per change, each flushed as it arrives with
 * the column widths kubectl's tabwriter remembers. The watch resumes after
 * the server ends it and relists after a 410; it ends with the command's
 * time or byte budget (or a cancel), never on its own.
 */
import { apiVersionOf } from "../discovery.ts";
import type { ParsedCommand } from "../../kubectl/index.ts";
import { TABLE_ACCEPT, type KubeTable } from "../client.ts";
import { TabWriter, tableLines } from "../print/table.ts";
import { watchResource } from "../watch.ts";
import { type CommandIO, type CommandOutcome, errorText, failed, flag, namespaceOf, ok, on } from "./_io.ts";
import { groupKind, prepare, resolveTargets } from "./_targets.ts";
import type { KubeObject, ListOptions, ResourceInfo } from "../_types.ts";
import { printJson } from "../print/json.ts";
import { printYaml } from "../print/yaml.ts";
import { createTabWriter } from "../print/_tabwriter.ts";
import { printTemplate, templatePrinter } from "../print/templates.ts";
import { redactTree } from "../_redact-objects.ts";
import { templateOutput } from "../../kubectl/index.ts";

export async function watchGet(cmd: ParsedCommand, io: CommandIO): Promise<CommandOutcome> {
  const targets = await resolveTargets(cmd, io);
  if (typeof targets === "string") return failed(targets);
  if (targets.length !== 1) return failed(`error: watch is only supported on individual resources and resource collections, but ${targets.length} resources were found`);
  const { r, name } = targets[0]!;
  const namespace = cmd.allNamespaces || !r.namespaced ? undefined : namespaceOf(cmd, io);
  const labelSelector = flag(cmd, "selector");
  const fieldSelector = name !== undefined ? `metadata.name=${name}` : flag(cmd, "field-selector");
  const scope = {
    ...(namespace !== undefined ? { namespace } : {}),
    ...(labelSelector ? { labelSelector } : {}),
    ...(fieldSelector ? { fieldSelector } : {}),
  };
  if (cmd.output === "json" || cmd.output === "yaml" || cmd.output === "name") return watchObjects(cmd, io, r, scope, cmd.output);
  if (cmd.output !== undefined && templateOutput(cmd.output)) return watchTemplate(cmd, io, r, scope, cmd.output);
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
    const table = await io.client.table(r, { ...scope, signal: io.signal });
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
  return watching(() =>
    watchResource(io.client, r, {
    ...scope,
    accept: TABLE_ACCEPT,
    resourceVersion: rv,
    signal: io.signal,
    onEvent: (e) => void print(e.object as KubeTable, e.type),
    relist: list,
  }),
  );
}

/** Runs a watch to its end: the budget (success so far), or an error the server meant (kubectl's exit 1). */
async function watching(run: () => Promise<void>): Promise<CommandOutcome> {
  try {
    await run();
    return ok();
  } catch (e) {
    return failed(errorText(e));
  }
}

/**
 * `get -w -o json|yaml|name`: each object printed on its own as it arrives
 * (YAML documents after the first start with `---`, as kubectl's printer
 * writes them); with `--output-watch-events` each is wrapped in
 * `{type, object}`. Objects are redacted like any `-o json|yaml` output.
 */
async function watchObjects(cmd: ParsedCommand, io: CommandIO, r: ResourceInfo, scope: ListOptions, output: "json" | "yaml" | "name"): Promise<CommandOutcome> {
  const withEvents = on(cmd, "output-watch-events");
  let printed = 0;
  const print = (o: KubeObject, type = "ADDED") => {
    const obj = prepare({ apiVersion: apiVersionOf(r), kind: r.kind, ...o }, io);
    if (output === "name") return io.out(`${groupKind(r)}/${obj.metadata.name}\n`);
    const value = withEvents ? { type, object: obj } : obj;
    const options = { showManagedFields: on(cmd, "show-managed-fields") };
    try {
      return io.out(output === "json" ? printJson(value, options) : `${printed++ > 0 ? "---\n" : ""}${printYaml(value, options)}`);
    } catch (e) {
      return io.out(`error: ${(e as Error).message}\n`);
    }
  };
  const list = async (): Promise<string> => {
    const { items, resourceVersion } = await io.client.list(r, { ...scope, signal: io.signal });
    if (!on(cmd, "watch-only")) for (const o of items) print(o);
    return resourceVersion;
  };
  let rv: string;
  try {
    rv = await list();
  } catch (e) {
    return failed(errorText(e));
  }
  return watching(() => watchResource(io.client, r, { ...scope, resourceVersion: rv, signal: io.signal, onEvent: (e) => void print(e.object as KubeObject, e.type), relist: list }));
}

/**
 * `get -w -o jsonpath=…|custom-columns=…`: each object (with
 * `--output-watch-events`, each `{type, object}`) printed by one template
 * printer, as kubectl keeps one for the whole watch, through kubectl's watch
 * writer (a tab writer: tabs in jsonpath output align too), flushed after
 * the first listing and after each event. Objects are redacted first. A
 * printer error on the first listing fails the command as kubectl's does;
 * one on a later event ends the watch quietly, as kubectl's ends (exit 0).
 */
async function watchTemplate(cmd: ParsedCommand, io: CommandIO, r: ResourceInfo, scope: ListOptions, output: string): Promise<CommandOutcome> {
  const printer = templatePrinter(output, { allowMissingKeys: flag(cmd, "allow-missing-template-keys") !== "false", noHeaders: on(cmd, "no-headers") });
  if ("error" in printer) return failed(`error: ${printer.error}`);
  const withEvents = on(cmd, "output-watch-events");
  const w = createTabWriter();
  const stop = new AbortController();
  let failure: string | null = null;
  const print = (o: KubeObject, type = "ADDED"): boolean => {
    const obj = prepare({ apiVersion: apiVersionOf(r), kind: r.kind, ...o }, io);
    const tree = redactTree(withEvents ? { type, object: obj } : obj);
    if (tree.changed) io.markRedacted();
    const { error } = printTemplate(printer, tree.value, w);
    if (error !== undefined) failure = error;
    return error === undefined;
  };
  const flush = () => {
    const text = w.flush();
    if (text) io.out(text);
  };
  const list = async (): Promise<string> => {
    const { items, resourceVersion } = await io.client.list(r, { ...scope, signal: io.signal });
    if (!on(cmd, "watch-only")) for (const o of items) if (!print(o)) break;
    flush();
    return resourceVersion;
  };
  let rv: string;
  try {
    rv = await list();
  } catch (e) {
    return failed(errorText(e));
  }
  if (failure !== null) return failed(`error: unable to output the provided object: ${failure}`);
  const signal = AbortSignal.any([io.signal, stop.signal]);
  return watching(() =>
    watchResource(io.client, r, {
      ...scope,
      resourceVersion: rv,
      signal,
      onEvent: (e) => {
        if (stop.signal.aborted) return;
        const printed = print(e.object as KubeObject, e.type);
        flush();
        // kubectl's watch ends at a printer error and the command still succeeds.
        if (!printed) stop.abort();
      },
      relist: list,
    }),
  );
}
