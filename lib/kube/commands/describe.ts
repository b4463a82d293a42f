/**
 * `kubectl describe` natively: objects fetched like `get` resolves them, then
 * rendered by lib/kube/describe (kubectl's describers: fetch related objects,
 * render from data).
 *
 * Follows kubectl v1.32's describe.go: every target is fetched first; found
 * objects print separated by a blank line, errors follow (exit 1); nothing
 * found prints "No resources found..." on stderr; `describe TYPE NAME` whose
 * NAME does not exist describes every object of TYPE whose name starts with
 * NAME (each followed by a newline), and fails as before when none does.
 * A kind without a native describer is left to kubectl (auto) before
 * anything is printed.
 */
import { apiVersionOf } from "../discovery.ts";
import type { KubeObject, ResourceInfo } from "../_types.ts";
import { canDescribe, describeObjects } from "../describe/index.ts";
import { KubeApiError } from "../transport.ts";
import { type CommandOutcome, type NativeCommand, errorText, failed, flag, namespaceOf, ok, on } from "./_io.ts";
import { resolveTargets } from "./_targets.ts";

const withType = (r: ResourceInfo, o: KubeObject): KubeObject => ({ apiVersion: apiVersionOf(r), kind: r.kind, ...o });

/** The outcome that makes the executor hand the command to kubectl. */
const unsupported = (what: string): CommandOutcome => ({ exitCode: -1, stderr: "", unsupported: what });

export const describe: NativeCommand = async (cmd, io) => {
  const targets = await resolveTargets(cmd, io);
  if (typeof targets === "string") return failed(targets);
  const missing = targets.find((t) => !canDescribe(t.r.group, t.r.kind));
  if (missing) return unsupported(`kubectl describe ${missing.r.resource}${missing.r.group ? `.${missing.r.group}` : ""}`);
  const namespace = cmd.allNamespaces ? undefined : namespaceOf(cmd, io);
  const ns = (r: ResourceInfo) => (r.namespaced ? namespace : undefined);
  const labelSelector = flag(cmd, "selector");
  const settled = await Promise.allSettled(
    targets.map(async (t): Promise<KubeObject[]> => {
      if (t.name === undefined) {
        const listed = await io.client.list(t.r, { ...(ns(t.r) ? { namespace: ns(t.r)! } : {}), ...(labelSelector ? { labelSelector } : {}), signal: io.signal });
        if (listed.truncated) io.markTruncated();
        return listed.items;
      }
      const o = await io.client.get(t.r, t.name, ns(t.r), io.signal);
      if (!o) throw new KubeApiError(404, "NotFound", `${t.r.group ? `${t.r.resource}.${t.r.group}` : t.r.resource} "${t.name}" not found`);
      return [withType(t.r, o)];
    }),
  );
  const objects: KubeObject[] = [];
  const errors: unknown[] = [];
  for (const s of settled) s.status === "fulfilled" ? objects.push(...s.value) : errors.push(s.reason);
  const options = { now: io.now(), showEvents: !cmd.flags.has("show-events") || on(cmd, "show-events"), signal: io.signal };
  try {
    // `describe TYPE NAME` with no such NAME: every object of TYPE whose name starts with it.
    const notFound = errors.length === 1 && errors[0] instanceof KubeApiError && errors[0].code === 404;
    if (notFound && cmd.positionals.length === 2 && targets.length === 1 && !cmd.positionals[0]!.includes("/")) {
      const t = targets[0]!;
      const all = (await io.client.list(t.r, { ...(ns(t.r) ? { namespace: ns(t.r)! } : {}), signal: io.signal })).items.filter((o) => o.metadata.name.startsWith(t.name!));
      if (all.length === 0) return failed(errorText(errors[0]));
      for (const o of all) io.out(`${await describeObjects([o], io.client.reader, options)}\n`);
      return ok();
    }
    if (objects.length) io.out(await describeObjects(objects, io.client.reader, options));
  } catch (e) {
    return failed(errorText(e));
  }
  if (errors.length) return failed(errors.map(errorText).join("\n"));
  if (objects.length === 0) return ok(cmd.allNamespaces ? "No resources found\n" : `No resources found in ${namespaceOf(cmd, io)} namespace.\n`);
  return ok();
};
