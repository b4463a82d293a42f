/**
 * The console bundle works under the strict CSP and fetches nothing from
 * elsewhere: no eval or Function constructor, no remote URL, and sources
 * that never write HTML or inline styles.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildConsole } from "../../../lib/console/build.ts";

const SRC = resolve(import.meta.dir, "../../../lib/console");
/** Namespace URIs Preact uses to create SVG and MathML elements: identifiers, never fetched. */
const NAMESPACE_URIS = new Set(["http://www.w3.org/2000/svg", "http://www.w3.org/1999/xhtml", "http://www.w3.org/1998/Math/MathML", "http://www.w3.org/1999/xlink"]);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (name === "dist" || name === "node_modules") return [];
    if (statSync(p).isDirectory()) return sources(p);
    return /\.(tsx?|css)$/.test(name) ? [p] : [];
  });
}

describe("the console build", () => {
  test("bundles into one script and one stylesheet with no eval, no Function constructor and no remote URL", async () => {
    const outdir = mkdtempSync(join(tmpdir(), "kubently-console-"));
    try {
      const built = await buildConsole({ outdir });
      expect(readdirSync(outdir).sort()).toEqual(["app.css.txt", "app.js.txt"]);
      expect(built.js.length).toBeGreaterThan(10_000);
      expect(built.css.length).toBeGreaterThan(1_000);
      expect(built.js).not.toMatch(/\beval\s*\(/);
      expect(built.js).not.toMatch(/new\s+Function\b/);
      expect(built.js).not.toMatch(/\bFunction\s*\(\s*["'`]/);
      expect(built.js).not.toMatch(/set(?:Timeout|Interval)\s*\(\s*["'`]/);
      const urls = [...built.js.matchAll(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s"'`)]*/gi)].map((m) => m[0]).filter((u) => !NAMESPACE_URIS.has(u));
      expect(urls).toEqual([]);
      expect(built.css).not.toMatch(/@import|url\(\s*["']?(?:https?:)?\/\//i);
      // Preact itself, not a copy fetched at run time; no React.
      expect(built.js).not.toMatch(/\bReact\./);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);

  test("no console source writes HTML, inline styles or code strings", () => {
    const files = sources(SRC);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files.filter((f) => !f.endsWith(".css") && !f.endsWith("serve.ts"))) {
      const text = readFileSync(file, "utf8");
      for (const bad of [/dangerouslySetInnerHTML/, /\.innerHTML\b/, /\.outerHTML\b/, /insertAdjacentHTML/, /document\.write/, /\beval\s*\(/, /new Function/, /\bstyle=\{/, /setAttribute\(\s*["']style/]) {
        expect({ file, bad: String(bad), found: bad.test(text) }).toEqual({ file, bad: String(bad), found: false });
      }
    }
  });
});
