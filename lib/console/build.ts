/**
 * Builds the console: `bun lib/console/build.ts` (npm run build:console)
 * bundles main.tsx and everything it imports (Preact included) into one
 * minified ES module, `dist/app.js.txt`, and its stylesheet,
 * `dist/app.css.txt` (`.txt`: see _assets.ts). serve.ts embeds both as text
 * (`with { type: "text" }`), so the compiled
 * binary and the npm package carry them and nothing is fetched from
 * elsewhere at run time; it names them by content hash for caching.
 *
 * Bun-only (Bun.build): it runs at build time, never in the library.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** Options for {@link buildConsole}. */
export interface BuildConsoleOptions {
  /** Where app.js.txt and app.css.txt are written. @default lib/console/dist */
  outdir?: string;
  /** @default true */
  minify?: boolean;
}

/** What a build wrote. */
export interface ConsoleBuild {
  js: string;
  css: string;
  files: string[];
}

/** Bundles the console into `outdir` (app.js.txt, app.css.txt); throws with Bun's messages when the build fails. */
export async function buildConsole(options: BuildConsoleOptions = {}): Promise<ConsoleBuild> {
  const outdir = options.outdir ?? join(here, "dist");
  const result = await Bun.build({
    entrypoints: [join(here, "main.tsx")],
    target: "browser",
    format: "esm",
    minify: options.minify ?? true,
    // One file each: a strict CSP allows 'self' scripts, and one request is faster than a waterfall.
    splitting: false,
    sourcemap: "none",
    tsconfig: join(here, "tsconfig.json"),
    define: { "process.env.NODE_ENV": JSON.stringify("production") },
  });
  if (!result.success) throw new AggregateError(result.logs, `console build failed: ${result.logs.map(String).join("\n")}`);
  const js = result.outputs.find((o) => o.kind === "entry-point" && o.path.endsWith(".js"));
  const css = result.outputs.filter((o) => o.path.endsWith(".css"));
  if (!js) throw new Error("console build produced no JavaScript entry");
  const out = { js: await js.text(), css: (await Promise.all(css.map((c) => c.text()))).join("\n") };
  await mkdir(outdir, { recursive: true });
  const files = [join(outdir, "app.js.txt"), join(outdir, "app.css.txt")];
  await writeFile(files[0]!, out.js);
  await writeFile(files[1]!, out.css);
  return { ...out, files };
}

if (import.meta.main) {
  const started = performance.now();
  const built = await buildConsole();
  const kb = (s: string) => `${(Buffer.byteLength(s) / 1024).toFixed(1)} kB`;
  console.log(`console: app.js ${kb(built.js)}, app.css ${kb(built.css)} in ${Math.round(performance.now() - started)} ms -> ${dirname(built.files[0]!)}`);
}
