/**
 * `#/clusters`: every cluster the caller may use, with its agent's state
 * (connected, version, executor, last seen), active sessions and queue
 * depth; refreshed every 10 seconds. `#/clusters/:id`: one cluster's
 * details and, for roles that may execute, a command line to run.
 */
import { useContext, useState } from "preact/hooks";
import { get, path, request } from "../ui/api.ts";
import { Ago, Badge, CommandResult, ErrorBox, Header, Loading, useAsync } from "../ui/components.tsx";
import { splitArgs } from "../ui/format.ts";
import { can, href } from "../ui/routes.ts";
import { SessionContext } from "../ui/session.ts";
import type { ClusterView, CommandView } from "../ui/types.ts";

const REFRESH_MS = 10_000;

/** Every cluster's status: the list, then each one's detail in parallel (an error per row, not per page). */
export async function loadClusters(signal?: AbortSignal): Promise<(ClusterView | { cluster_id: string; loadError: string })[]> {
  const { clusters } = await get<{ clusters: string[] }>("/debug/clusters", signal);
  return Promise.all(
    clusters.map((id) => get<ClusterView>(path`/debug/clusters/${id}`, signal).catch((e: Error) => ({ cluster_id: id, loadError: e.message }))),
  );
}

export function ClustersPage() {
  const { session } = useContext(SessionContext);
  const list = useAsync((signal) => loadClusters(signal), [], REFRESH_MS);
  const rows = list.data ?? [];
  return (
    <section>
      <Header title="Clusters">
        <button type="button" onClick={list.reload}>Refresh</button>
      </Header>
      <ErrorBox error={list.error} />
      {list.loading && !list.data ? <Loading /> : null}
      {list.data && rows.length === 0 ? <p class="muted" data-testid="clusters-empty">No clusters yet. An admin registers one under Agent tokens.</p> : null}
      {rows.length ? (
        <table data-testid="clusters-table">
          <thead>
            <tr><th>Cluster</th><th>State</th><th>Agent</th><th>Executor</th><th>Last seen</th><th>Sessions</th><th>Queue</th><th></th></tr>
          </thead>
          <tbody>
            {rows.map((c) =>
              "loadError" in c ? (
                <tr key={c.cluster_id} data-testid="cluster-row" data-cluster-id={c.cluster_id} data-connected="unknown">
                  <td><a href={href("/clusters/", c.cluster_id)}>{c.cluster_id}</a></td>
                  <td colSpan={7} class="error-text">{c.loadError}</td>
                </tr>
              ) : (
                <tr key={c.cluster_id} data-testid="cluster-row" data-cluster-id={c.cluster_id} data-connected={String(c.connected)}>
                  <td><a href={href("/clusters/", c.cluster_id)}>{c.cluster_id}</a></td>
                  <td><Badge tone={c.connected ? "ok" : "bad"} testid="cluster-state">{c.connected ? "connected" : "disconnected"}</Badge></td>
                  <td>{c.agent?.version ?? "—"}</td>
                  <td>{c.agent?.executor ?? "—"}</td>
                  <td><Ago at={c.last_seen} /></td>
                  <td class="num">{c.active_sessions}</td>
                  <td class="num">{c.queue_depth}</td>
                  <td class="row-actions">
                    {can.execute(session?.role) ? <a href={href("/diagnose/", c.cluster_id)}>Diagnose</a> : null}
                  </td>
                </tr>
              ),
            )}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

/** One label/value row of the details list (absent values shown as a dash). */
const Row = ({ k, v }: { k: string; v: unknown }) => (
  <>
    <dt>{k}</dt>
    <dd>{v === undefined || v === null || v === "" ? "—" : Array.isArray(v) ? (v.length ? v.join(", ") : "—") : String(v)}</dd>
  </>
);

export function ClusterPage({ params }: { params: Record<string, string> }) {
  const id = params.id!;
  const { session } = useContext(SessionContext);
  const c = useAsync((signal) => get<ClusterView>(path`/debug/clusters/${id}`, signal), [id], REFRESH_MS);
  const [line, setLine] = useState("get pods -A");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<CommandView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const run = async (e: Event) => {
    e.preventDefault();
    const argv = splitArgs(line);
    if (!argv.length) return;
    setBusy(true);
    setError(null);
    try {
      setResult((await request<CommandView>("POST", "/debug/execute", { body: { cluster_id: id, argv }, accept: [403] })).data);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const v = c.data;
  return (
    <section>
      <Header title={<>Cluster <span data-testid="cluster-id">{id}</span></>}>
        {can.execute(session?.role) ? <a class="button" href={href("/diagnose/", id)}>Diagnose</a> : null}
        <a class="button" href={href("/audit", { cluster_id: id })}>Audit</a>
      </Header>
      <ErrorBox error={c.error} />
      {c.loading && !v ? <Loading /> : null}
      {v ? (
        <dl class="details" data-testid="cluster-details" data-connected={String(v.connected)}>
          <dt>State</dt>
          <dd><Badge tone={v.connected ? "ok" : "bad"}>{v.connected ? "connected" : "disconnected"}</Badge>{v.agent?.state === "stopped" ? " (agent stopped)" : ""}</dd>
          <dt>Last seen</dt>
          <dd><Ago at={v.last_seen} /></dd>
          <Row k="Agent version" v={v.agent?.version} />
          <Row k="Agent id" v={v.agent?.agentId} />
          <Row k="Executor" v={v.agent?.executor} />
          <Row k="kubectl" v={v.agent?.kubectlVersion} />
          <Row k="Kubernetes" v={v.agent?.kubernetesVersion} />
          <Row k="Concurrency" v={v.agent?.concurrency} />
          <Row k="Active sessions" v={v.active_sessions} />
          <Row k="Queue depth" v={v.queue_depth} />
          <Row k="Agent token" v={v.has_token ? "yes" : "no"} />
          <Row k="Registered" v={v.created_at} />
          <Row k="Capabilities" v={v.agent?.capabilities} />
          <Row k="Native commands" v={v.agent?.nativeCommands} />
          <Row k="Analyzers" v={v.agent?.analyzers} />
        </dl>
      ) : null}
      {can.execute(session?.role) ? (
        <form class="inline-form" data-testid="execute-form" onSubmit={run}>
          <label class="grow">
            Read-only command (kubectl arguments)
            <input data-testid="execute-argv" value={line} onInput={(e) => setLine(e.currentTarget.value)} spellcheck={false} />
          </label>
          <button type="submit" class="primary" data-testid="execute-run" disabled={busy}>{busy ? "Running…" : "Run"}</button>
        </form>
      ) : null}
      <ErrorBox error={error} />
      {result ? <CommandResult view={result} testid="execute-output" /> : null}
    </section>
  );
}
