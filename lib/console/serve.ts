/**
 * Serves the web console: the HTML shell at `/ui/` and its two assets at
 * `/ui/assets/app-<hash>.js|css`, with a strict Content-Security-Policy
 * (scripts, styles and connections from the same origin only; no inline
 * code, no eval). The shell and assets need no credential: every data call
 * the page makes is authenticated like any API call (the session cookie
 * from `/ui/login`, plus `X-CSRF-Token` on writes).
 *
 * Runs on Node and Bun (no Bun-only API). The bundle is imported lazily,
 * on the first console request, so a library user who never opens the
 * console never loads it.
 */
import { createHash, randomUUID } from "node:crypto";

/** The Content-Security-Policy of every console response. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  // 'self' covers fetch, EventSource and same-origin WebSockets (ws:/wss:) in CSP Level 3 browsers.
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Headers on every console response. */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": CONSOLE_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  // For browsers that predate frame-ancestors.
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

/** The paths the console answers (GET and HEAD), for a router that registers routes: `/ui/assets/:name` is a pattern. */
export const CONSOLE_PATHS = ["/ui", "/ui/", "/ui/index.html", "/ui/assets/:name"] as const;

/** Hashed asset names are cached for a year and never revalidated; the shell is revalidated every time. */
const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";

interface Asset {
  body: string;
  type: string;
  etag: string;
}

interface Built {
  shell: Asset;
  assets: Map<string, Asset>;
}

const digest = (text: string) => createHash("sha256").update(text).digest("hex");

/** The HTML shell: no inline script or style, so the CSP needs no 'unsafe-inline'. Asset URLs are relative to `/ui/`. */
export function consoleShell(jsName: string, cssName: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Kubently</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="assets/${cssName}">
<script type="module" src="assets/${jsName}"></script>
</head>
<body>
<div id="app"></div>
<noscript>The Kubently console needs JavaScript.</noscript>
</body>
</html>
`;
}

/** Builds the served files from the script and stylesheet (pure; exported for tests). */
export function consoleFiles(js: string, css: string): Built {
  const jsHash = digest(js);
  const cssHash = digest(css);
  const jsName = `app-${jsHash.slice(0, 16)}.js`;
  const cssName = `app-${cssHash.slice(0, 16)}.css`;
  const html = consoleShell(jsName, cssName);
  return {
    shell: { body: html, type: "text/html; charset=utf-8", etag: `"${digest(html).slice(0, 32)}"` },
    assets: new Map([
      [jsName, { body: js, type: "text/javascript; charset=utf-8", etag: `"${jsHash.slice(0, 32)}"` }],
      [cssName, { body: css, type: "text/css; charset=utf-8", etag: `"${cssHash.slice(0, 32)}"` }],
    ]),
  };
}

let built: Promise<Built> | null = null;

/** The embedded bundle, loaded once; a failed load (not built) is retried on the next request. */
function load(): Promise<Built> {
  built ??= import("./_assets.ts").then(
    ({ consoleAssets }) => consoleFiles(consoleAssets.js, consoleAssets.css),
    (cause: unknown) => {
      built = null;
      throw new Error("the console is not built: run `npm run build:console`", { cause });
    },
  );
  return built;
}

/** Options for {@link consoleRoute}. */
export interface ConsoleRouteOptions {
  /** Put in an error answer's `request_id` (and `X-Request-ID`). @default a new id */
  requestId?: string;
}

const jsonError = (status: number, code: string, error: string, requestId: string) =>
  new Response(JSON.stringify({ error, code, request_id: requestId }), {
    status,
    headers: { "content-type": "application/json", "x-request-id": requestId, ...CONSOLE_SECURITY_HEADERS, "cache-control": "no-store" },
  });

function answer(request: Request, file: Asset, cacheControl: string): Response {
  const headers = { "content-type": file.type, "cache-control": cacheControl, etag: file.etag, ...CONSOLE_SECURITY_HEADERS };
  const match = request.headers.get("if-none-match");
  if (match && match.split(",").some((t) => t.trim().replace(/^W\//, "") === file.etag)) return new Response(null, { status: 304, headers });
  return new Response(request.method === "HEAD" ? null : file.body, { status: 200, headers });
}

/**
 * The console's answer to `request`, or null when the request is not the
 * console's (another path or a method other than GET/HEAD), so the caller
 * routes it on.
 *
 * - `/ui` redirects (308) to `ui/` (relative, so a mount under a base path works);
 * - `/ui/` and `/ui/index.html`: the HTML shell, revalidated (ETag, `no-cache`);
 * - `/ui/assets/<name>`: the script or stylesheet by its hashed name,
 *   `immutable`; any other name is a 404 in the REST error shape
 *   `{error, code: "NOT_FOUND", request_id}`;
 * - a console that was not built: 500 `{code: "INTERNAL"}` naming the build command.
 *
 * `request`'s path is read as given: a host mounting Kubently under a base
 * path strips it first (as `fetchHandler({ basePath })` does).
 */
export function consoleRoute(request: Request, options: ConsoleRouteOptions = {}): Promise<Response> | null {
  if (request.method !== "GET" && request.method !== "HEAD") return null;
  const url = new URL(request.url);
  const p = url.pathname;
  if (p === "/ui") {
    return Promise.resolve(new Response(null, { status: 308, headers: { location: "ui/", ...CONSOLE_SECURITY_HEADERS } }));
  }
  const isShell = p === "/ui/" || p === "/ui/index.html";
  const assetName = p.startsWith("/ui/assets/") ? p.slice("/ui/assets/".length) : null;
  if (!isShell && assetName === null) return null;
  const requestId = options.requestId ?? randomUUID();
  return load().then(
    (b) => {
      if (isShell) return answer(request, b.shell, REVALIDATE);
      const file = b.assets.get(assetName!);
      if (!file) return jsonError(404, "NOT_FOUND", `no console asset named ${assetName!.slice(0, 100)} (asset names change with every build; reload /ui/)`, requestId);
      return answer(request, file, IMMUTABLE);
    },
    (e: Error) => jsonError(500, "INTERNAL", e.message, requestId),
  );
}
