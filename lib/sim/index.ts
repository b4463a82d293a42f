/**
 * A simulated, read-only Kubernetes API server that the real `kubectl` can talk
 * to: discovery, server-side Tables, describe, logs (with follow), events.
 * It uses only `node:` modules so it runs unchanged under Node 20 and Bun.
 *
 * @example
 * const sim = await startSimCluster();
 * const kubeconfig = await sim.writeKubeconfig();
 * // KUBECONFIG=$kubeconfig kubectl get pods -A
 * await sim.close();
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { type Server, createServer } from "node:http";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RequestInfo, createHandler } from "./handler.ts";
import { type ScenarioName, buildScenario } from "./scenario.ts";
import { createStore } from "./store.ts";

export type { RequestInfo } from "./handler.ts";
export type { ScenarioName } from "./scenario.ts";

/** Options for {@link startSimCluster}. */
export interface SimClusterOptions {
  /** TCP port to listen on. @default 0 (a free port) */
  port?: number;
  /** Interface to bind. @default "127.0.0.1" */
  host?: string;
  /** Objects to serve: `default` (the troubleshooting story) or `empty` (namespaces and nodes only). @default "default" */
  scenario?: ScenarioName;
  /** Pause between lines streamed by `kubectl logs -f`. @default 200 */
  logFollowIntervalMs?: number;
  /** Called after each request is answered (streams: when they start); for debugging and tests. */
  onRequest?: (info: RequestInfo) => void;
}

/** A running simulated cluster. */
export interface SimCluster {
  /** Base URL, `http://<host>:<port>`. */
  url: string;
  port: number;
  /**
   * Writes a kubeconfig pointing at this server (mode 0600) and returns its path.
   * Without `path` it goes to a fresh temp directory that {@link SimCluster.close} removes.
   */
  writeKubeconfig(path?: string): Promise<string>;
  /** Kubeconfig YAML text with context `kubently-sim` and a dummy token user. */
  kubeconfig(): string;
  /** Stops listening and ends open streams (`logs -f`, watches). Idempotent. */
  close(): Promise<void>;
}

/** Kubeconfig YAML for a simulated cluster at `server` (context `kubently-sim`, namespace `default`). */
export function simKubeconfig(server: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: kubently-sim",
    "  cluster:",
    `    server: ${server}`,
    "contexts:",
    "- name: kubently-sim",
    "  context:",
    "    cluster: kubently-sim",
    "    user: kubently-sim",
    "    namespace: default",
    "current-context: kubently-sim",
    "preferences: {}",
    "users:",
    "- name: kubently-sim",
    "  user:",
    "    token: kubently-sim-token",
    "",
  ].join("\n");
}

/**
 * Starts a simulated cluster. Timestamps in the scenario are relative to this
 * call, so pods show ages like `2d14h` and restarts `2m40s ago`.
 */
export async function startSimCluster(opts: SimClusterOptions = {}): Promise<SimCluster> {
  const host = opts.host ?? "127.0.0.1";
  const store = createStore(buildScenario(opts.scenario ?? "default"));
  const streams = new Set<() => void>();
  const sockets = new Set<Socket>();
  const handler = createHandler(store, {
    logFollowIntervalMs: opts.logFollowIntervalMs ?? 200,
    onStream(stop) {
      streams.add(stop);
      return () => streams.delete(stop);
    },
    ...(opts.onRequest ? { onRequest: opts.onRequest } : {}),
  });
  const server: Server = createServer(handler);
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
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | null = null;
  const tempDirs: string[] = [];

  return {
    url,
    port,
    kubeconfig: () => simKubeconfig(url),
    async writeKubeconfig(path) {
      let target = path;
      if (!target) {
        const dir = await mkdtemp(join(tmpdir(), "kubently-sim-"));
        tempDirs.push(dir);
        target = join(dir, "kubeconfig");
      }
      await writeFile(target, simKubeconfig(url), { mode: 0o600 });
      return target;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
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
