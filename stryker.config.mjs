// Mutation testing of the security core against test/security (`npm run mutate`;
// not in CI). Stryker has no Bun runner: the `command` runner runs the pure
// suite once per mutant. Pick modules with KUBENTLY_MUTATE=signing,audit,...
// (keys of MODULES below). See docs/testing.md.

/** Security-core modules and the files each one mutates. */
const MODULES = {
  signing: ["lib/signing.ts"],
  audit: ["lib/audit.ts"],
  identity: ["lib/identity.ts"],
  keys: ["lib/keys.ts"],
  kubectl: ["lib/kubectl/**/*.ts"],
  redact: ["lib/redact/**/*.ts"],
  plugins: ["plugins/**/*.ts"],
};

const picked = (process.env.KUBENTLY_MUTATE ?? "").split(",").map((s) => s.trim()).filter(Boolean);
for (const name of picked) {
  if (!(name in MODULES)) throw new Error(`KUBENTLY_MUTATE: unknown module "${name}" (one of ${Object.keys(MODULES).join(", ")})`);
}

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "command",
  // --bail: a killed mutant stops at its first failing test.
  commandRunner: { command: "node_modules/.bin/bun test --bail test/security" },
  // The command runner cannot measure coverage: every mutant runs the whole (sub-second) suite.
  coverageAnalysis: "off",
  mutate: (picked.length ? picked : Object.keys(MODULES)).flatMap((m) => MODULES[m]),
  concurrency: 2,
  // The suite takes about a second; a mutant that loops is cut off after about 6 s.
  timeoutMS: 5_000,
  // Not incremental: the command runner reports one test ("All tests") with no
  // location, so Stryker cannot see a test change and would reuse stale survivors.
  incremental: false,
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: true },
  // Only what the suite imports goes into each sandbox.
  ignorePatterns: ["dist", "reports", "docs", "test/e2e", "test/unit", "test/conformance", "test/node", "test/bench", ".bench"],
  thresholds: { high: 90, low: 80, break: null },
  cleanTempDir: "always",
};
