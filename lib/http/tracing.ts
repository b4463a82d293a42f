/**
 * The server span of each REST request (docs/operations.md, "Tracing"): its
 * parent is the caller's W3C `traceparent`/`tracestate`, so the API's spans,
 * and through the queue the agent's, join the caller's trace. Named by route
 * class, never by path (paths carry ids). Not traced: probes, `/metrics`,
 * the agents' polls and heartbeats, and event streams, which would fill a
 * trace store with spans that say nothing.
 */
import { routeClass } from "../metrics.ts";
import { pathOf } from "../wire/http.ts";
import { SpanKind, contextFrom, failSpan, inSpan } from "../trace.ts";

/** Route classes that get no span. */
const UNTRACED = new Set(["probe", "metrics", "agent_poll", "events", "ui"]);

/**
 * `handler` with a server span around each request it answers, named
 * `METHOD route-class` (`POST execute`), or by `server` for another server
 * of the instance (`A2A POST`).
 */
export function tracedRequests(handler: (request: Request) => Promise<Response>, server?: string): (request: Request) => Promise<Response> {
  return (request) => {
    const path = pathOf(request);
    const route = server ? server.toLowerCase() : routeClass(request.method, path);
    if (UNTRACED.has(route) || path === "/agent/heartbeat") return handler(request);
    const method = request.method.slice(0, 16);
    return inSpan(server ? `${server} ${method}` : `${method} ${route}`, { kind: SpanKind.SERVER, parent: contextFrom(request.headers), attributes: { "http.request.method": method, "url.path": path.slice(0, 200), "http.route": route } }, async (span) => {
      const response = await handler(request);
      span.setAttribute("http.response.status_code", response.status);
      if (response.status >= 500) failSpan(span, `answered ${response.status}`);
      return response;
    });
  };
}
