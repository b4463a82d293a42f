// Maps the slice of `bun:test` the conformance suites use onto `node:test`
// and Jest's `expect` package, so the same TypeScript suites run under Node.
// test/node/conformance.mjs bundles the suites with this file standing in for
// "bun:test". `globalThis.Bun` is deliberately left undefined: adapters pick
// their runtime driver by it.
import * as nodeTest from "node:test";
import { expect } from "expect";

export { expect };

/** Bun passes a timeout (ms) or options as the third argument; node:test takes options first. */
const options = (extra) => (typeof extra === "number" ? { timeout: extra } : extra && typeof extra === "object" ? { ...extra } : {});

/**
 * Calls `fn` without node's test context, which Bun-style bodies do not
 * expect, and holds the event loop open meanwhile: the code under test unrefs
 * its timers (a pending wait must never keep a process alive), and node:test,
 * unlike bun test, cancels a test whose only pending work is unref'd timers.
 */
const body = (fn) => async () => {
  const keepAlive = setInterval(() => {}, 60_000);
  try {
    if (fn) await fn();
  } finally {
    clearInterval(keepAlive);
  }
};

function each(declare) {
  return (rows) => (name, fn, extra) =>
    rows.forEach((row, i) => {
      const args = Array.isArray(row) ? row : [row];
      let n = 0;
      const title = String(name).replace(/%[sdifjop#%]/g, (m) => (m === "%%" ? "%" : m === "%#" ? String(i) : String(args[n++])));
      declare(title, () => fn(...args), extra);
    });
}

export function test(name, fn, extra) {
  return nodeTest.test(name, options(extra), body(fn));
}
test.skip = (name, fn, extra) => nodeTest.test(name, { ...options(extra), skip: true }, body(fn));
test.todo = (name, fn, extra) => nodeTest.test(name, { ...options(extra), todo: true }, body(fn));
test.only = (name, fn, extra) => nodeTest.test(name, { ...options(extra), only: true }, body(fn));
test.if = (condition) => (condition ? test : test.skip);
test.skipIf = (condition) => (condition ? test.skip : test);
test.each = each(test);
export const it = test;

export function describe(name, fn) {
  return nodeTest.describe(name, body(fn));
}
describe.skip = (name, fn) => nodeTest.describe(name, { skip: true }, body(fn));
describe.only = (name, fn) => nodeTest.describe(name, { only: true }, body(fn));
describe.todo = (name, fn) => nodeTest.describe(name, { todo: true }, body(fn));
describe.if = (condition) => (condition ? describe : describe.skip);
describe.skipIf = (condition) => (condition ? describe.skip : describe);
describe.each = each(describe);

export const beforeEach = (fn) => nodeTest.beforeEach(body(fn));
export const afterEach = (fn) => nodeTest.afterEach(body(fn));
export const beforeAll = (fn) => nodeTest.before(body(fn));
export const afterAll = (fn) => nodeTest.after(body(fn));
