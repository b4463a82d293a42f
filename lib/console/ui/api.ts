/**
 * The console's one way to the API: same-origin fetches carrying the
 * session cookie, the CSRF token on every non-GET, and the documented error
 * body (`{error, code, details?, request_id}`) turned into an {@link ApiError}.
 * A 401 from any data call tells the app the session is gone.
 */

/** An answer other than the ones the caller expected. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null = null,
    readonly body: unknown = null,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
const unauthenticatedListeners = new Set<() => void>();

/** Sets the CSRF token sent as `X-CSRF-Token` on every non-GET (from `/ui/session` or `/ui/login`). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Calls `fn` whenever a data call answers 401; returns the unsubscribe. */
export function onUnauthenticated(fn: () => void): () => void {
  unauthenticatedListeners.add(fn);
  return () => unauthenticatedListeners.delete(fn);
}

/**
 * The path the API is mounted under, from the page's own location: the
 * console lives at `<base>/ui/`, so `/kubently/ui/` gives `/kubently` and
 * `/ui/` gives `""`. Every call is made relative to it.
 */
export function apiBase(pathname: string = globalThis.location?.pathname ?? "/ui/"): string {
  const at = pathname.lastIndexOf("/ui");
  return at < 0 ? "" : pathname.slice(0, at);
}

/**
 * An API path whose interpolations are percent-encoded:
 * `` path`/debug/clusters/${id}` `` can never reach another route.
 */
export function path(strings: TemplateStringsArray, ...values: (string | number)[]): string {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += encodeURIComponent(String(v)) + strings[i + 1]!;
  });
  return out;
}

/** A path with a query string from `params`, leaving out empty values. */
export function withQuery(p: string, params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `${p}?${s}` : p;
}

/** What {@link request} answers: the status and the parsed body (null when empty or not JSON). */
export interface ApiAnswer<T> {
  status: number;
  data: T;
}

/** Options for {@link request}. */
export interface RequestOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Statuses answered as data rather than thrown (2xx always are). */
  accept?: number[];
  /** Do not announce a 401 (the session probe and the login itself). */
  quiet401?: boolean;
  signal?: AbortSignal;
}

/** Calls the API; throws {@link ApiError} for a status outside 2xx and `accept`. */
export async function request<T = unknown>(method: string, p: string, options: RequestOptions = {}): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && method !== "HEAD" && csrfToken) headers["x-csrf-token"] = csrfToken;
  let res: Response;
  try {
    res = await fetch(apiBase() + p, {
      method,
      headers,
      credentials: "same-origin",
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (e) {
    if ((e as Error).name === "AbortError") throw e;
    throw new ApiError(0, "NETWORK", "the API could not be reached");
  }
  const text = await res.text().catch(() => "");
  let data: unknown = null;
  if (text && /json/i.test(res.headers.get("content-type") ?? "")) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if ((res.status >= 200 && res.status < 300) || options.accept?.includes(res.status)) return { status: res.status, data: data as T };
  if (res.status === 401 && !options.quiet401) for (const fn of unauthenticatedListeners) fn();
  const body = (data ?? {}) as { error?: unknown; code?: unknown; request_id?: unknown };
  throw new ApiError(
    res.status,
    typeof body.code === "string" ? body.code : `HTTP_${res.status}`,
    typeof body.error === "string" ? body.error : `${method} ${p} answered ${res.status}`,
    typeof body.request_id === "string" ? body.request_id : res.headers.get("x-request-id"),
    data,
  );
}

/** GET, answering the body. */
export const get = async <T>(p: string, signal?: AbortSignal): Promise<T> => (await request<T>("GET", p, signal ? { signal } : {})).data;
