/**
 * `kubectl get` natively: one server-side Table per resource argument,
 * printed the way kubectl's get command and table printer print them, or the
 * objects themselves for `-o json|yaml|name`.
 *
 * Follows kubectl v1.32's get.go: everything is fetched before anything is
 * printed; a missing named object is an error printed after what was found
 * (exit 1); tables of different resources are separated by a blank line and
 * aligned on their own; `kind/` prefixes names when more than one kind
 * prints; nothing found prints "No resources found..." on stderr.
 */
import type { ParsedCommand } from "../../kubectl/index.ts";
import type { KubeObject, ResourceInfo } from "../_types.ts";
import type { KubeTable } from "../client.ts";
import { apiVersionOf, resourcePath } from "../discovery.ts";
import { KubeApiError } from "../transport.ts";
import { asListObject, printJson } from "../print/json.ts";
import { printYaml } from "../print/yaml.ts";
import { TabWriter, tableLines } from "../print/table.ts";
import { renderTemplate, showLabelsProblem } from "../print/templates.ts";
import { SortError, sortObjects, sortTableRows } from "../print/sort-by.ts";
import { redactTree } from "../_redact-objects.ts";
import { templateOutput } from "../../kubectl/index.ts";
import { LIMITS } from "../../limits.ts";
import { type CommandIO, type CommandOutcome, type NativeCommand, errorText, failed, flag, namespaceOf, ok, on } from "./_io.ts";
import { type Target, groupKind, prepare, resolveTargets } from "./_targets.ts";
import { watchGet } from "./watch.ts";

const sameResource = (a: ResourceInfo, b: ResourceInfo) => a.group === b.group && a.resource === b.resource;

export const get: NativeCommand = async (cmd, io) => {
  const watching = on(cmd, "watch") || on(cmd, "watch-only");
  // kubectl's Validate, after Complete's "You must specify the type of resource" (which a watch skips).
  const labels = showLabelsProblem(cmd.output, on(cmd, "show-labels"));
  if (labels && (watching || cmd.positionals.length > 0)) return failed(`error: ${labels}`);
  if (watching) return watchGet(cmd, io);
  const targets = await resolveTargets(cmd, io);
  if (typeof targets === "string") return failed(targets);
  const output = cmd.output;
  if (output === "json" || output === "yaml" || output === "name" || (output !== undefined && templateOutput(output))) return printGeneric(cmd, io, targets, output);
  return printHuman(cmd, io, targets);
};

/** The Table as kubectl holds it before printing (what a multi-table `--sort-by` evaluates its path on). */
const tableObject = (t: KubeTable): unknown => {
  const { truncated: _ours, ...table } = t;
  return table;
};

/**
 * Reads of the targets in order; a failure of one is kept and the rest go on
 * (kubectl's ContinueOnError). A NotFound that `--ignore-not-found` forgives
 * is counted, not reported.
 */
async function fetchAll<T>(cmd: ParsedCommand, targets: Target[], read: (t: Target) => Promise<T>): Promise<{ results: { t: Target; value: T }[]; errors: string[]; forgiven: number }> {
  const settled = await Promise.allSettled(targets.map(read));
  const results: { t: Target; value: T }[] = [];
  const errors: string[] = [];
  let forgiven = 0;
  settled.forEach((s, i) => {
    if (s.status === "fulfilled") results.push({ t: targets[i]!, value: s.value });
    else if (on(cmd, "ignore-not-found") && s.reason instanceof KubeApiError && s.reason.code === 404) forgiven++;
    else errors.push(errorText(s.reason));
  });
  return { results, errors, forgiven };
}

/** `-l` and `--field-selector` as list options. */
const selectorsOf = (cmd: ParsedCommand) => ({
  ...(flag(cmd, "selector") ? { labelSelector: flag(cmd, "selector")! } : {}),
  ...(flag(cmd, "field-selector") ? { fieldSelector: flag(cmd, "field-selector")! } : {}),
});

async function printHuman(cmd: ParsedCommand, io: CommandIO, targets: Target[]): Promise<CommandOutcome> {
  const namespace = cmd.allNamespaces ? undefined : namespaceOf(cmd, io);
  const list = selectorsOf(cmd);
  const sortBy = flag(cmd, "sort-by");
  const fetched = await fetchAll(cmd, targets, (t) =>
    io.client.table(t.r, {
      ...(t.r.namespaced && namespace !== undefined ? { namespace } : {}),
      ...(t.name !== undefined ? { name: t.name } : list),
      // Sorting reads each row's whole object.
      ...(sortBy !== undefined ? { includeObject: "Object" as const } : {}),
      signal: io.signal,
    }),
  );
  const { errors } = fetched;
  let results = fetched.results;
  if (results.some((x) => (x.value as KubeTable).truncated)) io.markTruncated();
  if (sortBy !== undefined) {
    // The sort reads the rows' whole objects: a Secret's values are masked first, so the order says nothing about them.
    results = results.map((x) => ({ ...x, value: redactTree(x.value).value as KubeTable }));
    try {
      // kubectl's RuntimeSorter: several Tables are ordered by the path evaluated on the Tables themselves
      // (which usually finds nothing: an error); then each Table's rows by their objects.
      if (results.length > 1) results = sortObjects(results, sortBy, (x) => tableObject(x.value as KubeTable));
    } catch (e) {
      if (e instanceof SortError) return failed(`error: ${e.message}`);
      throw e;
    }
    results = results.flatMap((x) => {
      const table = x.value as KubeTable;
      try {
        return [{ ...x, value: { ...table, rows: sortTableRows(table.rows ?? [], sortBy) } }];
      } catch (e) {
        // kubectl's printer fails on this Table and get ignores the failure: the Table is not printed at all.
        if (e instanceof SortError && !e.fatal) return [];
        throw e;
      }
    });
  }
  const withKind = on(cmd, "show-kind") || results.some((x) => !sameResource(x.t.r, results[0]!.t.r));
  const noHeaders = on(cmd, "no-headers");
  const labelColumns = (flag(cmd, "label-columns") ?? "").split(",").filter(Boolean);
  const tw = new TabWriter();
  let written = false;
  let separatorReady = false;
  const write = (text: string) => {
    if (!text) return;
    if (separatorReady) {
      io.out("\n");
      separatorReady = false;
    }
    written = true;
    io.out(text);
  };
  let last: ResourceInfo | null = null;
  let lastColumns = "";
  let printedHeaders = false;
  for (const { t, value } of results) {
    if (!last || !sameResource(last, t.r)) {
      write(tw.flush());
      tw.reset();
      if (last && !noHeaders && written) separatorReady = true;
      last = t.r;
      lastColumns = "";
      printedHeaders = false;
    }
    const table = value as KubeTable;
    const columns = JSON.stringify(table.columnDefinitions ?? []);
    const skipHeader = printedHeaders && columns === lastColumns;
    lastColumns = columns;
    if ((table.rows ?? []).length > 0) printedHeaders = true;
    for (const line of tableLines(table, {
      wide: cmd.output === "wide",
      noHeaders: noHeaders || skipHeader,
      withNamespace: cmd.allNamespaces && t.r.namespaced,
      ...(withKind ? { kind: groupKind(t.r) } : {}),
      showLabels: on(cmd, "show-labels"),
      labelColumns,
    }))
      tw.row(line);
  }
  write(tw.flush());
  let stderr = errors.map((e) => `${e}\n`).join("");
  if (!written && !on(cmd, "ignore-not-found") && errors.length === 0) {
    const allNamespaced = !cmd.allNamespaces && results.every((x) => x.t.r.namespaced);
    stderr = allNamespaced ? `No resources found in ${namespaceOf(cmd, io)} namespace.\n` : "No resources found\n";
  }
  return errors.length ? failed(stderr) : ok(stderr);
}

async function printGeneric(cmd: ParsedCommand, io: CommandIO, targets: Target[], output: string): Promise<CommandOutcome> {
  const namespace = cmd.allNamespaces ? undefined : namespaceOf(cmd, io);
  const selectors = selectorsOf(cmd);
  const ns = (r: ResourceInfo) => (r.namespaced && namespace !== undefined ? namespace : undefined);
  const { results, errors, forgiven } = await fetchAll(cmd, targets, async (t): Promise<KubeObject[]> => {
    if (t.name === undefined) {
      const listed = await io.client.list(t.r, { ...(ns(t.r) ? { namespace: ns(t.r)! } : {}), ...selectors, signal: io.signal });
      if (listed.truncated) io.markTruncated();
      return listed.items;
    }
    return [{ apiVersion: apiVersionOf(t.r), kind: t.r.kind, ...(await io.client.getJson<KubeObject>(resourcePath(t.r, ns(t.r), t.name), { signal: io.signal })) }];
  });
  const singleItemImplied = targets.length === 1 && targets[0]!.name !== undefined;
  if (singleItemImplied && errors.length) return failed(errors.join("\n"));
  // kubectl prints nothing when every object was missing and --ignore-not-found forgave it.
  if (results.length === 0 && forgiven > 0 && errors.length === 0) return ok();
  let entries = results.flatMap(({ t, value }) => value.map((o) => ({ r: t.r, o: prepare(o, io) })));
  const single = singleItemImplied && entries.length === 1;
  const sortBy = flag(cmd, "sort-by");
  const fail = (message: string) => failed([...errors, `error: ${message}`].join("\n"));
  if (templateOutput(output)) {
    // The objects are redacted again as a whole (a Secret nested anywhere): no path reaches a Secret value.
    const tree = redactTree(single ? entries[0]!.o : asListObject(entries.map((e) => e.o)));
    if (tree.changed) io.markRedacted();
    const rendered = renderTemplate(tree.value, output, {
      allowMissingKeys: flag(cmd, "allow-missing-template-keys") !== "false",
      noHeaders: on(cmd, "no-headers"),
      ...(sortBy !== undefined ? { sortBy } : {}),
      // Text past the output cap would only be cut: stop building it there.
      maxLength: LIMITS.maxOutputBytes,
    });
    if (rendered.stopped) io.markTruncated();
    if (rendered.text) io.out(rendered.text);
    if (rendered.error !== undefined) return fail(rendered.error);
    return errors.length ? failed(errors.join("\n")) : ok();
  }
  // kubectl's SortingPrinter: a list's items are sorted; a single object is left alone.
  if (sortBy !== undefined && !single && entries.length > 0) {
    try {
      entries = sortObjects(entries, sortBy, (e) => e.o);
    } catch (e) {
      if (e instanceof SortError) return fail(e.message);
      throw e;
    }
  }
  if (output === "name") {
    for (const { r, o } of entries) io.out(`${groupKind(r)}/${o.metadata.name}\n`);
  } else {
    const objects = entries.map((e) => e.o);
    const value = single ? objects[0] : asListObject(objects);
    const options = { showManagedFields: on(cmd, "show-managed-fields") };
    try {
      io.out(output === "json" ? printJson(value, options) : printYaml(value, options));
    } catch (e) {
      // Objects go-yaml cannot take (kubectl fails the same way, with the same text).
      return failed(`error: ${(e as Error).message}`);
    }
  }
  return errors.length ? failed(errors.join("\n")) : ok();
}
