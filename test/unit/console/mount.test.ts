/**
 * The REST app serves the console (lib/http/app.ts mounts consoleRoute):
 * the shell and assets without a credential, under the strict CSP, an
 * unknown asset as the REST 404 with the response's own request id, and
 * the same under a base path.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { memoryBackend } from "../../../adapters/memory/index.ts";
import { CONSOLE_CSP } from "../../../lib/console/index.ts";
import { createKubently, type Kubently } from "../../../lib/kubently.ts";
import { ensureConsoleBuilt } from "./_built.ts";

let k: Kubently;
beforeAll(async () => {
  await ensureConsoleBuilt();
  k = createKubently({ backend: memoryBackend(), policies: [] });
}, 120_000);
afterAll(async () => {
  await k?.close();
});

const get = (path: string, init?: RequestInit) => k.handle(new Request(`http://kubently.test${path}`, init));

describe("the REST app serves the console", () => {
  test("GET /ui/ and its assets answer without a credential, under the CSP", async () => {
    const shell = await get("/ui/");
    expect(shell.status).toBe(200);
    expect(shell.headers.get("content-security-policy")).toBe(CONSOLE_CSP);
    const html = await shell.text();
    const assets = [...html.matchAll(/"assets\/([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBe(2);
    for (const name of assets) {
      const res = await get(`/ui/assets/${name}`);
      expect({ name, status: res.status, csp: res.headers.get("content-security-policy") }).toEqual({ name, status: 200, csp: CONSOLE_CSP });
    }
    expect((await get("/ui")).status).toBe(308);
    // The data is not public: the console's own calls need the session.
    expect((await get("/debug/clusters")).status).toBe(401);
  });

  test("an unknown asset is the REST 404 whose request_id is the response's X-Request-ID", async () => {
    const res = await get("/ui/assets/app-0000000000000000.js");
    expect(res.status).toBe(404);
    const body = (await res.json()) as { code: string; request_id: string };
    expect(body.code).toBe("NOT_FOUND");
    expect(body.request_id).toBe(res.headers.get("x-request-id")!);
  });

  test("under a base path, /kubently/ui/ is the console and its asset URLs stay relative", async () => {
    const handler = k.fetchHandler({ basePath: "/kubently" });
    const res = await handler(new Request("http://kubently.test/kubently/ui/"));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('src="assets/app-');
  });
});
