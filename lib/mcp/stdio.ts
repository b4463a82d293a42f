/**
 * `runMcpStdio`: the stdio MCP server behind `kubently mcp`. It talks to a
 * remote Kubently API with an API key through `httpClient`, so the remote
 * API's policies, audit and limits apply exactly as for REST. stdout carries
 * only MCP messages; diagnostics go to stderr.
 */
import type { Readable, Writable } from "node:stream";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { httpClient, type KubentlyClient } from "../client.ts";
import { KubentlyError, isKubentlyError } from "../errors.ts";
import { createMcpServer } from "./server.ts";

/** Options for {@link runMcpStdio}. */
export interface McpStdioOptions {
  /** Base URL of the Kubently API (`KUBENTLY_API_URL`). */
  apiUrl: string;
  /** API key the tools act with (`KUBENTLY_API_KEY`). */
  apiKey: string;
  /** Extra headers on every API call, e.g. `{ "X-Correlation-ID": "incident-42" }`. */
  headers?: Record<string, string>;
  /** Where MCP messages come from. @default process.stdin */
  input?: Readable;
  /** Where MCP messages go. @default process.stdout */
  output?: Writable;
}

/** A running stdio MCP server. */
export interface McpStdioServer {
  /** Resolves when the input ends (the MCP client went away) or {@link McpStdioServer.close} is called. */
  readonly closed: Promise<void>;
  /** Stops serving; tool calls in flight are abandoned. Idempotent. */
  close(): Promise<void>;
}

/** Rewords a rejected key so the person configuring the MCP client knows what to fix. */
function explainingClient(client: KubentlyClient, apiUrl: string): KubentlyClient {
  const explain = (e: unknown): never => {
    if (isKubentlyError(e, "UNAUTHENTICATED")) {
      throw new KubentlyError("UNAUTHENTICATED", `the Kubently API at ${apiUrl} rejected the API key (check KUBENTLY_API_KEY or --api-key): ${e.message}`, { cause: e });
    }
    throw e;
  };
  const wrap =
    <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
    (...a: A): Promise<R> =>
      f(...a).catch(explain);
  return {
    identityName: wrap(client.identityName),
    listClusters: wrap(client.listClusters),
    createSession: wrap(client.createSession),
    getSession: wrap(client.getSession),
    closeSession: wrap(client.closeSession),
    execute: wrap(client.execute),
    ...(client.executeStreamed ? { executeStreamed: wrap(client.executeStreamed) } : {}),
    getResult: wrap(client.getResult),
    fanout: wrap(client.fanout),
    diagnose: wrap(client.diagnose),
    diagnoseFanout: wrap(client.diagnoseFanout),
  };
}

/**
 * Serves the Kubently MCP tools on stdio (newline-delimited JSON-RPC), acting
 * on the API at `apiUrl` with `apiKey`. A wrong key or an unreachable API
 * does not stop the server: each tool call answers with a tool error saying
 * what is wrong.
 *
 * @example
 * const server = await runMcpStdio({ apiUrl: process.env.KUBENTLY_API_URL!, apiKey: process.env.KUBENTLY_API_KEY! });
 * await server.closed;
 */
export async function runMcpStdio(options: McpStdioOptions): Promise<McpStdioServer> {
  if (!options.apiUrl) throw new KubentlyError("VALIDATION_FAILED", "kubently mcp needs the API URL (KUBENTLY_API_URL or --api-url)");
  if (!options.apiKey) throw new KubentlyError("VALIDATION_FAILED", "kubently mcp needs an API key (KUBENTLY_API_KEY or --api-key)");
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const client = explainingClient(httpClient({ apiUrl: options.apiUrl, apiKey: options.apiKey, ...(options.headers ? { headers: options.headers } : {}) }), options.apiUrl);
  const server = createMcpServer(client);
  const transport = new StdioServerTransport(input, output);

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      input.off("end", close);
      input.off("close", close);
      await server.close().catch(() => {});
      resolveClosed();
    })();
    return closing;
  };
  transport.onerror = (e) => console.error(`[kubently mcp] ${e.message}`);
  // The SDK's stdio transport does not notice the input ending; we do.
  input.once("end", close);
  input.once("close", close);
  await server.connect(transport);
  return { closed, close };
}
