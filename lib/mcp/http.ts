/**
 * `mcpHttpHandler`: MCP over streamable HTTP, as a fetch-style handler the
 * API mounts at `/mcp` (works on Node and Bun: web-standard Request and
 * Response only).
 *
 * Stateless by design: no `Mcp-Session-Id` is issued. Every POST carries the
 * API key and is authenticated on its own, gets a fresh MCP server bound to
 * that caller's identity, and is answered on its own response (an SSE stream
 * that ends with the answer, or one JSON body). Nothing is kept between
 * requests, so there is no session to hijack, cap or expire, a revoked key
 * stops working at its next request, and any API replica can answer any
 * request. Kubently debug sessions (`create_debug_session`) are the durable
 * state, and they live in the backend. GET and DELETE answer 405, which MCP
 * clients take as "no server-initiated stream".
 *
 * A `tools/call` with a progress token streams `execute_kubectl` output as
 * progress notifications on its own SSE response. A client's
 * `notifications/cancelled` arrives on another POST: the handler's call
 * registry routes it to the POST running that call (same caller, same
 * request id), which ends unanswered and cancels its command.
 */
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { localClient } from "../client.ts";
import { presentedSecret } from "../identity.ts";
import { LIMITS } from "../limits.ts";
import type { KubentlyHost } from "../services.ts";
import { withKeepAlive } from "../_keep-alive.ts";
import { newId } from "../_utils.ts";
import { headerText, timeoutHeader } from "../wire/headers.ts";
import { KubentlyError, isKubentlyError } from "../errors.ts";
import { checkOrigin, errorResponse, jsonResponse as json, readBodyText } from "../wire/http.ts";
import { callRegistry } from "./_calls.ts";
import { messageProblem } from "./_messages.ts";
import { createMcpServer } from "./server.ts";

/** What the handler needs of a Kubently instance (a whole `Kubently` will do): its context and services. */
export type McpHost = KubentlyHost;

/** Options for {@link mcpHttpHandler}. */
export interface McpHttpOptions {
  /**
   * Answer each POST with one JSON body instead of an SSE stream. JSON suits
   * clients or proxies that buffer event streams, but carries no progress
   * notifications: calls then never stream.
   * @default false
   */
  jsonResponse?: boolean;
  /**
   * Host names besides loopback that requests may name in `Host` (`"*"`:
   * any). Anything else is refused with 403: the guard against DNS
   * rebinding the MCP spec asks for. A server reached by a DNS name lists it.
   * @default [] (loopback only)
   */
  allowedHosts?: readonly string[];
  /**
   * Browser origins allowed to call `/mcp` besides those on an allowed host
   * (requests without `Origin`, i.e. every non-browser client, are not
   * affected). The API key is required either way.
   * @default []
   */
  allowedOrigins?: readonly string[];
}

/** Copies a response with extra headers (responses built by the SDK may not be mutable on every runtime). */
function withHeaders(response: Response, body: ReadableStream<Uint8Array> | null, extra: Record<string, string>): Response {
  const headers = new Headers(response.headers);
  for (const [k, v] of Object.entries(extra)) headers.set(k, v);
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * Passes `body` through and calls `done` once, when it ends, fails, or the
 * client cancels it (went away).
 */
function untilDone(body: ReadableStream<Uint8Array>, done: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const chunk = await reader.read();
        if (chunk.done) {
          controller.close();
          done();
        } else {
          controller.enqueue(chunk.value);
        }
      } catch (e) {
        controller.error(e);
        done();
      }
    },
    async cancel(reason) {
      done();
      await reader.cancel(reason).catch(() => {});
    },
  });
}

/**
 * A fetch handler serving MCP (streamable HTTP, stateless) for one Kubently
 * instance. Authenticated like REST (`X-API-Key` or `Authorization: Bearer`,
 * 401 `{error, code, request_id}` otherwise); tools run as the caller through
 * `localClient`. `X-Correlation-ID` is given to every command and session the
 * request starts, `X-Request-Timeout` is the default `timeout_seconds`.
 * `X-Service-Identity` never changes who the caller is: the key decides.
 *
 * @example
 * const mcp = mcpHttpHandler(kubently);
 * serve((req) => (new URL(req.url).pathname === "/mcp" ? mcp(req) : kubently.handle(req)));
 */
export function mcpHttpHandler(kubently: McpHost, options: McpHttpOptions = {}): (request: Request) => Promise<Response> {
  const { authenticator, metrics } = kubently.context;
  const calls = callRegistry();

  async function handle(request: Request, requestId: string): Promise<Response> {
    checkOrigin(request, options);
    const identity = await authenticator.authenticate(presentedSecret(request.headers));
    if (request.method !== "POST") {
      const refused = errorResponse(new KubentlyError("METHOD_NOT_ALLOWED", "this MCP endpoint is stateless: only POST is served (no server-initiated stream, no sessions to delete)"), requestId, metrics);
      refused.headers.set("allow", "POST");
      return refused;
    }
    // The body is read and checked here (size, UTF-8, JSON, JSON-RPC shape), then handed to the SDK parsed.
    let message: unknown;
    try {
      message = JSON.parse(await readBodyText(request, LIMITS.maxBodyBytes));
    } catch (e) {
      const tooLarge = isKubentlyError(e, "PAYLOAD_TOO_LARGE");
      const error = tooLarge ? { code: -32600, message: `Invalid Request: ${e.message}`, data: { code: "PAYLOAD_TOO_LARGE" } } : { code: -32700, message: `Parse error: ${isKubentlyError(e) ? e.message : "the body is not valid JSON"}` };
      return json(tooLarge ? 413 : 400, { jsonrpc: "2.0", id: null, error }, { "x-request-id": requestId });
    }
    const problem = messageProblem(message);
    if (problem) return json(400, problem, { "x-request-id": requestId });
    const correlationId = headerText(request, "x-correlation-id");
    const onBehalfOf = headerText(request, "x-service-identity");
    const timeoutSeconds = timeoutHeader(request);

    const server = createMcpServer(localClient(kubently, identity), {
      ...(correlationId ? { correlationId } : {}),
      ...(onBehalfOf ? { onBehalfOf } : {}),
      ...(timeoutSeconds ? { timeoutSeconds } : {}),
      progress: !options.jsonResponse,
      calls: calls.for(identity.name, () => close()),
    });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: options.jsonResponse ?? false,
      maxRequestBodySize: LIMITS.maxBodyBytes,
    });
    let closed = false;
    // Closing the server aborts tool calls still running, which cancels their commands.
    const close = () => {
      if (closed) return;
      closed = true;
      void server.close().catch(() => {});
    };
    request.signal?.addEventListener("abort", close, { once: true });
    await server.connect(transport);
    let response: Response;
    try {
      response = await transport.handleRequest(request, { parsedBody: message });
    } catch (e) {
      close();
      throw e;
    }
    metrics.inc("kubently_mcp_requests_total", { status: String(response.status) });
    const extra = { "x-request-id": requestId, ...(correlationId ? { "x-correlation-id": correlationId } : {}) };
    if (!response.body) {
      close();
      return withHeaders(response, null, extra);
    }
    const body = untilDone(response.body, close);
    // A streamed call may be quiet for minutes: comments keep its SSE response open.
    return withHeaders(response, response.headers.get("content-type")?.startsWith("text/event-stream") ? withKeepAlive(body) : body, extra);
  }

  return async (request) => {
    const requestId = newId();
    try {
      return await handle(request, requestId);
    } catch (error) {
      return errorResponse(error, requestId, metrics, "MCP request");
    }
  };
}
