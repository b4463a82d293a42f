/**
 * `createMcpServer`: the Kubently MCP server over any {@link KubentlyClient}.
 * The same server runs in the API (streamable HTTP, in-process client bound to
 * the caller's identity) and in `kubently mcp` (stdio, HTTP client with a key).
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { CallToolRequestSchema, CancelledNotificationSchema, ErrorCode, ListToolsRequestSchema, McpError, type RequestId } from "@modelcontextprotocol/sdk/types.js";
import type { KubentlyClient } from "../client.ts";
import { VERSION } from "../version.ts";
import { callTool, isToolName, toolDefinitions } from "./tools.ts";

/** Options for {@link createMcpServer}. */
export interface McpServerOptions {
  /**
   * Correlation id given to every command and session started through this
   * server (the HTTP handler passes `X-Correlation-ID`).
   * @default each command's own id
   */
  correlationId?: string;
  /**
   * Timeout for `execute_kubectl` calls that give no `timeout_seconds` (the
   * HTTP handler passes `X-Request-Timeout`).
   * @default the API's default (LIMITS.defaultTimeoutSeconds)
   */
  timeoutSeconds?: number;
  /** Recorded with every command (the HTTP handler passes `X-Service-Identity`); never used for access. */
  onBehalfOf?: string;
  /**
   * Honour progress tokens: a `tools/call` whose `_meta.progressToken` is set
   * streams `execute_kubectl` output as `notifications/progress`. False where
   * notifications cannot reach the client (JSON responses): calls then never
   * stream.
   * @default true
   */
  progress?: boolean;
  /**
   * Where tool calls are tracked so that a `notifications/cancelled` arriving
   * on another connection reaches the call it names (stateless HTTP, where
   * every request has its own server). Without it a cancel reaches only calls
   * of this server.
   */
  calls?: McpCallTracker;
}

/** Tool calls in flight, for cancels that arrive elsewhere (see {@link McpServerOptions.calls}). */
export interface McpCallTracker {
  /** A tool call with this request id began; returns the function to call when it ends. */
  begin(requestId: RequestId): () => void;
  /** The client cancelled the request with this id. */
  cancel(requestId: RequestId): void;
}

const INSTRUCTIONS = [
  "Kubently runs read-only kubectl commands in Kubernetes clusters through an agent inside each cluster.",
  "Start with list_clusters, then execute_kubectl (for example command \"get\", resource \"pods\", args [\"-A\"]).",
  "Mutating commands, exec, port-forward and Secret contents are refused by policy; a refusal names the rule and the reason.",
  "create_debug_session is optional: it groups commands and keeps the agent responsive while you investigate.",
].join(" ");

/** The ids of the clusters the caller may use, or null when they cannot be listed (e.g. a rejected key). */
async function callerClusters(client: KubentlyClient): Promise<string[] | null> {
  try {
    return (await client.listClusters()).map((c) => c.id);
  } catch {
    return null;
  }
}

/**
 * Builds an MCP server exposing the Kubently tools (`list_clusters`,
 * `create_debug_session`, `execute_kubectl`, `get_command_result`,
 * `close_session`). Every tool runs through `client`, so the caller sees
 * exactly what its key allows over REST.
 *
 * The tools are served by request handlers on `server.server` (JSON Schema,
 * computed per `tools/list`: the `cluster_id` enum lists the clusters the
 * client may use at that moment), not through `McpServer.registerTool`;
 * resources and prompts may still be registered on the returned server.
 */
export function createMcpServer(client: KubentlyClient, options: McpServerOptions = {}): McpServer {
  const mcp = new McpServer(
    { name: "kubently", title: "Kubently", version: VERSION },
    { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS },
  );
  mcp.server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: toolDefinitions(await callerClusters(client)) }));
  mcp.server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name, arguments: args } = request.params;
    if (!isToolName(name)) throw new McpError(ErrorCode.InvalidParams, `unknown tool ${name.slice(0, 80)}`);
    const progressToken = options.progress === false ? undefined : request.params._meta?.progressToken;
    const progress = async (bytes: number, chunk: string) =>
      extra.sendNotification({ method: "notifications/progress", params: { progressToken: progressToken!, progress: bytes, message: chunk } });
    const ended = options.calls?.begin(extra.requestId);
    try {
      return await callTool(name, args, {
        client,
        signal: extra.signal,
        ...(progressToken !== undefined ? { progress } : {}),
        ...(options.correlationId ? { correlationId: options.correlationId } : {}),
        ...(options.timeoutSeconds ? { timeoutSeconds: options.timeoutSeconds } : {}),
        ...(options.onBehalfOf ? { onBehalfOf: options.onBehalfOf } : {}),
      });
    } finally {
      ended?.();
    }
  });
  if (options.calls) {
    const calls = options.calls;
    mcp.server.setNotificationHandler(CancelledNotificationSchema, (notification) => {
      if (notification.params.requestId !== undefined) calls.cancel(notification.params.requestId);
    });
  }
  return mcp;
}
