/**
 * Who sees which event: the rules of the audit log and the cluster list,
 * applied to each event as it passes.
 *
 * - Admins see every event.
 * - Anyone else sees agent events of the clusters it may use, and command,
 *   session and diagnosis events only of its own identity (as it reads only
 *   its own audit entries) on clusters it may use; a namespace-scoped key
 *   only those of commands that read inside its namespaces (an event whose
 *   command is unknown is not shown to it).
 * - Viewers, who run no commands, so see the agent events of their clusters.
 */
import { canUseCluster } from "../identity.ts";
import { namespaceScopeProblem } from "../kubectl/index.ts";
import type { Identity } from "../schemas.ts";
import type { EventType, KubentlyEvent } from "./types.ts";

/** The events `identity` may see. */
export function filterFor(identity: Identity): (event: KubentlyEvent) => boolean {
  if (identity.role === "admin" && !identity.clusters && !identity.namespaces) return () => true;
  const admin = identity.role === "admin";
  return (event) => {
    if (event.clusterId !== undefined && !canUseCluster(identity, event.clusterId)) return false;
    if (event.type.startsWith("agent.")) return event.clusterId !== undefined;
    if (!admin && event.identity !== identity.name) return false;
    if (!identity.namespaces || !event.type.startsWith("command.")) return true;
    if (event.namespace !== undefined && identity.namespaces.includes(event.namespace)) return true;
    const argv = event.data.argv;
    return Array.isArray(argv) && namespaceScopeProblem(argv as string[], identity.namespaces) === null;
  };
}

/** What a subscriber asked to see besides its scope: some types, one cluster. */
export interface EventSelection {
  types?: readonly EventType[];
  clusterId?: string;
}

/** The scope filter narrowed to `selection`. */
export function selectionFilter(identity: Identity, selection: EventSelection = {}): (event: KubentlyEvent) => boolean {
  const scope = filterFor(identity);
  const types = selection.types?.length ? new Set<string>(selection.types) : null;
  const cluster = selection.clusterId;
  return (event) => (types === null || types.has(event.type)) && (cluster === undefined || event.clusterId === cluster) && scope(event);
}
