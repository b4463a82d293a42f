/**
 * A loopback webhook receiver for the alerts tests: records every request
 * (path, headers, JSON body) and answers what `answer` picks for the path
 * and that path's hit number (1 for the first).
 */

/** One request a receiver got. */
export type Hit = { path: string; headers: Record<string, string>; body: any };

/** Starts a receiver on a free loopback port. */
export function webhookReceiver(answer: (path: string, n: number) => Response = () => new Response("ok")) {
  const hits: Hit[] = [];
  const counts = new Map<string, number>();
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const path = new URL(req.url).pathname;
      const n = (counts.get(path) ?? 0) + 1;
      counts.set(path, n);
      hits.push({ path, headers: Object.fromEntries(req.headers), body: await req.json().catch(() => null) });
      return answer(path, n);
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, hits, at: (path: string) => hits.filter((h) => h.path === path), stop: () => server.stop(true) };
}
