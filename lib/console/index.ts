/**
 * The web console (docs/console.md): the server side that the REST app
 * mounts. The browser code (main.tsx, app.tsx, pages/, ui/) is bundled by
 * build.ts and embedded; nothing here imports it.
 */
export { CONSOLE_CSP, CONSOLE_PATHS, CONSOLE_SECURITY_HEADERS, consoleFiles, consoleRoute, consoleShell, type ConsoleRouteOptions } from "./serve.ts";
