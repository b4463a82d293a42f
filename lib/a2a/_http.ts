/** HTTP helpers shared by the A2A handler and its WebSocket endpoint. */
import type { CallMeta } from "./executor.ts";
import { headerText, timeoutHeader } from "../wire/headers.ts";

/** A JSON-RPC response envelope. */
export type JsonRpcResponse = { jsonrpc: string; id: string | number | null; result?: unknown; error?: unknown };
/** A JSON-RPC answer, or the stream of answers of a streaming method. */
export type RpcOutcome = JsonRpcResponse | AsyncGenerator<JsonRpcResponse, void, undefined>;
/** One dispatched call: its answer or stream, and how to map a stream error (v1.0 and v0.3 differ). */
export interface Dispatched {
  outcome: RpcOutcome;
  mapError: (e: unknown) => unknown;
}

/** X-Correlation-ID, X-Request-Timeout and X-Service-Identity, validated as the REST API does. */
export function callMetaFrom(headers: Headers): CallMeta {
  const correlationId = headerText(headers, "x-correlation-id");
  const timeoutSeconds = timeoutHeader(headers);
  const onBehalfOf = headerText(headers, "x-service-identity");
  return {
    ...(correlationId ? { correlationId } : {}),
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    ...(onBehalfOf ? { onBehalfOf } : {}),
  };
}

/** Request headers for the SDK's call context, without the credential. */
export function plainHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, key) => {
    if (key !== "authorization" && key !== "x-api-key" && key !== "sec-websocket-protocol" && key !== "cookie") out[key] = value;
  });
  return out;
}

/** The request's id when JSON-RPC allows it (a string, a number or null), else null. */
export const rpcIdOf = (body: unknown): string | number | null => {
  const id = (body as { id?: unknown } | null)?.id;
  return typeof id === "string" || (typeof id === "number" && Number.isFinite(id)) ? id : null;
};

/**
 * Why `body` is not a JSON-RPC 2.0 request we can hand to the SDK, as a
 * JSON-RPC error, or null: a bad envelope is -32600 (its id answered only
 * when it is a valid id), an id field of the params that is not a string is
 * -32602 (the SDK would store an object as "[object Object]").
 */
export function envelopeProblem(body: Record<string, unknown>): { code: number; message: string } | null {
  if ("id" in body && body.id !== null && typeof body.id !== "string" && !(typeof body.id === "number" && Number.isFinite(body.id))) {
    return { code: -32600, message: "Invalid Request: id must be a string, a number or null" };
  }
  if (body.jsonrpc !== "2.0") return { code: -32600, message: 'Invalid Request: jsonrpc must be "2.0"' };
  if (typeof body.method !== "string" || body.method === "") return { code: -32600, message: "Invalid Request: method must be a non-empty string" };
  // The card says pushNotifications: false; refusing here also keeps odd params away from the SDK's converters.
  if (/pushnotification/i.test(body.method)) return { code: -32003, message: "Push notifications are not supported" };
  const params = body.params as Record<string, unknown> | undefined;
  if (params === undefined) return null;
  if (params === null || typeof params !== "object" || Array.isArray(params)) return { code: -32602, message: "Invalid params: params must be an object" };
  const message = params.message as Record<string, unknown> | undefined;
  if (message !== undefined && (message === null || typeof message !== "object" || Array.isArray(message))) return { code: -32602, message: "Invalid params: params.message must be an object" };
  const parts = message?.parts;
  if (parts !== undefined && (!Array.isArray(parts) || parts.some((p) => p === null || typeof p !== "object" || Array.isArray(p)))) {
    return { code: -32602, message: "Invalid params: params.message.parts must be a list of part objects" };
  }
  const fields: [string, unknown][] = [
    ...["id", "taskId", "contextId"].map((k): [string, unknown] => [`params.${k}`, params[k]]),
    ...(message && typeof message === "object" ? ["messageId", "taskId", "contextId"].map((k): [string, unknown] => [`params.message.${k}`, message[k]]) : []),
  ];
  const bad = fields.find(([, value]) => value !== undefined && value !== null && typeof value !== "string");
  return bad ? { code: -32602, message: `Invalid params: ${bad[0]} must be a string` } : null;
}
