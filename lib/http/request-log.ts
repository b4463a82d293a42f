/**
 * One log line per REST request (docs/operations.md#logs): method, path
 * (never the query string: it may carry values a caller thought private),
 * status, duration, request and correlation ids, the caller's name (never
 * its key), and what the routes noted (cluster, session, command). Never a
 * body, never a header that carries a credential. A streamed answer is
 * logged when its headers are ready: `duration_ms` is the time to the first
 * byte. Health probes and the agents' successful calls are logged at debug,
 * a draining replica's refusals at info (the agents' at debug).
 */
import type { LogFields, Logger } from "../log/index.ts";
import { type Metrics, routeClass } from "../metrics.ts";
import { pathOf } from "../wire/http.ts";

/** Paths probed every few seconds by orchestrators: logged at debug. */
const PROBES = new Set(["/health", "/healthz", "/ready"]);
/**
 * The level of a request's line. Health probes and the agents' own calls
 * (long polls, heartbeats, results) at debug unless refused, else an idle
 * fleet fills the log. A draining process's refusals (503 `SHUTTING_DOWN`:
 * nothing was taken, the caller or agent goes to another replica) are how a
 * rolling restart works, not a failure: at info, the agents' at debug. Any
 * other 5xx is an error.
 */
function levelOf(path: string, status: number, code: unknown): "debug" | "info" | "error" {
  const agentCall = path.startsWith("/agent/");
  if (status === 503 && code === "SHUTTING_DOWN") return agentCall ? "debug" : "info";
  if (status >= 500) return "error";
  return PROBES.has(path) || (agentCall && status < 400) ? "debug" : "info";
}

/** A printable id from a header, clipped; absent when empty or not printable ASCII. */
const idFrom = (value: string | null): string | undefined => {
  const v = value?.trim().slice(0, 128);
  return v && /^[\x20-\x7e]+$/.test(v) ? v : undefined;
};

/** What a request's routes add to its log line. */
export interface RequestNotes {
  /** Adds fields to the request's line (cluster, session_id, identity, error_code). */
  note(request: Request, fields: LogFields): void;
}

/**
 * The request logger: `notes` for the routes, `wrap` around the handler that
 * answers. With `metrics`, each request's duration is also recorded in
 * `kubently_http_request_duration_seconds{route,status_class}` (route class,
 * never the path: see `routeClass`).
 */
export function requestLog(logger: Logger, metrics?: Pick<Metrics, "observe">): RequestNotes & { wrap(handler: (request: Request) => Promise<Response>): (request: Request) => Promise<Response> } {
  const notes = new WeakMap<Request, LogFields>();
  return {
    note(request, fields) {
      notes.set(request, { ...notes.get(request), ...fields });
    },
    wrap: (handler) => async (request) => {
      const started = performance.now();
      let response: Response | undefined;
      try {
        response = await handler(request);
        return response;
      } finally {
        // Never throws: an A2A request's URL may carry a Host no URL parser takes.
        const path = pathOf(request);
        const status = response?.status ?? 500;
        const seconds = (performance.now() - started) / 1000;
        metrics?.observe("kubently_http_request_duration_seconds", seconds, { route: routeClass(request.method, path), status_class: `${Math.floor(status / 100)}xx` });
        const fields: LogFields = {
          method: request.method.slice(0, 16),
          path: path.slice(0, 200),
          status,
          duration_ms: Math.round(seconds * 10_000) / 10,
          request_id: response?.headers.get("x-request-id") ?? undefined,
          correlation_id: idFrom(response?.headers.get("x-correlation-id") ?? null) ?? idFrom(request.headers.get("x-correlation-id")),
          command_id: idFrom(response?.headers.get("x-command-id") ?? null),
          ...notes.get(request),
        };
        for (const k of Object.keys(fields)) if (fields[k] === undefined) delete fields[k];
        logger[levelOf(path, status, fields.error_code)](fields, "request");
      }
    },
  };
}
