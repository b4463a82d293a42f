/** HTTP helpers shared by the A2A handler and its WebSocket endpoint. */
import type { CallMeta } from "./executor.ts";
import { headerText, timeoutHeader } from "../http/headers.ts";

/** A JSON-RPC response envelope. */
export type JsonRpcResponse = { jsonrpc: string; id: string | number | null; result?: unknown; error?: unknown };
/** A JSON-RPC answer, or the stream of answers of a streaming method. */
export type RpcOutcome = JsonRpcResponse | AsyncGenerator<JsonRpcResponse, void, undefined>;
/** One dispatched call: its answer or stream, and how to map a stream error (v1.0 and v0.3 differ). */
export interface Dispatched {
  outcome: RpcOutcome;
  mapError: (e: unknown) => unknown;
}

/** A JSON response. */
export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

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

/** Reads at most `max` bytes of the body; null when it is larger. */
export async function readBody(request: Request, max: number): Promise<string | null> {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > max) return null;
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}
