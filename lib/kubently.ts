/**
 * `createKubently`: one instance of the API with the backend and policies the
 * host picks, its REST app, and (optionally) agents running in-process.
 */
import { memoryBackend } from "../adapters/memory/index.ts";
import { startAgent, type AgentOptions, type RunningAgent } from "./agent/agent.ts";
import type { Executor } from "./agent/executors.ts";
import { localTransport } from "./agent/transports.ts";
import { clusterService } from "./clusters.ts";
import type { CoreContext } from "./context.ts";
import type { Backend } from "./contracts.ts";
import { executeService } from "./execute.ts";
import { keyService } from "./keys.ts";
import { createHttpApp } from "./http/app.ts";
import { serve, type HttpServer, type ServeOptions } from "./http/serve.ts";
import { createAuthenticator, mintAgentToken, type ConfiguredKey } from "./identity.ts";
import { createMetrics } from "./metrics.ts";
import { createPipeline, type Policy } from "./policy.ts";
import { sessionService } from "./sessions.ts";
import { createSigner } from "./signing.ts";
import { VERSION } from "./version.ts";

export { VERSION } from "./version.ts";

/** Options for {@link createKubently}. */
export interface KubentlyOptions {
  /** Where sessions, commands, keys and audit live. @default memoryBackend() */
  backend?: Backend;
  /**
   * Command policies, in order; the same list runs in local agents. There is
   * no implicit default: pass `[readOnly()]` from `kubently/plugins/read-only`
   * unless you mean something else.
   */
  policies: readonly Policy[];
  /** API keys from configuration. */
  apiKeys?: readonly ConfiguredKey[];
  /** Clusters to register at start, with an agent token to accept for each. */
  clusters?: readonly { id: string; token?: string }[];
  /**
   * PKCS#8 PEM Ed25519 key that signs commands. Replicas sharing a backend must
   * share it; with none, a fresh key is made at start (agents fetch the public key).
   */
  signingKey?: string;
}

/** Options for {@link Kubently.startLocalAgent}. */
export type LocalAgentOptions = Omit<AgentOptions, "transport" | "policies"> & { executor: Executor; policies?: readonly Policy[] };

/** A Kubently API instance. */
export interface Kubently {
  readonly backend: Backend;
  readonly services: {
    clusters: ReturnType<typeof clusterService>;
    sessions: ReturnType<typeof sessionService>;
    execute: ReturnType<typeof executeService>;
    keys: ReturnType<typeof keyService>;
  };
  readonly context: CoreContext;
  /** The REST app as a fetch handler (works on Node and Bun). */
  handle(request: Request): Promise<Response>;
  /** The Elysia app, to mount in a host app. */
  readonly app: ReturnType<typeof createHttpApp>;
  /** Serves the REST API. */
  listen(options?: ServeOptions): Promise<HttpServer>;
  /** Runs an agent in this process for a registered cluster (no HTTP hop). */
  startLocalAgent(options: LocalAgentOptions): RunningAgent;
  /** Registers each configured cluster and token; idempotent. */
  ready(): Promise<void>;
  /** Stops local agents and servers, then closes the backend. */
  close(): Promise<void>;
}

/** Creates a Kubently instance. Call `ready()` before serving. */
export function createKubently(options: KubentlyOptions): Kubently {
  const backend = options.backend ?? memoryBackend();
  const context: CoreContext = {
    backend,
    pipeline: createPipeline(options.policies, "api"),
    authenticator: createAuthenticator(backend.auth, options.apiKeys ?? []),
    metrics: createMetrics(),
    signer: createSigner(options.signingKey),
  };
  const clusters = clusterService(context);
  const sessions = sessionService(context, clusters);
  const execute = executeService(context, clusters, sessions);
  const keys = keyService(context, clusters);
  const app = createHttpApp({ ctx: context, clusters, sessions, execute, keys, version: VERSION });
  const agents = new Set<RunningAgent>();
  const servers = new Set<HttpServer>();
  const handle = (request: Request) => Promise.resolve(app.handle(request));

  return {
    backend,
    context,
    services: { clusters, sessions, execute, keys },
    app,
    handle,
    async listen(serveOptions) {
      const server = await serve(handle, serveOptions);
      servers.add(server);
      return server;
    },
    startLocalAgent(agentOptions) {
      const agentId = agentOptions.agentId ?? `local-${agentOptions.clusterId}`;
      const agent = startAgent({
        ...agentOptions,
        agentId,
        policies: agentOptions.policies ?? options.policies,
        transport: localTransport(clusters, agentOptions.clusterId, agentId, [context.signer.publicKeyPem]),
      });
      agents.add(agent);
      return agent;
    },
    async ready() {
      for (const c of options.clusters ?? []) {
        await clusters.register(c.id);
        if (c.token) {
          // Configured tokens are the operator's statement of truth: replace whatever is stored.
          await backend.auth.setAgentTokens(c.id, [mintAgentToken(c.token).record]);
        }
      }
    },
    async close() {
      // Order matters: refuse new commands, let local agents finish and post what they run,
      // wait for callers in flight to get their answers, then stop serving and end long polls.
      const drained = execute.drain();
      await Promise.allSettled([...agents].map((a) => a.stop()));
      await drained;
      await Promise.allSettled([...servers].map((s) => s.close()));
      await backend.close();
    },
  };
}
