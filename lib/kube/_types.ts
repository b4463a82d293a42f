/**
 * Shapes the native Kubernetes layer passes around. Objects stay loosely
 * typed (what the API server sent, parsed from JSON): renderers read the
 * fields they need defensively, the way kubectl's unstructured printers do.
 */

/** Any Kubernetes object as JSON. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string | null;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
    generateName?: string;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** A resource type as discovery describes it. */
export interface ResourceInfo {
  /** `""` for the core group. */
  group: string;
  version: string;
  /** Plural name used in URLs (`pods`). */
  resource: string;
  kind: string;
  singular: string;
  namespaced: boolean;
  verbs: readonly string[];
  shortNames: readonly string[];
  categories: readonly string[];
}

/** Which objects to read. */
export interface ListOptions {
  /** Omitted: every namespace (or a cluster-scoped type). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  signal?: AbortSignal;
}

/**
 * The reads a renderer that needs related objects (describe: a Deployment's
 * ReplicaSets, a Node's pods, an object's events) may make. Resources are
 * named by plural resource and group (`{ resource: "replicasets", group: "apps" }`);
 * the preferred version is found by discovery.
 */
export interface KubeReader {
  get(type: { group: string; resource: string }, name: string, namespace?: string, signal?: AbortSignal): Promise<KubeObject | null>;
  list(type: { group: string; resource: string }, options?: ListOptions): Promise<KubeObject[]>;
}
