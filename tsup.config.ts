/**
 * The library build: the options live in package.json ("tsup", which a test
 * reads for the entry points); this file only adds what JSON cannot hold.
 *
 * `import text from "./x.yaml" with { type: "text" }` (the simulated cluster's
 * built-in scenarios) is Bun's way to embed a file as a string, and the
 * compiled binary does the same; esbuild refuses the attribute, so this
 * plugin loads such imports as text.
 */
import { readFile } from "node:fs/promises";
import { defineConfig } from "tsup";
import pkg from "./package.json" with { type: "json" };

export default defineConfig({
  ...(pkg.tsup as object),
  esbuildPlugins: [
    {
      name: "import-with-type-text",
      setup(build) {
        build.onLoad({ filter: /.*/ }, async (args) => {
          if (args.with?.type !== "text") return undefined;
          return { contents: await readFile(args.path, "utf8"), loader: "text" };
        });
      },
    },
  ],
});
