/**
 * The hostile-input API ({@link startHostileApi}) and its A2A server, run as
 * a child process by `startHostileChild` (test/_hostile.ts). Prints one line,
 * `READY {"rest", "a2a", "routes"}`, then serves until SIGTERM.
 */
import { startA2AServer } from "../lib/a2a/index.ts";
import { startHostileApi } from "./_hostile.ts";

const api = await startHostileApi();
const a2a = await startA2AServer(api.k, { publicUrl: "http://127.0.0.1:8000/", port: 0 });
const routes = api.k.routes.map((r) => ({ method: r.method, path: r.path }));
console.log(`READY ${JSON.stringify({ rest: api.port, a2a: a2a.port, routes })}`);
process.once("SIGTERM", () => {
  void Promise.allSettled([a2a.close(), api.close()]).then(() => process.exit(0));
});
