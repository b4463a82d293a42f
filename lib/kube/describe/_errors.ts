/**
 * Reads fail with whatever the reader throws; describers only need to know
 * whether the API server said 404 or 403. Both Kubently's errors (`status`)
 * and Kubernetes `Status` bodies (`code`, `reason`) are recognised.
 */

function statusOf(err: unknown): number | null {
  if (err === null || typeof err !== "object") return null;
  const e = err as { status?: unknown; code?: unknown; statusCode?: unknown; body?: unknown; response?: unknown };
  for (const v of [e.status, e.statusCode, e.code]) if (typeof v === "number") return v;
  if (e.body && typeof e.body === "object") {
    const code = (e.body as { code?: unknown }).code;
    if (typeof code === "number") return code;
  }
  return null;
}

function reasonOf(err: unknown): string {
  if (err === null || typeof err !== "object") return "";
  const e = err as { reason?: unknown; code?: unknown; details?: unknown };
  if (typeof e.reason === "string") return e.reason;
  if (typeof e.code === "string") return e.code;
  return "";
}

/** The API server answered 404 (NotFound). */
export function isNotFound(err: unknown): boolean {
  return statusOf(err) === 404 || reasonOf(err) === "NotFound" || reasonOf(err) === "NOT_FOUND";
}

/** The API server answered 403 (Forbidden). */
export function isForbidden(err: unknown): boolean {
  return statusOf(err) === 403 || reasonOf(err) === "Forbidden" || reasonOf(err) === "FORBIDDEN";
}
