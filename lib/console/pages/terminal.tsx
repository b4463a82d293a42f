/**
 * `#/terminal`: a placeholder. The web terminal (xterm.js over a WebSocket,
 * recorded as a debug session so `#/sessions/:id` replays it) replaces this
 * file; the route, its nav entry and its role (operators and admins) are
 * already in ui/routes.ts.
 */
import { Header } from "../ui/components.tsx";

export function TerminalPage({ query }: { query: URLSearchParams }) {
  const cluster = query.get("cluster_id");
  return (
    <section data-testid="terminal-placeholder">
      <Header title="Terminal" />
      <p class="muted">
        The web terminal is not here yet{cluster ? ` (asked for cluster ${cluster})` : ""}. Run read-only commands from a cluster's page meanwhile.
      </p>
    </section>
  );
}
