/**
 * Checks what a client POSTs to `/mcp` before the SDK sees it, so a bad
 * message gets the JSON-RPC error that names the problem: an envelope that
 * is not JSON-RPC 2.0 (or an empty batch) is -32600 Invalid Request, and
 * params of the wrong type for a method we serve are -32602 Invalid params
 * naming the field (the SDK would answer -32603 with a validator dump).
 */
import { CallToolRequestSchema, InitializeRequestSchema, ListToolsRequestSchema, PingRequestSchema } from "@modelcontextprotocol/sdk/types.js";

/** One JSON-RPC error answer. */
export interface RpcError {
  jsonrpc: "2.0";
  id: string | number | null;
  error: { code: number; message: string };
}

const PARAM_SCHEMAS = {
  initialize: InitializeRequestSchema,
  ping: PingRequestSchema,
  "tools/list": ListToolsRequestSchema,
  "tools/call": CallToolRequestSchema,
} as const;

const isId = (id: unknown): id is string | number | null => id === null || typeof id === "string" || (typeof id === "number" && Number.isFinite(id));
const rpcError = (id: unknown, code: number, message: string): RpcError => ({ jsonrpc: "2.0", id: isId(id) ? id : null, error: { code, message } });

/** The error for one message, or null when the SDK may take it. */
function problemOf(message: unknown): RpcError | null {
  if (message === null || typeof message !== "object" || Array.isArray(message)) return rpcError(null, -32600, "Invalid Request: each message must be a JSON-RPC object");
  const m = message as Record<string, unknown>;
  if ("id" in m && !isId(m.id)) return rpcError(null, -32600, "Invalid Request: id must be a string, a number or null");
  if (m.jsonrpc !== "2.0") return rpcError(m.id, -32600, 'Invalid Request: jsonrpc must be "2.0"');
  const isResponse = !("method" in m) && "id" in m && ("result" in m || "error" in m);
  if (isResponse) return null;
  if (typeof m.method !== "string" || m.method === "") return rpcError(m.id, -32600, "Invalid Request: method must be a non-empty string");
  if (!Object.hasOwn(PARAM_SCHEMAS, m.method) || !("id" in m)) return null;
  const schema = PARAM_SCHEMAS[m.method as keyof typeof PARAM_SCHEMAS];
  const parsed = schema.safeParse(m);
  if (parsed.success) return null;
  const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "params"}: ${i.message}`);
  return rpcError(m.id, -32602, `Invalid params for ${m.method}: ${issues.join("; ")}`);
}

/**
 * The error to answer instead of passing `body` (parsed JSON) to the SDK,
 * or null when it may have it. A batch (protocol versions before
 * 2025-06-18) is answered with one error when any of its messages is bad,
 * as JSON-RPC answers a batch it cannot take.
 */
export function messageProblem(body: unknown): RpcError | null {
  if (!Array.isArray(body)) return problemOf(body);
  if (body.length === 0) return rpcError(null, -32600, "Invalid Request: an empty batch");
  for (const [i, message] of body.entries()) {
    const problem = problemOf(message);
    if (problem) return { ...problem, id: null, error: { ...problem.error, message: `message ${i + 1} of the batch: ${problem.error.message}` } };
  }
  return null;
}
