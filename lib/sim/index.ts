/**
 * A simulated, read-only Kubernetes API server that the real `kubectl` can talk
 * to: discovery, server-side Tables, describe, logs (with follow), events,
 * watches, metrics.k8s.io (`kubectl top`), and opt-in HTTPS with bearer-token
 * or client-certificate authentication. What it serves comes from a scenario:
 * a built-in one or scenario files (YAML or JSON; see scenario-file.ts).
 * It uses only `node:` modules and the `yaml` package (to read scenarios), so
 * it runs unchanged under Node and Bun.
 *
 * Clients cannot write (405), but the process that started the cluster can
 * ({@link SimCluster.add}, {@link SimCluster.update}, {@link SimCluster.remove});
 * every change bumps the resourceVersion and reaches open watches.
 *
 * @example
 * const sim = await startSimCluster();
 * const kubeconfig = await sim.writeKubeconfig();
 * // KUBECONFIG=$kubeconfig kubectl get pods -A -w
 * sim.update("pods/shop/web-7d4b9c8f6d-x2kqp", (p) => { p.metadata.labels = { ...p.metadata.labels, tier: "edge" }; });
 * await sim.close();
 */
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { type Server, createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type KubeObject, rfc3339, uidOf } from "./_k8s.ts";
import { type SimAuthOptions, createAuthenticator } from "./auth.ts";
import { churnCrashLoops } from "./churn.ts";
import { type ResourceType, findResourceType, resolveResourceType } from "./discovery.ts";
import { type RequestInfo, createHandler } from "./handler.ts";
import { DUMMY_TOKEN, type SimKubeconfigOptions, simKubeconfig } from "./kubeconfig.ts";
import { BUILTIN_SCENARIOS, type Scenario, type ScenarioMeta, type ScenarioName, buildScenario } from "./scenario.ts";
import { ScenarioError, loadScenarioPath } from "./scenario-file.ts";
import { createStore, typeOfObject } from "./store.ts";

export type { KubeObject } from "./_k8s.ts";
export type { SimAuthOptions } from "./auth.ts";
export type { RequestInfo } from "./handler.ts";
export { DUMMY_TOKEN, simKubeconfig } from "./kubeconfig.ts";
export type { SimCredentials, SimKubeconfigInput, SimKubeconfigOptions } from "./kubeconfig.ts";
export { BUILTIN_SCENARIOS, buildScenario } from "./scenario.ts";
export type { ContainerLogs, LogLine, MetricOverrides, ResourceUsage, Scenario, ScenarioExpectation, ScenarioMeta, ScenarioName } from "./scenario.ts";
export { MAX_SCENARIO_FILE_BYTES, MAX_SCENARIO_OBJECTS, ScenarioError, loadScenarioPath, parseScenario } from "./scenario-file.ts";
export type { LoadScenarioOptions, ParseScenarioOptions } from "./scenario-file.ts";

/** Server certificate for HTTPS, PEM. */
export interface SimTlsOptions {
  /** Server certificate (or chain); it must name the host clients dial (`127.0.0.1` by default) in its SANs. */
  cert: string;
  /** Private key of `cert`. */
  key: string;
  /**
   * CA that signed `cert`, written to kubeconfigs as `certificate-authority-data`.
   * @default `cert` itself (a self-signed certificate)
   */
  ca?: string;
}

/** Options for {@link startSimCluster}. */
export interface SimClusterOptions {
  /** TCP port to listen on. @default 0 (a free port) */
  port?: number;
  /** Interface to bind. @default "127.0.0.1" */
  host?: string;
  /**
   * What to serve: a built-in scenario, `default` (the troubleshooting story)
   * or `empty` (namespaces and nodes only), or the path of a scenario file
   * (`.yaml`, `.yml`, `.json`) or of a directory of them. A value with a path
   * separator or one of those extensions is a path; any other must be a
   * built-in or an existing path. Invalid files reject with a {@link ScenarioError}.
   * @default "default"
   */
  scenario?: ScenarioName | (string & {});
  /** Pause between lines streamed by `kubectl logs -f`. @default 200 */
  logFollowIntervalMs?: number;
  /** Called after each request is answered (streams: when they start); for debugging and tests. */
  onRequest?: (info: RequestInfo) => void;
  /** Serve HTTPS with this certificate; `url` becomes `https://`. @default undefined (plain HTTP) */
  tls?: SimTlsOptions;
  /**
   * Refuse requests without accepted credentials (401 Unauthorized). Needs at
   * least one of `tokens` and `clientCa`; `clientCa` needs `tls`.
   * @default undefined (every request is accepted, whatever its token)
   */
  auth?: SimAuthOptions;
  /**
   * Every this many ms, crash-looping pods restart once more (restartCount + 1,
   * BackOff Event count + 1), so watches and demos show change. Off by default
   * so golden outputs stay stable.
   * @default undefined (off)
   */
  churnIntervalMs?: number;
  /** Pause between BOOKMARK events of watches with `allowWatchBookmarks=true`. @default 60000 */
  watchBookmarkIntervalMs?: number;
}

/**
 * Names one object: `"<resource>/<namespace>/<name>"`, or `"<resource>/<name>"`
 * for cluster-scoped types, with the resource as kubectl takes it (`pods`,
 * `pod`, `po`, `Pod`, `deployments.apps`); or an object (its apiVersion, kind,
 * name and namespace are used).
 */
export type SimObjectRef = string | Pick<KubeObject, "apiVersion" | "kind"> & { metadata: { name: string; namespace?: string } };

/** A running simulated cluster. */
export interface SimCluster {
  /** Base URL, `http://<host>:<port>` (or `https://` with `tls`). */
  url: string;
  port: number;
  /** PEM CA clients should trust (`tls.ca`, else `tls.cert`); null over plain HTTP. */
  certificateAuthority: string | null;
  /** The scenario served: its name, description and the faults it states. */
  scenario: ScenarioMeta;
  /**
   * Writes a kubeconfig pointing at this server (mode 0600) and returns its path.
   * Without `path` it goes to a fresh temp directory that {@link SimCluster.close} removes.
   */
  writeKubeconfig(path?: string, options?: SimKubeconfigOptions): Promise<string>;
  /**
   * Kubeconfig YAML text with context `kubently-sim`: the CA when serving HTTPS,
   * and a user with `options.credentials`, by default the first accepted token
   * (the dummy token without `auth`). Throws when the cluster accepts only
   * client certificates and no credentials are given, rather than write one
   * that cannot work.
   */
  kubeconfig(options?: SimKubeconfigOptions): string;
  /** The latest resourceVersion (what a list reports now). */
  readonly resourceVersion: string;
  /** One object, or null. Throws a TypeError when `ref` names no served type or is malformed (as do the writes below). */
  get(ref: SimObjectRef): KubeObject | null;
  /**
   * Creates an object of any served kind (not metrics). Fills in uid and
   * creationTimestamp when missing; sets resourceVersion. Throws when it
   * exists, its kind is not served, or its namespace does not exist.
   */
  add(obj: KubeObject): KubeObject;
  /**
   * Changes an object: `mutate` gets a deep copy to edit in place or replace
   * (returning the new object). Name, namespace, kind and uid cannot change;
   * a changed `spec` bumps `metadata.generation` where the object has one.
   * Returns the stored object. Throws when the object does not exist.
   */
  update(ref: SimObjectRef, mutate: (draft: KubeObject) => KubeObject | void): KubeObject;
  /** Deletes an object and returns its last state. Throws when it does not exist. */
  remove(ref: SimObjectRef): KubeObject;
  /** Streams open now (`logs -f` follows and watches): a client that stopped reading has closed its own. */
  openStreams(): number;
  /** Stops listening and ends open streams (`logs -f`, watches) and churn. Idempotent. */
  close(): Promise<void>;
}

/** Resolves a {@link SimObjectRef} to its type, namespace and name; throws a TypeError when it names nothing served. */
function resolveRef(ref: SimObjectRef): { type: ResourceType; namespace: string | null; name: string } {
  if (typeof ref !== "string") {
    const type = typeOfObject(ref);
    if (!type) throw new TypeError(`the simulated cluster does not serve ${ref.apiVersion} ${ref.kind}`);
    return { type, namespace: type.namespaced ? (ref.metadata.namespace ?? "default") : null, name: ref.metadata.name };
  }
  const parts = ref.split("/");
  const type = resolveResourceType(parts[0] ?? "");
  if (!type) throw new TypeError(`unknown resource type in "${ref}"`);
  if (type.namespaced ? parts.length !== 3 : parts.length !== 2) {
    throw new TypeError(`"${ref}": expected "${type.resource}/${type.namespaced ? "<namespace>/" : ""}<name>"`);
  }
  return { type, namespace: type.namespaced ? (parts[1] ?? "") : null, name: parts[parts.length - 1] ?? "" };
}

const isPathLike = (spec: string) => /[\\/]/.test(spec) || /\.(ya?ml|json)$/i.test(spec);

/**
 * The scenario `spec` names (see {@link SimClusterOptions.scenario}), anchored
 * at `startedAt`. Rejects with a {@link ScenarioError} for an unknown name or
 * an invalid file.
 */
export async function resolveScenario(spec: string, startedAt = Date.now()): Promise<Scenario> {
  if ((BUILTIN_SCENARIOS as readonly string[]).includes(spec)) return buildScenario(spec as ScenarioName, startedAt);
  if (isPathLike(spec) || (await stat(spec).then(() => true, () => false))) return loadScenarioPath(spec, { startedAt });
  throw new ScenarioError(spec, null, `no such built-in scenario (${BUILTIN_SCENARIOS.join(", ")}) nor file or directory`);
}

/**
 * Starts a simulated cluster. Timestamps in the scenario are moved to this
 * call (from its `capturedAt`), so pods show ages like `2d14h` and restarts
 * `2m40s ago`.
 */
export async function startSimCluster(opts: SimClusterOptions = {}): Promise<SimCluster> {
  const { tls, auth } = opts;
  if (auth && !auth.tokens?.length && auth.clientCa === undefined) throw new TypeError("auth needs tokens or clientCa: as given it would refuse every request");
  if (auth?.clientCa !== undefined && !tls) throw new TypeError("auth.clientCa needs tls: client certificates only exist over HTTPS");
  const host = opts.host ?? "127.0.0.1";
  const scenario = await resolveScenario(opts.scenario ?? "default");
  const store = createStore(scenario);
  const streams = new Set<() => void>();
  const sockets = new Set<Socket>();
  const handler = createHandler(store, {
    logFollowIntervalMs: opts.logFollowIntervalMs ?? 200,
    watchBookmarkIntervalMs: opts.watchBookmarkIntervalMs ?? 60_000,
    authenticate: createAuthenticator(auth),
    onStream(stop) {
      streams.add(stop);
      return () => streams.delete(stop);
    },
    ...(opts.onRequest ? { onRequest: opts.onRequest } : {}),
  });
  // With a client CA the server asks for a certificate but never aborts the handshake:
  // the handler answers a Kubernetes 401 Status, which kubectl can report.
  const server: Server = tls
    ? createHttpsServer({ cert: tls.cert, key: tls.key, ...(auth?.clientCa !== undefined ? { ca: auth.clientCa, requestCert: true, rejectUnauthorized: false } : {}) }, handler)
    : createServer(handler);
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : (opts.port ?? 0);
  const url = `${tls ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const certificateAuthority = tls ? (tls.ca ?? tls.cert) : null;
  let closing: Promise<void> | null = null;
  const tempDirs: string[] = [];
  const churn = opts.churnIntervalMs ? setInterval(() => churnCrashLoops(store), opts.churnIntervalMs) : undefined;

  const kubeconfig = (options: SimKubeconfigOptions = {}) => {
    let credentials = options.credentials;
    if (credentials === undefined) {
      if (!auth) credentials = { token: DUMMY_TOKEN };
      else if (auth.tokens?.[0]) credentials = { token: auth.tokens[0] };
      else throw new Error("this simulated cluster accepts only client certificates: pass credentials: { clientCertificate, clientKey }");
    }
    return simKubeconfig(url, { credentials, ...(certificateAuthority ? { certificateAuthority } : {}) });
  };
  const getObject = (ref: SimObjectRef) => {
    const { type, namespace, name } = resolveRef(ref);
    return store.get(type, namespace, name);
  };

  return {
    url,
    port,
    certificateAuthority,
    scenario: scenario.meta,
    kubeconfig,
    async writeKubeconfig(path, options) {
      const text = kubeconfig(options);
      let target = path;
      if (!target) {
        const dir = await mkdtemp(join(tmpdir(), "kubently-sim-"));
        tempDirs.push(dir);
        target = join(dir, "kubeconfig");
      }
      await writeFile(target, text, { mode: 0o600 });
      return target;
    },
    get resourceVersion() {
      return store.resourceVersion;
    },
    get: getObject,
    add(obj) {
      const type = typeOfObject(obj);
      if (!type) throw new TypeError(`the simulated cluster does not serve ${obj.apiVersion} ${obj.kind}`);
      const o = structuredClone(obj);
      if (!o.metadata?.name) throw new TypeError("metadata.name is required");
      if (type.namespaced) {
        const ns = o.metadata.namespace;
        if (!ns) throw new TypeError(`${type.resource} are namespaced: metadata.namespace is required`);
        const namespaces = findResourceType("", "v1", "namespaces");
        if (namespaces && !store.get(namespaces, null, ns)) throw new Error(`namespaces "${ns}" not found`);
      } else delete o.metadata.namespace;
      o.metadata.uid ||= uidOf(`${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}/${store.resourceVersion}`);
      o.metadata.creationTimestamp ||= rfc3339(Date.now());
      return store.create(type, o);
    },
    update(ref, mutate) {
      const { type, namespace, name } = resolveRef(ref);
      const current = store.get(type, namespace, name);
      if (!current) throw new Error(`${type.resource} "${name}" not found`);
      const draft = structuredClone(current);
      const next = mutate(draft) ?? draft;
      const same = (a: unknown, b: unknown) => a === b;
      if (!same(next.kind, current.kind) || !same(next.apiVersion, current.apiVersion) || !same(next.metadata?.name, current.metadata.name) || !same(next.metadata.namespace, current.metadata.namespace)) {
        throw new TypeError(`update cannot change the kind, apiVersion, name or namespace of ${type.resource} "${name}"`);
      }
      next.metadata.uid = current.metadata.uid;
      next.metadata.creationTimestamp = current.metadata.creationTimestamp;
      if (typeof current.metadata.generation === "number" && JSON.stringify(next.spec) !== JSON.stringify(current.spec)) {
        next.metadata.generation = current.metadata.generation + 1;
      }
      return store.replace(type, next);
    },
    remove(ref) {
      const { type, namespace, name } = resolveRef(ref);
      return store.delete(type, namespace, name);
    },
    openStreams: () => streams.size,
    close() {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(churn);
        for (const stop of [...streams]) stop();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }).then(async () => {
        await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
      });
      return closing;
    },
  };
}
