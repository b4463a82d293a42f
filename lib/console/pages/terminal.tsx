/**
 * `#/terminal?cluster_id=`: the web terminal. A person picks a cluster and
 * types kubectl commands; each line runs through the same execute service
 * as every other caller (policies, scopes, audit, budgets; `logs -f` and
 * `-w` stream, Ctrl-C cancels). The whole session is recorded under its
 * debug session id, so `#/sessions/:id` replays it. The terminal itself is
 * terminal/controller.ts (xterm.js over `GET /terminal/ws`).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import "@xterm/xterm/css/xterm.css";
import "../terminal/terminal.css";
import { TerminalController, type TerminalStatus } from "../terminal/controller.ts";
import { terminalSocketUrl } from "../terminal/protocol.ts";
import { apiBase, get } from "../ui/api.ts";
import { ErrorBox, Header, useAsync } from "../ui/components.tsx";
import { href } from "../ui/routes.ts";

const TONE = { idle: "muted", connecting: "info", ready: "ok", running: "warn", closed: "muted" } as const;

export function TerminalPage({ query }: { query: URLSearchParams }) {
  const asked = query.get("cluster_id") ?? "";
  const clusters = useAsync((signal) => get<{ clusters: string[] }>("/debug/clusters", signal), []);
  const [cluster, setCluster] = useState(asked);
  const [status, setStatus] = useState<TerminalStatus>({ state: "idle" });
  const host = useRef<HTMLDivElement>(null);
  const controller = useRef<TerminalController | null>(null);

  useEffect(() => {
    const c = new TerminalController(host.current!, terminalSocketUrl(location, apiBase()), setStatus);
    controller.current = c;
    if (asked) c.connect(asked);
    c.focus();
    return () => {
      controller.current = null;
      c.dispose();
    };
  }, []);

  const ids = clusters.data?.clusters ?? [];
  // Until the person picks one: the asked-for cluster, else the first.
  const chosen = cluster || ids[0] || "";
  const live = status.state === "connecting" || status.state === "ready" || status.state === "running";
  const connect = (e: Event) => {
    e.preventDefault();
    if (!chosen) return;
    controller.current?.connect(chosen);
    controller.current?.focus();
  };
  return (
    <section class="terminal-page">
      <Header title="Terminal">
        {status.sessionId ? (
          <>
            <span class="muted">session <code data-testid="terminal-session-id">{status.sessionId}</code></span>
            {/* A new tab: leaving this page ends the terminal's session. */}
            <a class="button" data-testid="terminal-replay-link" href={href("/sessions/", status.sessionId)} target="_blank" rel="noopener noreferrer">Replay</a>
          </>
        ) : null}
      </Header>
      <ErrorBox error={clusters.error} />
      <form class="inline-form" data-testid="terminal-form" onSubmit={connect}>
        <label>
          Cluster
          <select data-testid="terminal-cluster" value={chosen} onChange={(e) => setCluster(e.currentTarget.value)} disabled={live}>
            {chosen && !ids.includes(chosen) ? <option value={chosen}>{chosen}</option> : null}
            {ids.map((id) => <option key={id} value={id}>{id}</option>)}
          </select>
        </label>
        {live ? (
          <button type="button" data-testid="terminal-disconnect" onClick={() => controller.current?.disconnect()}>Disconnect</button>
        ) : (
          <button type="submit" class="primary" data-testid="terminal-connect" disabled={!chosen}>{status.state === "closed" ? "Reconnect" : "Connect"}</button>
        )}
        <span class={`badge ${TONE[status.state]}`} data-testid="terminal-state" data-state={status.state}>
          {status.state}{status.clusterId && status.state !== "idle" ? ` · ${status.clusterId}` : ""}
        </span>
        {status.state === "closed" && status.reason ? <span class="muted" data-testid="terminal-closed-reason">{status.reason}</span> : null}
      </form>
      <div class="terminal-host" data-testid="terminal" ref={host} onClick={() => controller.current?.focus()} />
      <p class="muted">
        Read-only kubectl commands, one per line (a leading <code>kubectl</code> is optional; quote as in a shell, no pipes). Every line is recorded in the audit log under the session; results stay readable for 15 minutes, the record stays.
      </p>
    </section>
  );
}
