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
import { arr, obj, str, strs } from "./_json.ts";
import type { ResourceInfo } from "./_types.ts";
import { type KubeTransport, apiError, readJson } from "./transport.ts";
import { untilAborted } from "../_utils.ts";

/** The most bytes one discovery document may have. */
const DISCOVERY_BYTES = 16 * 1024 * 1024;

/** One group-version and its resources (subresources as `parent/sub`), in the server's order (preferred version first in each group). */
export interface GroupVersionResources {
  group: string;
  version: string;
  /** True for the group's preferred version. */
  preferred: boolean;
  resources: ResourceInfo[];
}

/** One discovery read: what the server serves, and the legacy documents that could not be read. */
interface Read {
  groupVersions: GroupVersionResources[];
  failed: DiscoveryFailure[];
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
  /** Legacy group-version documents the last read could not get (kubectl reports them after api-resources). */
  failures(signal?: AbortSignal): Promise<DiscoveryFailure[]>;
  /** One version of every resource, as kubectl picks it (client-go's ServerPreferredResources), in discovery order. */
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
  /** Reads discovery anew (what `kubectl api-resources` does unless `--cached`). */
  refresh(signal?: AbortSignal): Promise<GroupVersionResources[]>;
}

const AGGREGATED_ACCEPT = [
  "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
  "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList",
  "application/json",
].join(",");

/** Creates the cached discovery of one API server. */
export function createDiscovery(transport: KubeTransport, options: DiscoveryOptions = {}): Discovery {
  const ttl = options.ttlMs ?? 300_000;
  const missRefresh = options.missRefreshMs ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  let cached: { at: number; value: Promise<Read> } | null = null;
  let lastMissRefresh = 0;

  const getJson = async <T>(path: string, accept = "application/json"): Promise<T> => {
    const res = await transport.request(path, { accept, timeoutMs });
    if (!res.ok) throw await apiError(res);
    return readJson<T>(res, DISCOVERY_BYTES);
  };

  async function aggregated(): Promise<Read | null> {
    const [api, apis] = await Promise.all(["/api", "/apis"].map((p) => getJson<{ kind?: string }>(p, AGGREGATED_ACCEPT)));
    if (api?.kind !== "APIGroupDiscoveryList" || apis?.kind !== "APIGroupDiscoveryList") return null;
    // Stale group-versions are left out silently, as kubectl leaves them out.
    return { groupVersions: aggregatedGroupVersions(api, apis).groupVersions, failed: [] };
  }

  async function legacy(): Promise<Read> {
    const [api, apis] = await Promise.all([getJson<{ versions?: string[] }>("/api", "application/json"), getJson<{ groups?: { name: string; versions: { groupVersion: string }[] }[] }>("/apis", "application/json")]);
    const names = [...(api.versions ?? []), ...(apis.groups ?? []).flatMap((g) => g.versions.map((v) => v.groupVersion))];
    const lists: Record<string, unknown> = {};
    const failed: DiscoveryFailure[] = [];
    await Promise.all(
      names.map(async (gv) => {
        try {
          lists[gv] = await getJson(gv.includes("/") ? `/apis/${gv}` : `/api/${gv}`, "application/json");
        } catch (e) {
          failed.push({ groupVersion: gv, message: (e as Error).message });
        }
      }),
    );
    return { groupVersions: legacyGroupVersions(api, apis, lists), failed };
  }

  /**
   * The cached read, shared by every command. The read itself runs under its
   * own deadline (never a caller's signal: one command's cancel must not fail
   * the others waiting on it); each caller waits only as long as its own
   * signal allows.
   */
  function read(signal?: AbortSignal): Promise<Read> {
    if (!cached || Date.now() - cached.at >= ttl) {
      const value = (async () => (await aggregated()) ?? (await legacy()))();
      const entry = { at: Date.now(), value };
      cached = entry;
      // A failed read is not cached: the next call asks again.
      value.catch(() => {
        if (cached === entry) cached = null;
      });
    }
    return signal ? untilAborted(cached.value, signal) : cached.value;
  }

  async function groupVersions(signal?: AbortSignal): Promise<GroupVersionResources[]> {
    return (await read(signal)).groupVersions;
  }

  async function preferred(signal?: AbortSignal): Promise<ResourceInfo[]> {
    return preferredResources(await groupVersions(signal));
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
      // A version named: that version's resources; else the version kubectl would pick for each resource.
      const pool = want.version !== undefined ? gvs.filter((gv) => gv.version === want.version).flatMap((gv) => gv.resources) : preferredResources(gvs);
      for (const hit of pools) {
        const found = pool.find((r) => !r.resource.includes("/") && (want.group === undefined || r.group === want.group) && hit(r));
        if (found) return found;
      }
    }
    return null;
  }

  return {
    groupVersions,
    failures: async (signal) => (await read(signal)).failed,
    preferredResources: preferred,
    async resolve(spelling, signal) {
      const found = match(await groupVersions(signal), spelling);
      if (found || Date.now() - lastMissRefresh < missRefresh) return found;
      lastMissRefresh = Date.now();
      cached = null;
      return match(await groupVersions(signal), spelling);
    },
    async category(name, signal) {
      return (await preferred(signal)).filter((r) => r.categories.includes(name));
    },
    invalidate() {
      cached = null;
    },
    async refresh(signal) {
      cached = null;
      return groupVersions(signal);
    },
  };
}

/** A resource's `apiVersion` as objects carry it (`v1`, `apps/v1`). */
export const apiVersionOf = (r: Pick<ResourceInfo, "group" | "version">): string => (r.group ? `${r.group}/${r.version}` : r.version);

/** The URL path of a resource collection (or of one object with `name`). */
export function resourcePath(r: Pick<ResourceInfo, "group" | "version" | "resource" | "namespaced">, namespace?: string, name?: string): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  return `${base}${ns}/${r.resource}${name !== undefined ? `/${encodeURIComponent(name)}` : ""}`;
}

/** A group-version discovery could not read (stale in aggregated discovery, or a failed request). */
export interface DiscoveryFailure {
  groupVersion: string;
  /** The Go error text, e.g. `stale GroupVersion discovery: metrics.k8s.io/v1beta1`. */
  message: string;
}

/**
 * client-go's `ServerPreferredResources`, flattened: one entry per group and
 * resource, groups in discovery order, the version chosen as kubectl chooses
 * it (the preferred version if it serves the resource, else the first version
 * that does). Subresources are dropped. Order inside a group is not
 * significant (kubectl sorts).
 *
 * @param groupVersions every served group-version in discovery order, with the
 *   preferred flag (`Discovery.groupVersions()`, {@link aggregatedGroupVersions}).
 */
export function preferredResources(groupVersions: readonly GroupVersionResources[]): ResourceInfo[] {
  const byGroup = new Map<string, Map<string, ResourceInfo>>();
  for (const gv of groupVersions) {
    let chosen = byGroup.get(gv.group);
    if (!chosen) byGroup.set(gv.group, (chosen = new Map()));
    for (const r of gv.resources) {
      if (r.resource.includes("/")) continue;
      if (chosen.has(r.resource) && !gv.preferred) continue;
      chosen.set(r.resource, { ...r, group: gv.group, version: gv.version });
    }
  }
  return [...byGroup.values()].flatMap((m) => [...m.values()]);
}

/**
 * Converts aggregated discovery documents (`apidiscovery.k8s.io/v2` or
 * `v2beta1` `APIGroupDiscoveryList`, from `GET /api` and `GET /apis` with
 * `Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`)
 * the way client-go does: stale versions are dropped and reported, the
 * preferred version is the first non-stale one, a resource without
 * `responseKind` is dropped (its subresources kept), subresources become
 * `parent/sub` entries. Pass `/api`'s document first.
 *
 * `failed` lists the stale group-versions for diagnostics only: kubectl
 * api-resources and api-versions print nothing about them and exit 0, so do
 * not pass them to {@link renderApiResources}.
 */
export function aggregatedGroupVersions(...documents: readonly unknown[]): { groupVersions: GroupVersionResources[]; failed: DiscoveryFailure[] } {
  const out: GroupVersionResources[] = [];
  const failed: DiscoveryFailure[] = [];
  const hasGvk = (k: unknown) => k != null && Object.values(obj(k)).some((x) => x !== "" && x != null);
  for (const doc of documents) {
    for (const item of arr(obj(doc).items)) {
      const g = obj(item);
      const group = str(obj(g.metadata).name);
      let preferredSeen = false;
      for (const vi of arr(g.versions)) {
        const v = obj(vi);
        const version = str(v.version);
        const name = group === "" ? version : `${group}/${version}`;
        if (v.freshness === "Stale") {
          failed.push({ groupVersion: name, message: `stale GroupVersion discovery: ${name}` });
          continue;
        }
        const resources: ResourceInfo[] = [];
        for (const ri of arr(v.resources)) {
          const r = obj(ri);
          const base: ResourceInfo = {
            group,
            version,
            resource: str(r.resource),
            kind: str(obj(r.responseKind).kind),
            singular: str(r.singularResource),
            namespaced: r.scope === "Namespaced",
            verbs: strs(r.verbs),
            shortNames: strs(r.shortNames),
            categories: strs(r.categories),
          };
          if (hasGvk(r.responseKind)) resources.push(base);
          for (const si of arr(r.subresources)) {
            const sub = obj(si);
            if (!hasGvk(sub.responseKind)) continue;
            resources.push({
              ...base,
              resource: `${base.resource}/${str(sub.subresource)}`,
              kind: str(obj(sub.responseKind).kind),
              verbs: strs(sub.verbs),
              shortNames: [],
              categories: [],
            });
          }
        }
        out.push({ group, version, preferred: !preferredSeen, resources });
        preferredSeen = true;
      }
    }
  }
  return { groupVersions: out, failed };
}

/**
 * Builds group-versions from legacy discovery: `GET /api` (`APIVersions`),
 * `GET /apis` (`APIGroupList`, whose `preferredVersion` marks the preferred
 * version) and each group-version's `APIResourceList` keyed by group-version
 * (`v1`, `apps/v1`). A group-version without a list is left out, as client-go
 * leaves out one whose request failed (report it as a {@link DiscoveryFailure}).
 */
export function legacyGroupVersions(api: unknown, apis: unknown, lists: Readonly<Record<string, unknown>>): GroupVersionResources[] {
  const out: GroupVersionResources[] = [];
  const add = (group: string, version: string, preferred: boolean) => {
    const list = lists[group === "" ? version : `${group}/${version}`];
    if (list === undefined) return;
    const resources = arr(obj(list).resources).map((ri): ResourceInfo => {
      const r = obj(ri);
      return {
        group,
        version,
        resource: str(r.name),
        kind: str(r.kind),
        singular: str(r.singularName),
        namespaced: r.namespaced === true,
        verbs: strs(r.verbs),
        shortNames: strs(r.shortNames),
        categories: strs(r.categories),
      };
    });
    out.push({ group, version, preferred, resources });
  };
  strs(obj(api).versions).forEach((v, i) => add("", v, i === 0));
  for (const gi of arr(obj(apis).groups)) {
    const g = obj(gi);
    const versions = arr(g.versions).map((vi) => str(obj(vi).version));
    const preferred = str(obj(g.preferredVersion).version) || versions[0];
    for (const v of versions) add(str(g.name), v, v === preferred);
  }
  return out;
}
