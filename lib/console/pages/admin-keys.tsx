/**
 * `#/admin/keys` (admins): API keys: list, create (the secret is shown once,
 * here), revoke.
 */
import { useState } from "preact/hooks";
import { get, path, request } from "../ui/api.ts";
import { Ago, Badge, ErrorBox, Header, Loading, useAsync } from "../ui/components.tsx";
import { listOf } from "../ui/format.ts";
import type { KeyView } from "../ui/types.ts";

/** A secret shown once, with the warning that it will not be shown again. */
export function NewSecret({ label, secret, onDone }: { label: string; secret: string; onDone(): void }) {
  return (
    <div class="notice ok" data-testid="new-secret">
      <p>{label}: copy it now, it is not shown again.</p>
      <pre class="output" data-testid="new-secret-value">{secret}</pre>
      <button type="button" onClick={onDone}>Done</button>
    </div>
  );
}

export function AdminKeysPage() {
  const list = useAsync((signal) => get<{ keys: KeyView[] }>("/admin/keys", signal), []);
  const [form, setForm] = useState({ name: "", role: "viewer", clusters: "", namespaces: "" });
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const create = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const clusters = listOf(form.clusters);
      const namespaces = listOf(form.namespaces);
      const body = { name: form.name.trim(), role: form.role, ...(clusters.length ? { clusters } : {}), ...(namespaces.length ? { namespaces } : {}) };
      const { data } = await request<{ key: string; name: string }>("POST", "/admin/keys", { body });
      setCreated({ name: data.name, key: data.key });
      setForm({ name: "", role: "viewer", clusters: "", namespaces: "" });
      list.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const revoke = async (k: KeyView) => {
    if (!confirm(`Revoke key ${k.name} (${k.id})? It stops working at once.`)) return;
    setError(null);
    try {
      await request("DELETE", path`/admin/keys/${k.id}`);
      list.reload();
    } catch (err) {
      setError(err);
    }
  };
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });
  return (
    <section>
      <Header title="API keys" />
      {created ? <NewSecret label={`Key ${created.name}`} secret={created.key} onDone={() => setCreated(null)} /> : null}
      <form class="inline-form" data-testid="key-create-form" onSubmit={create}>
        <label>Name<input data-testid="key-name" required value={form.name} onInput={set("name")} /></label>
        <label>
          Role
          <select data-testid="key-role" value={form.role} onChange={set("role")}>
            <option value="viewer">viewer</option>
            <option value="operator">operator</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <label>Clusters (comma-separated, empty: all)<input value={form.clusters} onInput={set("clusters")} /></label>
        <label>Namespaces (comma-separated, empty: all)<input value={form.namespaces} onInput={set("namespaces")} /></label>
        <button type="submit" class="primary" data-testid="key-create" disabled={busy}>Create key</button>
      </form>
      <ErrorBox error={error ?? list.error} />
      {list.loading && !list.data ? <Loading /> : null}
      {list.data ? (
        <table data-testid="keys-table">
          <thead>
            <tr><th>Name</th><th>Role</th><th>Clusters</th><th>Namespaces</th><th>Created</th><th>Last used</th><th>State</th><th></th></tr>
          </thead>
          <tbody>
            {list.data.keys.map((k) => (
              <tr key={k.id} data-testid="key-row" data-key-id={k.id} data-revoked={String(!!k.revoked_at)}>
                <td>{k.name} <span class="muted">{k.id}</span></td>
                <td>{k.role}</td>
                <td>{k.clusters?.join(", ") ?? "all"}</td>
                <td>{k.namespaces?.join(", ") ?? "all"}</td>
                <td><Ago at={k.created_at} /></td>
                <td><Ago at={k.last_used_at} /></td>
                <td>{k.revoked_at ? <Badge tone="bad">revoked</Badge> : <Badge tone="ok">active</Badge>}</td>
                <td>{k.revoked_at ? null : <button type="button" class="danger" data-testid="key-revoke" onClick={() => revoke(k)}>Revoke</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
