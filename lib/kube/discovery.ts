/**
 * API discovery with a cache, and kubectl's resource resolution on top of it.
 *
 * Reads the aggregated discovery documents (`/api` and `/apis` as
 * apidiscovery.k8s.io/v2, two requests for the whole cluster) and falls back
 * to the legacy per-group-version documents on servers without them. The
 * result is cached for `ttlMs`; a spelling that resolves to nothing refreshes
 * it once (a CRD installed a moment ago), at most every `missRefreshMs`, so
 * a caller repeating a typo cannot turn every command into a discovery storm.
 *
 * Resolution follows kubectl's RESTMapper: `TYPE[.VERSION][.GROUP]`, the
 * type matched case-insensitively against plural, singular, kind and short
 * names; among several matches the first in discovery order wins (core
 * first, a group's preferred version first), as kubectl's priority mapper does.
 */
import type { ResourceInfo } from "./_types.ts";
import { type KubeTransport, apiError } from "./transport.ts";

/** One group-version and its resources, in the server's order (preferred version first in each group). */
export interface GroupVersionResources {
  group: string;
  version: string;
  /** True for the group's preferred version. */
  preferred: boolean;
  resources: ResourceInfo[];
}

/** Options for {@link createDiscovery}. */
export interface DiscoveryOptions {
  /** How long a discovery read is reused. @default 300000 */
  ttlMs?: number;
  /** Least time between refreshes caused by an unknown spelling. @default 10000 */
  missRefreshMs?: number;
  /** Per-request deadline. @default 10000 */
  timeoutMs?: number;
}

/** The cluster's API surface. */
export interface Discovery {
  /** Every group-version, in discovery order. */
  groupVersions(signal?: AbortSignal): Promise<GroupVersionResources[]>;
  /** The preferred version of every resource, in discovery order (what `kubectl api-resources` lists). */
  preferredResources(signal?: AbortSignal): Promise<ResourceInfo[]>;
  /**
   * Resolves a type spelling (`po`, `deployments.apps`, `Deployment.v1.apps`)
   * to a resource, or null when the cluster has no such type.
   */
  resolve(spelling: string, signal?: AbortSignal): Promise<ResourceInfo | null>;
  /** The resources of a category (`all`), in discovery order. */
  category(name: string, signal?: AbortSignal): Promise<ResourceInfo[]>;
  /** Forgets the cached documents. */
  invalidate(): void;
}

const AGGREGATED_ACCEPT = [
  "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
  "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList",
  "application/json",
].join(",");

interface AggregatedResource {
  resource: string;
  responseKind?: { kind?: string };
  scope?: string;
  singularResource?: string;
  verbs?: string[];
  shortNames?: string[];
  categories?: string[];
}
interface AggregatedList {
  kind?: string;
  items?: { metadata?: { name?: string }; versions?: { version: string; resources?: AggregatedResource[] }[] }[];
}

/** Creates the cached discovery of one API server. */
export function createDiscovery(transport: KubeTransport, options: DiscoveryOptions = {}): Discovery {
  const ttl = options.ttlMs ?? 300_000;
  const missRefresh = options.missRefreshMs ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  let cached: { at: number; value: Promise<GroupVersionResources[]> } | null = null;
  let lastMissRefresh = 0;

  const getJson = async <T>(path: string, accept = "application/json", signal?: AbortSignal): Promise<T> => {
    const res = await transport.request(path, { accept, timeoutMs, ...(signal ? { signal } : {}) });
    if (!res.ok) throw await apiError(res);
    return (await res.json()) as T;
  };

  async function aggregated(signal?: AbortSignal): Promise<GroupVersionResources[] | null> {
    const lists = await Promise.all(["/api", "/apis"].map((p) => getJson<AggregatedList>(p, AGGREGATED_ACCEPT, signal)));
    if (lists.some((l) => l.kind !== "APIGroupDiscoveryList")) return null;
    const out: GroupVersionResources[] = [];
    for (const list of lists) {
      for (const g of list.items ?? []) {
        const group = g.metadata?.name ?? "";
        (g.versions ?? []).forEach((v, i) => {
          out.push({
            group,
            version: v.version,
            preferred: i === 0,
            resources: (v.resources ?? []).map((r) => ({
              group,
              version: v.version,
              resource: r.resource,
              kind: r.responseKind?.kind ?? "",
              singular: r.singularResource ?? "",
              namespaced: r.scope === "Namespaced",
              verbs: r.verbs ?? [],
              shortNames: r.shortNames ?? [],
              categories: r.categories ?? [],
            })),
          });
        });
      }
    }
    return out;
  }

  async function legacy(signal?: AbortSignal): Promise<GroupVersionResources[]> {
    const core = await getJson<{ versions?: string[] }>("/api", "application/json", signal);
    const groups = await getJson<{ groups?: { name: string; versions: { version: string }[]; preferredVersion?: { version: string } }[] }>("/apis", "application/json", signal);
    const gvs: { group: string; version: string; preferred: boolean }[] = (core.versions ?? []).map((version, i) => ({ group: "", version, preferred: i === 0 }));
    for (const g of groups.groups ?? []) {
      const preferred = g.preferredVersion?.version ?? g.versions[0]?.version;
      // The preferred version first, as aggregated discovery lists it.
      const versions = [...g.versions].sort((a, b) => Number(b.version === preferred) - Number(a.version === preferred));
      for (const v of versions) gvs.push({ group: g.name, version: v.version, preferred: v.version === preferred });
    }
    return Promise.all(
      gvs.map(async (gv) => {
        const path = gv.group ? `/apis/${gv.group}/${gv.version}` : `/api/${gv.version}`;
        const doc = await getJson<{ resources?: { name: string; singularName?: string; namespaced?: boolean; kind: string; verbs?: string[]; shortNames?: string[]; categories?: string[] }[] }>(path, "application/json", signal);
        return {
          ...gv,
          resources: (doc.resources ?? [])
            .filter((r) => !r.name.includes("/"))
            .map((r) => ({
              group: gv.group,
              version: gv.version,
              resource: r.name,
              kind: r.kind,
              singular: r.singularName || r.kind.toLowerCase(),
              namespaced: r.namespaced === true,
              verbs: r.verbs ?? [],
              shortNames: r.shortNames ?? [],
              categories: r.categories ?? [],
            })),
        };
      }),
    );
  }

  function groupVersions(signal?: AbortSignal): Promise<GroupVersionResources[]> {
    if (cached && Date.now() - cached.at < ttl) return cached.value;
    const value = (async () => (await aggregated(signal)) ?? (await legacy(signal)))();
    const entry = { at: Date.now(), value };
    cached = entry;
    // A failed read is not cached: the next call asks again.
    value.catch(() => {
      if (cached === entry) cached = null;
    });
    return value;
  }

  async function preferredResources(signal?: AbortSignal): Promise<ResourceInfo[]> {
    return (await groupVersions(signal)).filter((gv) => gv.preferred).flatMap((gv) => gv.resources);
  }

  function match(gvs: GroupVersionResources[], spelling: string): ResourceInfo | null {
    const lower = spelling.toLowerCase().replace(/\.$/, "");
    const [type = "", ...rest] = lower.split(".");
    // `TYPE.VERSION.GROUP` when the second part is a version, else `TYPE.GROUP` (kubectl's ParseResourceArg).
    const candidates: { version?: string; group?: string }[] = [];
    if (rest.length === 0) candidates.push({});
    else {
      if (rest.length >= 1 && /^v\d+((alpha|beta)\d+)?$/.test(rest[0]!)) candidates.push({ version: rest[0]!, group: rest.slice(1).join(".") });
      candidates.push({ group: rest.join(".") });
    }
    for (const want of candidates) {
      // Exact resource or singular names first, then kinds and short names, as kubectl's mapper tries them.
      const pools = [
        (r: ResourceInfo) => r.resource === type || r.singular === type,
        (r: ResourceInfo) => r.kind.toLowerCase() === type || r.shortNames.includes(type),
      ];
      for (const hit of pools) {
        for (const gv of gvs) {
          if (want.group !== undefined && gv.group !== want.group) continue;
          if (want.version !== undefined ? gv.version !== want.version : !gv.preferred) continue;
          const found = gv.resources.find(hit);
          if (found) return found;
        }
      }
    }
    return null;
  }

  return {
    groupVersions,
    preferredResources,
    async resolve(spelling, signal) {
      const found = match(await groupVersions(signal), spelling);
      if (found || Date.now() - lastMissRefresh < missRefresh) return found;
      lastMissRefresh = Date.now();
      cached = null;
      return match(await groupVersions(signal), spelling);
    },
    async category(name, signal) {
      return (await preferredResources(signal)).filter((r) => r.categories.includes(name));
    },
    invalidate() {
      cached = null;
    },
  };
}

/** The URL path of a resource collection (or of one object with `name`). */
export function resourcePath(r: Pick<ResourceInfo, "group" | "version" | "resource" | "namespaced">, namespace?: string, name?: string): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  return `${base}${ns}/${r.resource}${name !== undefined ? `/${encodeURIComponent(name)}` : ""}`;
}
