/**
 * Namespace scope: whether a command reads only inside a set of namespaces.
 * Used by the core for namespace-scoped API keys (always enforced, whatever
 * policies a host configured) and by the `namespaces` policy. Fails closed:
 * a command whose namespaces cannot be known is out of scope.
 */
import { parseKubectl } from "./parse.ts";
import { BUILTIN_RESOURCES } from "./resources.ts";
import { verbTakesNamespace } from "./spec.ts";

/** Commands that read no namespaced object (discovery, schema docs). */
const NAMESPACE_FREE = new Set(["version", "api-resources", "api-versions", "explain"]);
const namespacedByPlural = new Map(BUILTIN_RESOURCES.map((r) => [r.plural, r.namespaced]));

/** null when `argv` reads only inside `allowed`, else the reason it does not. */
export function namespaceScopeProblem(argv: readonly string[], allowed: readonly string[]): string | null {
  const parsed = parseKubectl(argv, { restrictedResources: [] });
  if (!parsed.ok) return "the command could not be parsed, so the namespaces it reads are unknown";
  const { path, namespace, allNamespaces, resources } = parsed.command;
  const verb = path.join(" ");
  if (NAMESPACE_FREE.has(path[0]!)) return null;
  if (!verbTakesNamespace(path)) return `"${verb}" reads cluster-wide data`;
  if (allNamespaces) return "--all-namespaces reads every namespace";
  for (const { resource } of resources) {
    if (resource === "all") continue;
    const namespaced = namespacedByPlural.get(resource);
    if (namespaced === false) return `${resource} are cluster-scoped`;
    if (namespaced === undefined) return `the scope of "${resource}" is unknown`;
  }
  const ns = namespace ?? "default";
  return allowed.includes(ns) ? null : `namespace "${ns}" is not in ${allowed.join(", ")}`;
}
