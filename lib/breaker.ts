/**
 * Circuit breakers for the dependencies a Kubently process calls over the
 * network: Redis (the API's backend), the Kubernetes API server (the agent),
 * the OTLP collector and outbound webhooks. Built on cockatiel's breaker.
 *
 * Guarantees:
 * - After `failures` dependency failures in a row the circuit opens: calls
 *   fail at once with the error `unavailable` makes (naming the dependency,
 *   the last failure and when it is tried again), instead of each waiting
 *   out its own timeouts and retries while the dependency is away.
 * - It is tried again after an exponential backoff (`halfOpenAfterMs`, from
 *   `initial` up to `max`, with jitter): one call goes through, and its
 *   outcome closes the circuit or opens it for the next, longer, period.
 * - Only failures `isFailure` accepts count: a caller's mistake (a 404, a
 *   conflict, an aborted call) says nothing about the dependency's health.
 * - Calls that wait long on purpose (a long poll) never serve as that one
 *   trial call: {@link Breaker.execute} with `{ wait: true }` runs them only
 *   while the circuit is closed, so a recovering dependency is judged by a
 *   short call and nobody queues behind a 25-second poll.
 */
import { CircuitState, ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleWhen, isBrokenCircuitError, type IBackoff, type IBackoffFactory } from "cockatiel";

/** Where a breaker stands. */
export type BreakerState = "closed" | "open" | "half-open";

/** A breaker's state for `/ready`, metrics and heartbeats. */
export interface BreakerSnapshot {
  name: string;
  state: BreakerState;
  /** How many times it has opened since the process started. */
  opens: number;
  /** The failure that opened it last, if it ever opened. */
  lastFailure?: string;
  /** While open: when the next trial call may go through (ms since the epoch). */
  retryAt?: number;
}

/** Options for {@link createBreaker}. */
export interface BreakerOptions {
  /** The dependency, as metrics and `/ready` name it: `redis`, `kubernetes`, `otlp`, `webhook:slack`. */
  name: string;
  /** Dependency failures in a row that open the circuit. @default 5 */
  failures?: number;
  /** The wait before a trial call, growing with each failed trial. @default { initial: 500, max: 10000 } */
  halfOpenAfterMs?: { initial: number; max: number };
  /** Which errors are the dependency's failures. @default every error */
  isFailure?: (error: unknown) => boolean;
  /** Which answers are failures too (an HTTP 503): counted, yet still returned to the caller. @default none */
  isFailedResult?: (value: unknown) => boolean;
  /** The error a call gets while the circuit is open. @default an Error naming the dependency */
  unavailable?: (snapshot: BreakerSnapshot) => Error;
  /** Called on every state change (for logs). */
  onStateChange?: (snapshot: BreakerSnapshot) => void;
}

/** Options for one call. */
export interface BreakerCallOptions {
  /** A call that waits long on purpose (a long poll): it runs only while the circuit is closed. */
  wait?: boolean;
}

/** One dependency's circuit breaker. */
export interface Breaker {
  readonly name: string;
  /** Runs `fn` through the breaker, or fails at once while the circuit is open. */
  execute<T>(fn: () => Promise<T>, options?: BreakerCallOptions): Promise<T>;
  snapshot(): BreakerSnapshot;
}

const STATES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: "closed",
  [CircuitState.Open]: "open",
  [CircuitState.HalfOpen]: "half-open",
  [CircuitState.Isolated]: "open",
};

/** A short, single-line account of an error, for snapshots and messages. */
const describe = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0]!.slice(0, 200);

/** "in 2 s" / "now", for messages. */
function inSeconds(at: number | undefined): string {
  if (at === undefined) return "soon";
  const s = Math.ceil((at - Date.now()) / 1000);
  return s > 0 ? `in ${s} s` : "now";
}

/** The default message: what is away, why we think so, and when it is tried again. */
export function breakerMessage(s: BreakerSnapshot): string {
  return `${s.name} is unavailable: circuit open after repeated failures (last: ${s.lastFailure ?? "unknown"}); next try ${inSeconds(s.retryAt)}`;
}

/** Creates a breaker, closed. */
export function createBreaker(options: BreakerOptions): Breaker {
  const { initial, max } = options.halfOpenAfterMs ?? { initial: 500, max: 10_000 };
  const isFailure = options.isFailure ?? (() => true);
  let opens = 0;
  let lastFailure: string | undefined;
  let openFor = initial;
  let openedAt = 0;
  // Records each backoff period cockatiel draws, so a snapshot can say when the next trial is.
  const track = (b: IBackoff<unknown>): IBackoff<unknown> => {
    openFor = b.duration;
    return { duration: b.duration, next: (context) => track(b.next(context)) };
  };
  const backoff = new ExponentialBackoff({ initialDelay: initial, maxDelay: max });
  const halfOpenAfter: IBackoffFactory<unknown> = { next: () => track(backoff.next()) };
  const policy = circuitBreaker(
    handleWhen((e) => isFailure(e)).orWhenResult((r) => options.isFailedResult?.(r) ?? false),
    { halfOpenAfter, breaker: new ConsecutiveBreaker(options.failures ?? 5) },
  );
  const snapshot = (): BreakerSnapshot => {
    const state = STATES[policy.state];
    return {
      name: options.name,
      state,
      opens,
      ...(lastFailure !== undefined ? { lastFailure } : {}),
      ...(state === "open" ? { retryAt: openedAt + openFor } : {}),
    };
  };
  policy.onBreak((reason) => {
    opens += 1;
    openedAt = Date.now();
    if ("error" in reason) lastFailure = describe(reason.error);
  });
  policy.onStateChange(() => options.onStateChange?.(snapshot()));
  const unavailable = options.unavailable ?? ((s: BreakerSnapshot) => new Error(breakerMessage(s)));
  return {
    name: options.name,
    snapshot,
    async execute(fn, callOptions = {}) {
      if (callOptions.wait && policy.state !== CircuitState.Closed) throw unavailable(snapshot());
      try {
        return await policy.execute(fn);
      } catch (e) {
        if (isBrokenCircuitError(e)) throw unavailable(snapshot());
        throw e;
      }
    },
  };
}

/** The numbers metrics export for a state: 0 closed, 1 half-open, 2 open. */
export const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, "half-open": 1, open: 2 };

/** Which methods of a guarded object are special. */
export interface GuardOptions {
  /** Long polls ({@link BreakerCallOptions.wait}). */
  waits?: readonly string[];
  /** Methods that return no Promise (an async iterable): left as they are. */
  pass?: readonly string[];
}

/**
 * `target` with every method call run through `breaker` (each must return a
 * Promise). Other members, the methods `options.pass` names, and methods
 * whose names start with `on` (listener registrations, which call nothing)
 * pass through untouched.
 */
export function guardMethods<T extends object>(target: T, breaker: Breaker, options: GuardOptions = {}): T {
  const waits = options.waits ?? [];
  const pass = options.pass ?? [];
  // One wrapper per method, made on first use: every backend call goes through here.
  const wrapped = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (typeof value !== "function" || typeof prop !== "string" || /^on[A-Z]/.test(prop) || pass.includes(prop)) return value;
      let wrapper = wrapped.get(prop);
      if (!wrapper) {
        const wait = waits.includes(prop);
        wrapper = (...args: unknown[]) => breaker.execute(() => (value as (...a: unknown[]) => Promise<unknown>).apply(obj, args), { wait });
        wrapped.set(prop, wrapper);
      }
      return wrapper;
    },
  });
}
