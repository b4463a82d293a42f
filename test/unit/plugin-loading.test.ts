/**
 * `loadPolicies` from source (as `bun bin/kubently.ts` runs it): plugin files
 * importing "kubently" get this process's own modules, the specifiers mirror
 * package.json `exports`, and an unknown id gets a suggestion (issue 15 items
 * 3 and 5). The compiled binary is covered by test/e2e/plugins-binary.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { KUBENTLY_MODULES } from "../../bin/_kubently-modules.ts";
import { closest, loadPolicies } from "../../bin/_plugins.ts";
import { KubentlyError } from "../../lib/errors.ts";
import { definePolicy } from "../../lib/policy.ts";
import { readOnly } from "../../plugins/read-only.ts";

const ROOT = resolve(import.meta.dir, "../..");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { exports: Record<string, unknown>; tsup: { entry: Record<string, string> } };

describe("KUBENTLY_MODULES", () => {
  test("has one specifier per package.json export, each loading the module tsup builds for it", async () => {
    const specifiers = Object.keys(pkg.exports).map((k) => (k === "." ? "kubently" : `kubently/${k.slice(2)}`));
    expect(Object.keys(KUBENTLY_MODULES).sort()).toEqual(specifiers.sort());
    for (const key of Object.keys(pkg.exports)) {
      const entry = pkg.tsup.entry[key === "." ? "index" : key.slice(2)]!;
      const specifier = key === "." ? "kubently" : `kubently/${key.slice(2)}`;
      expect({ specifier, same: (await KUBENTLY_MODULES[specifier]!()) === (await import(join(ROOT, entry))) }).toEqual({ specifier, same: true });
    }
  });
});

describe("loadPolicies(specs, baseDir, host)", () => {
  const probe = (extra: string) => `
import { definePolicy, KubentlyError } from "kubently";
import { readOnly } from "kubently/plugins/read-only";
${extra}
export default definePolicy({ id: "probe", refs: { definePolicy, KubentlyError, readOnly } });
`;

  for (const [file, source] of [
    ["probe.ts", probe("const typed: string = 'ts';")],
    ["probe.mjs", probe("")],
    ["probe.js", probe("")],
    ["probe.cjs", `const { definePolicy, KubentlyError } = require("kubently");\nconst { readOnly } = require("kubently/plugins/read-only");\nmodule.exports = definePolicy({ id: "probe", refs: { definePolicy, KubentlyError, readOnly } });\n`],
  ] as const) {
    test(`a ${file.slice(5)} plugin importing or requiring "kubently" gets this process's modules, with no node_modules`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "kubently-plugin-src-"));
      writeFileSync(join(dir, file), source);
      const [policy] = await loadPolicies([`./${file}`], dir, { side: "api" });
      const refs = (policy as unknown as { refs: Record<string, unknown> }).refs;
      expect(policy!.id).toBe("probe");
      expect(refs.definePolicy).toBe(definePolicy);
      expect(refs.KubentlyError).toBe(KubentlyError);
      expect(refs.readOnly).toBe(readOnly);
    });
  }

  test("a misspelled built-in id is refused with the closest id", async () => {
    await expect(loadPolicies(["read-onyl"], tmpdir(), { side: "api" })).rejects.toThrow(
      `plugin "read-onyl" could not be loaded: it is neither a built-in policy (read-only, namespaces, output-limits, redact-secrets, rate-limit) nor a package found from ${process.cwd()}; did you mean "read-only"?`,
    );
  });

  test("a name close to no built-in id says how a module path is written", async () => {
    await expect(loadPolicies(["policies/mine.mjs"], tmpdir(), { side: "api" })).rejects.toThrow(/nor a package found from .* \(a module path starts with \.\/ or \/\)$/);
  });
});

describe("closest(input, candidates)", () => {
  const ids = ["read-only", "namespaces", "output-limits", "redact-secrets", "rate-limit"];
  test.each([
    ["read-onyl", "read-only"],
    ["readonly", "read-only"],
    ["Read-Only", "read-only"],
    ["namespace", "namespaces"],
    ["ratelimit", "rate-limit"],
    ["output-limit", "output-limits"],
    ["redact", "redact-secrets"],
    ["zzz", null],
    ["@acme/kubently-policy", null],
  ])("closest(%p) is %p", (input, expected) => {
    expect(closest(input, ids)).toBe(expected);
  });
});
