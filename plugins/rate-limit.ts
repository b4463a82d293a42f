/**
 * The `rate-limit` policy: at most N commands per identity per window, counted
 * in the backend's shared counters so the limit holds across API replicas.
 * Over the limit the API answers 429 with `Retry-After`. Runs on the API side
 * only (the agent does not count). Dry runs (`POST /debug/policy/explain`)
 * spend none of a caller's command quota: they count in a bucket of their own,
 * with the same limit, so explaining cannot be used to flood the counters either.
 */
import type { CounterStore } from "../lib/contracts.ts";
import { allow, definePolicy, deny } from "../lib/policy.ts";

/** Options for {@link rateLimit}. */
export interface RateLimitOptions {
  /** The backend's shared counters (`backend.counters`). */
  store: CounterStore;
  /** Commands allowed per identity per window. @default 60 */
  limit?: number;
  /** Window length in ms. @default 60000 */
  windowMs?: number;
}

/** Creates the `rate-limit` policy. */
export const rateLimit = (options: RateLimitOptions) => {
  if (!options?.store) throw new Error("rate-limit needs the backend's shared counters (this backend has none)");
  const limit = options.limit ?? 60;
  const windowMs = options.windowMs ?? 60_000;
  if (!Number.isInteger(limit) || limit < 1) throw new Error("rate-limit: limit must be a positive integer");
  if (!Number.isInteger(windowMs) || windowMs < 1_000) throw new Error("rate-limit: windowMs must be at least 1000");
  return definePolicy({
    id: "rate-limit",
    description: `At most ${limit} commands per identity per ${windowMs / 1000} s`,
    sides: ["api"],
    before: async ({ requestedBy, dryRun }) => {
      const { count, resetAt } = await options.store.hit(`${dryRun ? "explain" : "rate"}:${requestedBy}`, windowMs);
      if (count <= limit) return allow();
      return deny(`${requestedBy} is over ${limit} commands per ${windowMs / 1000} s`, { code: "RATE_LIMITED", retryAfterMs: resetAt - Date.now() });
    },
  });
};

export default rateLimit;
