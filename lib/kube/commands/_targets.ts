/**
 * What `get`, `get -w` and `describe` share: resource arguments resolved
 * through discovery, kubectl's `kind.group` prefix, and the redaction every
 * printed object passes.
 */
import { type ParsedCommand, splitTypeNameArgs } from "../../kubectl/index.ts";
import type { KubeObject, ResourceInfo } from "../_types.ts";
import { redactObject } from "../_redact-objects.ts";
import { type CommandIO, unknownType } from "./_io.ts";

/** One thing to fetch: a resource, and an object name or every object. */
export interface Target {
  r: ResourceInfo;
  name?: string;
}

/** `kind.group` lower-cased, as kubectl prefixes names (`deployment.apps`, `pod`). */
export const groupKind = (r: Pick<ResourceInfo, "kind" | "group">): string => (r.group ? `${r.kind}.${r.group}` : r.kind).toLowerCase();

/**
 * Resolves the command's resource arguments through discovery (`all` and
 * other categories expand in discovery order). A string is kubectl's error.
 */
export async function resolveTargets(cmd: ParsedCommand, io: CommandIO): Promise<Target[] | string> {
  const split = splitTypeNameArgs(cmd.positionals);
  if (!split.ok) return `error: ${split.reason}`;
  if (split.args.length === 0) {
    return `You must specify the type of resource to ${cmd.path[0]}. Use "kubectl api-resources" for a complete list of supported resources.\n\nerror: Required resource not specified.`;
  }
  const out: Target[] = [];
  for (const a of split.args) {
    const category = a.name === undefined && !a.type.includes(".") ? await io.client.discovery.category(a.type.toLowerCase(), io.signal) : [];
    const direct = category.length ? null : await io.client.discovery.resolve(a.type, io.signal);
    const types = category.length ? category : direct ? [direct] : [];
    if (types.length === 0) return unknownType(a.type);
    for (const r of types) out.push(a.name === undefined ? { r } : { r, name: a.name });
  }
  if (cmd.flags.has("selector") && out.some((t) => t.name !== undefined)) return "error: name cannot be provided when a selector is specified";
  return out;
}

/** Redacts what must never leave the cluster, before an object is printed. */
export function prepare(o: KubeObject, io: Pick<CommandIO, "markRedacted">): KubeObject {
  const redacted = redactObject(o);
  if (redacted !== o) io.markRedacted();
  return redacted;
}
