/**
 * Shared machinery of the conformance suites: per-test instances with
 * teardown, skips that keep their reason, and small helpers for errors and
 * timing. Timing assertions use generous bounds: they tell "woken at once"
 * from "waited the whole time", never milliseconds apart.
 */
import { afterEach, expect, test } from "bun:test";
import { KubentlyError, type ErrorCode } from "../../lib/errors.ts";
import type { ConformanceOptions, Make } from "./_options.ts";

/** What a suite body uses to declare tests and make instances. */
export interface Harness {
  /** Declares a test unless the adapter skips it; then it is listed as skipped with its reason. */
  test(name: string, fn: () => Promise<void> | void): void;
  /** A fresh instance for this test; its teardowns run after the test. */
  make<T, O extends object>(make: Make<T, O>, options: O): Promise<T>;
  /** Call last: fails the suite when a skip names a test that does not exist. */
  done(): void;
}

/** Sets up a suite inside the current `describe`. */
export function harness(options: ConformanceOptions = {}): Harness {
  const teardowns: (() => unknown)[] = [];
  const skips = new Map<string, string>();
  const declared = new Set<string>();
  const timeout = options.timeoutMs ?? 10_000;

  for (const { reason, tests } of options.skip ?? []) {
    if (!reason.trim()) throw new Error(`a conformance skip of ${tests.join(", ")} gives no reason`);
    for (const name of tests) skips.set(name, reason);
  }

  afterEach(async () => {
    for (const fn of teardowns.splice(0).reverse()) await fn();
  });

  return {
    test(name, fn) {
      if (declared.has(name)) throw new Error(`conformance test declared twice: ${name}`);
      declared.add(name);
      const reason = skips.get(name);
      if (reason !== undefined) test.skip(`${name} [skipped: ${reason}]`, fn);
      else test(name, fn, timeout);
    },
    async make(make, o) {
      return await make({ ...o, onTeardown: (fn) => void teardowns.push(fn) });
    },
    done() {
      const unknown = [...skips.keys()].filter((name) => !declared.has(name));
      if (unknown.length) {
        test("options.skip names only tests of this suite", () => {
          throw new Error(`skip names unknown tests: ${unknown.map((n) => JSON.stringify(n)).join(", ")}`);
        });
      }
    },
  };
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Awaits `promise` and measures how long it took from now. */
export async function timed<T>(promise: Promise<T>, startedAt = performance.now()): Promise<{ value: T; ms: number }> {
  const value = await promise;
  return { value, ms: performance.now() - startedAt };
}

/** Asserts that `promise` rejects with a KubentlyError of `code`. */
export async function expectKubentlyError(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(KubentlyError);
  expect((error as KubentlyError).code).toBe(code);
}

/** A random suffix so ids never collide, even on a backend shared between tests. */
export const uid = (): string => Math.random().toString(36).slice(2, 10);
