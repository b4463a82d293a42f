/**
 * What every HTTP protocol edge (REST, MCP, A2A) writes and reads the same
 * way: JSON responses, the documented error body, and request bodies read
 * within a byte cap as strict UTF-8.
 */
import { KubentlyError, isKubentlyError } from "../errors.ts";
import type { Metrics } from "../metrics.ts";

/** A JSON response. */
export const jsonResponse = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

/**
 * The documented error answer, `{ error, code, details?, request_id }`: a
 * KubentlyError with its status (and `Retry-After` when rate limited, or
 * busy for a known time), any
 * other error a logged 500 that names nothing internal.
 */
export function errorResponse(error: unknown, requestId: string, metrics: Metrics, where = "request"): Response {
  const headers: Record<string, string> = { "x-request-id": requestId };
  if (isKubentlyError(error)) {
    metrics.inc("kubently_http_errors_total", { code: error.code });
    const retryAfter = (error.details as { retry_after?: number } | undefined)?.retry_after;
    // Rate limits always say when to come back; a 503 does when it knows (a full alerts queue).
    if (error.status === 429 || (error.status === 503 && typeof retryAfter === "number")) headers["retry-after"] = String(retryAfter ?? 1);
    return jsonResponse(error.status, { error: error.message, code: error.code, ...(error.details !== undefined ? { details: error.details } : {}), request_id: requestId }, headers);
  }
  metrics.inc("kubently_http_errors_total", { code: "INTERNAL" });
  console.error(`[kubently] ${where} ${requestId} failed:`, error);
  return jsonResponse(500, { error: "internal error", code: "INTERNAL", request_id: requestId }, headers);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads the body as UTF-8 text, stopping as soon as it passes `maxBytes`
 * (a missing or lying Content-Length included): `PAYLOAD_TOO_LARGE` then,
 * `INVALID_JSON` for bytes that are not UTF-8.
 */
export async function readBodyText(request: Request, maxBytes: number): Promise<string> {
  const tooLarge = () => new KubentlyError("PAYLOAD_TOO_LARGE", `request body is over the ${maxBytes}-byte limit`);
  if (Number(request.headers.get("content-length") ?? "0") > maxBytes) throw tooLarge();
  if (!request.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  try {
    return utf8.decode(bytes);
  } catch {
    throw new KubentlyError("INVALID_JSON", "request body is not valid UTF-8");
  }
}

/** True when `type` (a Content-Type) is JSON: `application/json` or `application/<x>+json`. */
export const isJsonMediaType = (type: string) => /^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(type.trim());

/**
 * Reads a JSON body within `maxBytes`; undefined when empty. A Content-Type
 * other than JSON is `UNSUPPORTED_MEDIA_TYPE`, bad UTF-8 or JSON `INVALID_JSON`.
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const type = request.headers.get("content-type");
  if (type && !isJsonMediaType(type)) {
    throw new KubentlyError("UNSUPPORTED_MEDIA_TYPE", `content-type must be application/json, not ${type.slice(0, 60)}`);
  }
  const text = await readBodyText(request, maxBytes);
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new KubentlyError("INVALID_JSON", `request body is not valid JSON: ${(e as Error).message}`);
  }
}

/** Where every request is rebuilt: routing never reads the Host header. */
const ORIGIN = "http://kubently.internal";

/** The peer address of each request our own servers accepted (never a header a client could set). */
const peers = new WeakMap<Request, string>();

/** Records the address of the client that sent `request` (the socket's peer, as the server saw it). */
export function setClientAddress(request: Request, address: string | undefined): void {
  if (address) peers.set(request, address);
}

/** The client address recorded for `request` by the server that accepted it; undefined when mounted in a host's own server. */
export const clientAddressOf = (request: Request): string | undefined => peers.get(request);

/** `to`, with the client address recorded for `from` (for a request rebuilt from another). */
export function carryClientAddress(from: Request, to: Request): Request {
  setClientAddress(to, peers.get(from));
  return to;
}

/**
 * The request on a fixed origin, so routing depends on the path alone (a
 * short or odd `Host` once shifted Elysia's path offset; Bun hands over the
 * bare path when the Host is not a host name). The body, headers, abort
 * signal and recorded client address are the original's.
 */
export function canonicalRequest(request: Request): Request {
  return carryClientAddress(request, new Request(`${ORIGIN}${pathAndQueryOf(request.url)}`, request));
}

/** The path and query of a request URL (absolute, or the bare target Bun gives for an odd Host), never throwing. */
function pathAndQueryOf(url: string): string {
  const target = url.startsWith("/") ? url : (/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*([^#]*)/.exec(url)?.[1] ?? "");
  const noFragment = target.split("#", 1)[0]!;
  return noFragment.startsWith("/") ? noFragment : `/${noFragment}`;
}

/** The path of a request, never throwing. */
export const pathOf = (request: Request): string => pathAndQueryOf(request.url).split("?", 1)[0]!;

/**
 * Which `Host` and `Origin` an endpoint a browser can reach (`/mcp`, the
 * A2A WebSocket) answers: the guard against DNS rebinding, where a page on
 * a hostile name that resolves to this server calls it from the user's
 * browser. Loopback hosts are always allowed; `"*"` allows any.
 */
export interface OriginPolicy {
  /** Host names (without port) besides loopback that requests may name in `Host`. @default [] (loopback only) */
  allowedHosts?: readonly string[];
  /** Browser origins (`https://console.example.com`) besides those on an allowed host. @default [] */
  allowedOrigins?: readonly string[];
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);
/** The host name of a Host header or URL authority, lower-cased, without the port. */
const hostName = (authority: string) => authority.toLowerCase().replace(/:\d+$/, "");

/**
 * Throws `FORBIDDEN` unless the request's Host and Origin are allowed by
 * `policy`: Host loopback, listed or `"*"`; Origin (sent by browsers only)
 * absent, listed in `allowedOrigins`, or on a loopback or listed host name
 * (a `"*"` Host does not open the door to every browser page).
 */
export function checkOrigin(request: Request, policy: OriginPolicy = {}): void {
  const hosts = (policy.allowedHosts ?? []).map((h) => h.toLowerCase());
  const named = (name: string) => LOOPBACK.has(name) || hosts.includes(name);
  const host = request.headers.get("host");
  if (host !== null && !hosts.includes("*") && !named(hostName(host))) {
    throw new KubentlyError("FORBIDDEN", `Host ${host.slice(0, 100)} is not allowed here (DNS-rebinding protection); the operator lists it in allowedHosts`);
  }
  const origin = request.headers.get("origin");
  if (origin === null || policy.allowedOrigins?.includes("*") || policy.allowedOrigins?.includes(origin)) return;
  let originHost = "";
  try {
    originHost = hostName(new URL(origin).host);
  } catch {
    // not a URL: refused below
  }
  if (!named(originHost)) {
    throw new KubentlyError("FORBIDDEN", `Origin ${origin.slice(0, 100)} may not call this endpoint (DNS-rebinding protection); the operator lists it in allowedOrigins`);
  }
}
