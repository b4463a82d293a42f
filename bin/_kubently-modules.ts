/**
 * Makes `kubently` and its subpaths (`kubently/plugins/read-only`,
 * `kubently/mcp`...) importable by the plugin modules the executable loads at
 * run time, resolving to the running Kubently's own modules: a plugin file
 * needs no node_modules, and `instanceof KubentlyError` or a composed
 * `readOnly()` behave as inside Kubently because there is no second copy.
 * The modules win over any `kubently` a plugin's node_modules holds.
 *
 * Done with Bun's runtime virtual modules (`Bun.plugin` + `build.module`),
 * which work in `bun build --compile` executables and when running from
 * source. Each subpath is evaluated on first use. The loaders `require` with
 * static strings: the compiler bundles them, and a synchronous loader is what
 * lets a CommonJS plugin `require("kubently")` (an async one is refused).
 */

/**
 * The library's public entry points by specifier, mirroring package.json
 * `exports` (a test keeps the two in step).
 */
export const KUBENTLY_MODULES: Readonly<Record<string, () => object>> = {
  kubently: () => require("../lib/index.ts"),
  "kubently/mcp": () => require("../lib/mcp/index.ts"),
  "kubently/a2a": () => require("../lib/a2a/index.ts"),
  "kubently/diagnose": () => require("../lib/diagnose/index.ts"),
  "kubently/sim": () => require("../lib/sim/index.ts"),
  "kubently/adapters/memory": () => require("../adapters/memory/index.ts"),
  "kubently/adapters/sqlite": () => require("../adapters/sqlite/index.ts"),
  "kubently/adapters/redis": () => require("../adapters/redis/index.ts"),
  "kubently/plugins/read-only": () => require("../plugins/read-only.ts"),
  "kubently/plugins/namespaces": () => require("../plugins/namespaces.ts"),
  "kubently/plugins/output-limits": () => require("../plugins/output-limits.ts"),
  "kubently/plugins/rate-limit": () => require("../plugins/rate-limit.ts"),
  "kubently/plugins/redact-secrets": () => require("../plugins/redact-secrets.ts"),
  "kubently/plugins/analyzers": () => require("../plugins/analyzers/index.ts"),
};

let provided = false;

/**
 * Registers {@link KUBENTLY_MODULES} with the Bun runtime, once per process.
 * Call before importing a plugin module; registering is process-wide.
 */
export function provideKubentlyModules(): void {
  if (provided) return;
  provided = true;
  Bun.plugin({
    name: "kubently-modules",
    setup(build) {
      for (const [specifier, load] of Object.entries(KUBENTLY_MODULES)) {
        build.module(specifier, () => ({ exports: { ...load() }, loader: "object" }));
      }
    },
  });
}
