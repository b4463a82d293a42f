/**
 * `#/admin/tokens` (admins): agent tokens per cluster: register a cluster by
 * creating its first token, rotate (the old token works for a grace
 * period), revoke. A new token is shown once.
 */
import { useState } from "preact/hooks";
import { get, path, request } from "../ui/api.ts";
import { Ago, Badge, ErrorBox, Header, Loading, useAsync } from "../ui/components.tsx";
import { href } from "../ui/routes.ts";
import type { AgentView } from "../ui/types.ts";
import { NewSecret } from "./admin-keys.tsx";

export function AdminTokensPage() {
  const list = useAsync((signal) => get<{ clusters: AgentView[] }>("/admin/agents", signal), []);
  const [clusterId, setClusterId] = useState("");
  const [grace, setGrace] = useState("300");
  const [created, setCreated] = useState<{ label: string; token: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const act = async (fn: () => Promise<void>) => {
    setError(null);
    try {
      await fn();
      list.reload();
    } catch (err) {
      setError(err);
    }
  };
  const create = (id: string) =>
    act(async () => {
      const { data } = await request<{ token: string }>("POST", path`/admin/agents/${id}/token`, { body: {} });
      setCreated({ label: `Agent token for ${id}`, token: data.token });
      setClusterId("");
    });
  const rotate = (id: string) =>
    act(async () => {
      const { data } = await request<{ token: string; previousValidUntil: string }>("POST", path`/admin/agents/${id}/token/rotate`, { body: { grace_seconds: Number(grace) } });
      setCreated({ label: `New agent token for ${id} (the old one works until ${data.previousValidUntil})`, token: data.token });
    });
  const revoke = (id: string) => {
    if (!confirm(`Revoke every agent token of ${id}? Its agent is cut off at its next poll.`)) return;
    return act(async () => void (await request("DELETE", path`/admin/agents/${id}/token`)));
  };
  return (
    <section>
      <Header title="Agent tokens" />
      {created ? <NewSecret label={created.label} secret={created.token} onDone={() => setCreated(null)} /> : null}
      <form
        class="inline-form"
        data-testid="token-create-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (clusterId.trim()) void create(clusterId.trim());
        }}
      >
        <label>Cluster id<input data-testid="token-cluster" required pattern="[a-z0-9]([a-z0-9\-]*[a-z0-9])?" value={clusterId} onInput={(e) => setClusterId(e.currentTarget.value)} /></label>
        <button type="submit" class="primary" data-testid="token-create">Register cluster / create token</button>
        <label>Rotation grace (seconds)<input class="small" type="number" min={0} max={86400} value={grace} onInput={(e) => setGrace(e.currentTarget.value)} /></label>
      </form>
      <ErrorBox error={error ?? list.error} />
      {list.loading && !list.data ? <Loading /> : null}
      {list.data ? (
        <table data-testid="tokens-table">
          <thead>
            <tr><th>Cluster</th><th>Agent</th><th>Last seen</th><th></th></tr>
          </thead>
          <tbody>
            {list.data.clusters.map((c) => (
              <tr key={c.id} data-testid="token-row" data-cluster-id={c.id} data-connected={String(c.connected)}>
                <td><a href={href("/clusters/", c.id)}>{c.id}</a></td>
                <td><Badge tone={c.connected ? "ok" : "bad"}>{c.connected ? "connected" : "disconnected"}</Badge></td>
                <td><Ago at={c.lastSeen} /></td>
                <td class="row-actions">
                  <button type="button" data-testid="token-new" onClick={() => create(c.id)}>Create</button>
                  <button type="button" data-testid="token-rotate" onClick={() => rotate(c.id)}>Rotate</button>
                  <button type="button" class="danger" data-testid="token-revoke" onClick={() => revoke(c.id)}>Revoke</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
