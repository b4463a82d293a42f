/**
 * What an adapter passes to a conformance suite: how to make a fresh instance
 * of the contract under test, how to tear it down, and which tests it skips
 * (each with a reason).
 */
import type { Backend } from "../../lib/contracts.ts";

/** Tests an adapter skips, each group with the reason it is printed with. */
export interface ConformanceSkip {
  /** Why these tests do not apply; shown next to every skipped test. */
  reason: string;
  /** Exact test names as the suite declares them. An unknown name fails the suite. */
  tests: string[];
}

/** Options every `describe<Contract>` suite takes. */
export interface ConformanceOptions {
  skip?: ConformanceSkip[];
  /** Per-test timeout for slower backends. @default 10000 */
  timeoutMs?: number;
}

/** Handed to every factory call; the suite makes one instance per test. */
export interface MakeContext {
  /** Registers cleanup (close a client, drop a key prefix...) run after the test, even a failed one, in reverse order. */
  onTeardown(fn: () => unknown): void;
}

/** A factory for the contract under test; `O` carries suite-specific knobs (e.g. `resultTtlMs`). */
export type Make<T, O = object> = (context: MakeContext & O) => T | Promise<T>;

/** The parts of a {@link Backend} that have a conformance suite. */
export type BackendPart = "sessions" | "queue" | "auth" | "audit" | "counters" | "streams" | "users";

/**
 * Adapts a whole-backend factory to a suite factory: makes a fresh backend,
 * returns the requested part and closes the backend after the test.
 *
 * @example describeCommandQueue("sqlite", fromBackend((o) => sqliteBackend({ filename: ":memory:", ...o }), "queue"))
 */
export function fromBackend<K extends BackendPart, O = object>(
  create: (options: O) => Backend | Promise<Backend>,
  part: K,
): Make<NonNullable<Backend[K]>, O> {
  return async (context) => {
    const { onTeardown, ...options } = context;
    const backend = await create(options as O);
    onTeardown(() => backend.close());
    const value = backend[part];
    if (!value) throw new Error(`backend ${backend.name} has no ${part}`);
    return value;
  };
}
