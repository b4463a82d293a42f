/**
 * The built console as text: Bun embeds `with { type: "text" }` imports in
 * the compiled binary, and tsup's text plugin (tsup.config.ts) in the npm
 * package's chunks. Loaded only by serve.ts, lazily, on the first console
 * request, so importing the library does not parse the bundle. Missing
 * until `npm run build:console` has run.
 *
 * The files end in `.txt` on purpose: tsup's own CSS handling would turn an
 * imported `.css` into an empty object before the text plugin sees it, and
 * `*.txt` is typed as a string already (bun-types).
 */
import js from "./dist/app.js.txt" with { type: "text" };
import css from "./dist/app.css.txt" with { type: "text" };

/** The console's script and stylesheet. */
export const consoleAssets: { js: string; css: string } = { js, css };
