/**
 * Sends one body to one webhook: a time budget per attempt, retries with
 * exponential backoff and jitter (cockatiel) on 5xx, 429 and network errors,
 * honouring `Retry-After` up to the maximum delay, no retry on another 4xx,
 * and every attempt through the webhook's circuit breaker, so a receiver
 * that is down makes later deliveries fail at once instead of each waiting
 * out its retries. The caller dead-letters what comes back undelivered.
 */
import { ExponentialBackoff, handleWhen, retry, type IBackoff, type IBackoffFactory, type IRetryBackoffContext } from "cockatiel";
import type { Breaker } from "../breaker.ts";

/** A failed attempt: the status when the receiver answered, and whether trying again may help. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "DeliveryError";
  }
}

/** Where and how to send, resolved from the webhook's configuration. */
export interface DeliveryTarget {
  /** Full URL, a secret for Slack; only `host` is ever logged or kept. */
  url: string;
  headers: Record<string, string>;
  breaker: Breaker;
}

/** Options for {@link deliver}. */
export interface DeliverOptions {
  timeoutMs: number;
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Ends retries and the attempt in flight (the instance is closing). */
  signal?: AbortSignal;
  /** Called before each retry (for metrics). */
  onRetry?: () => void;
  fetch?: typeof fetch;
}

/** How one delivery ended. */
export type DeliveryOutcome = { ok: true; attempts: number; status: number } | { ok: false; attempts: number; status: number | null; error: string; breakerOpen: boolean };

/** `Retry-After` as ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** A failure's `Retry-After`, capped at `max`. */
const hintOf = (context: IRetryBackoffContext<unknown>, max: number): number | undefined => {
  const e = "error" in context.result ? context.result.error : undefined;
  return e instanceof DeliveryError && e.retryAfterMs !== undefined ? Math.min(e.retryAfterMs, max) : undefined;
};

/** cockatiel's exponential backoff with jitter, unless the failure carried a `Retry-After` (then that, capped at `max`). */
function backoffWithRetryAfter(initial: number, max: number): IBackoffFactory<IRetryBackoffContext<unknown>> {
  const honour = (next: (context: IRetryBackoffContext<unknown>) => IBackoff<unknown>): IBackoffFactory<IRetryBackoffContext<unknown>> => ({
    next(context) {
      const b = next(context);
      return { ...honour((c) => b.next(c)), duration: hintOf(context, max) ?? b.duration };
    },
  });
  const base = new ExponentialBackoff({ initialDelay: initial, maxDelay: max });
  return honour(() => base.next());
}

/** A runtime's error text, without any URL in it (a Slack webhook's path is its secret). */
const scrub = (message: string) => message.split("\n")[0]!.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, "<url>").slice(0, 120);

/** One attempt: POST the JSON body; 2xx is done, anything else a {@link DeliveryError}. */
async function attempt(target: DeliveryTarget, body: string, options: DeliverOptions): Promise<number> {
  const signals = [AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])];
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(target.url, { method: "POST", headers: { "content-type": "application/json", "user-agent": "kubently-alerts", ...target.headers }, body, signal: AbortSignal.any(signals), redirect: "manual" });
  } catch (e) {
    const name = (e as Error).name;
    const why = name === "TimeoutError" ? `no answer within ${options.timeoutMs} ms` : name === "AbortError" ? "cancelled" : `network error (${scrub((e as Error).message)})`;
    throw new DeliveryError(why, null, name !== "AbortError");
  }
  // The answer's text is read for the reason only, a little of it, and never kept beyond that.
  const text = scrub((await res.text().catch(() => "")).slice(0, 200).replace(/\s+/g, " ").trim());
  if (res.ok) return res.status;
  const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
  throw new DeliveryError(`HTTP ${res.status}${text ? `: ${text}` : ""}`, res.status, retryable, retryAfterMs(res.headers.get("retry-after")));
}

/** Delivers `body`, retrying as the module says; never throws. */
export async function deliver(target: DeliveryTarget, body: unknown, options: DeliverOptions): Promise<DeliveryOutcome> {
  const text = JSON.stringify(body);
  let attempts = 0;
  const policy = retry(
    handleWhen((e) => e instanceof DeliveryError && e.retryable),
    { maxAttempts: Math.max(0, options.attempts - 1), backoff: backoffWithRetryAfter(options.initialDelayMs, options.maxDelayMs) },
  );
  policy.onRetry(() => options.onRetry?.());
  try {
    const status = await policy.execute(async ({ signal }) => {
      if (signal.aborted) throw new DeliveryError("cancelled", null, false);
      // Counted only when the breaker lets the attempt through: an open circuit sends nothing.
      return target.breaker.execute(() => {
        attempts += 1;
        return attempt(target, text, options);
      });
    }, options.signal);
    return { ok: true, attempts, status };
  } catch (e) {
    if (e instanceof DeliveryError) return { ok: false, attempts, status: e.status, error: e.message, breakerOpen: false };
    if (options.signal?.aborted) return { ok: false, attempts, status: null, error: "cancelled", breakerOpen: false };
    // The breaker's `unavailable` error: the circuit is open, nothing was sent.
    return { ok: false, attempts, status: null, error: (e as Error).message, breakerOpen: true };
  }
}

/** Whether an error counts against a webhook's health: a 4xx other than 408/429 is our request's fault. */
export const isWebhookFailure = (e: unknown) => !(e instanceof DeliveryError) || e.retryable;
