/**
 * The runtime's floor for the fleet bench: a bare `Bun.serve` that holds
 * each `GET /agent/commands?wait=N` for N seconds and answers 204, and
 * answers every other request `{active: false}`. No authentication, no
 * backend, no routing: what holding an idle fleet's long polls costs Bun
 * itself, to set the API's idle CPU against. Prints `listening <url>`.
 */
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  idleTimeout: 60,
  fetch(request) {
    const url = new URL(request.url);
    if (url.pathname !== "/agent/commands") return Response.json({ active: false });
    const waitMs = Number(url.searchParams.get("wait") ?? 25) * 1000;
    return new Promise<Response>((resolve) => setTimeout(() => resolve(new Response(null, { status: 204 })), waitMs));
  },
});
console.log(`listening http://127.0.0.1:${server.port}`);
process.on("SIGTERM", () => process.exit(0));
