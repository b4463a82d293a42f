/**
 * `#/audit?cluster_id=&event_type=&identity=&since=&limit=`: the audit log,
 * newest first, filtered by the server (cluster, event type, since,
 * session) and, for identity, in the page (the API has no identity filter;
 * non-admins see only their own entries anyway). Admins can verify the hash
 * chain. A row with a session links to its replay.
 */
import { useContext, useState } from "preact/hooks";
import { get, withQuery } from "../ui/api.ts";
import { Badge, ErrorBox, Header, Loading, statusTone, useAsync } from "../ui/components.tsx";
import { argvText, clock } from "../ui/format.ts";
import { can, href } from "../ui/routes.ts";
import { SessionContext } from "../ui/session.ts";
import type { AuditEntryView, VerifyView } from "../ui/types.ts";

/** The audit event types (docs/rest-api.md#audit, docs/login.md), offered in the filter. */
export const AUDIT_EVENT_TYPES = [
  "command.queued", "command.denied", "command.executed", "command.refused", "command.timeout", "command.lost", "command.cancelled",
  "session.created", "session.ended", "key.created", "key.revoked", "agent.token.created", "agent.token.rotated", "agent.token.revoked",
  "user.login", "user.login.failed", "user.logout", "user.created", "user.updated", "user.deleted", "user.password.changed",
];

/** The filters the page keeps in its hash. */
export interface AuditFilters {
  cluster_id: string;
  event_type: string;
  identity: string;
  since: string;
  limit: string;
}

/** The filters read from a hash query. */
export const filtersOf = (q: URLSearchParams): AuditFilters => ({
  cluster_id: q.get("cluster_id") ?? "",
  event_type: q.get("event_type") ?? "",
  identity: q.get("identity") ?? "",
  since: q.get("since") ?? "",
  limit: q.get("limit") ?? "200",
});

/** The API query for `filters`: `since` from a `datetime-local` value (local time) to an ISO date. */
export function auditQuery(f: AuditFilters): string {
  const since = f.since ? new Date(f.since) : null;
  return withQuery("/audit", {
    cluster_id: f.cluster_id,
    event_type: f.event_type,
    since: since && !Number.isNaN(since.getTime()) ? since.toISOString() : undefined,
    limit: f.limit,
  });
}

export function AuditPage({ query }: { query: URLSearchParams }) {
  const { session } = useContext(SessionContext);
  const applied = filtersOf(query);
  const [form, setForm] = useState<AuditFilters>(applied);
  const key = JSON.stringify(applied);
  const list = useAsync((signal) => get<{ entries: AuditEntryView[] }>(auditQuery(applied), signal), [key]);
  const [verify, setVerify] = useState<VerifyView | null>(null);
  const [verifyError, setVerifyError] = useState<unknown>(null);
  const [verifying, setVerifying] = useState(false);
  const set = (k: keyof AuditFilters) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });
  const apply = (e: Event) => {
    e.preventDefault();
    const target = href("/audit", { ...form, limit: form.limit === "200" ? "" : form.limit });
    if (location.hash === target) list.reload();
    else location.hash = target;
  };
  const runVerify = async () => {
    setVerifying(true);
    setVerifyError(null);
    try {
      setVerify(await get<VerifyView>("/audit/verify"));
    } catch (e) {
      setVerifyError(e);
    } finally {
      setVerifying(false);
    }
  };
  const who = applied.identity.toLowerCase();
  const entries = (list.data?.entries ?? []).filter((e) => !who || e.identity.toLowerCase().includes(who) || (e.onBehalfOf ?? "").toLowerCase().includes(who));
  return (
    <section>
      <Header title="Audit">
        {can.admin(session?.role) ? (
          <button type="button" data-testid="audit-verify" disabled={verifying} onClick={runVerify}>{verifying ? "Verifying…" : "Verify chain"}</button>
        ) : null}
      </Header>
      {verify ? (
        <div class={verify.ok ? "notice ok" : "notice bad"} data-testid="audit-verify-result" data-ok={String(verify.ok)}>
          {verify.ok
            ? `Chain intact: ${verify.count} entries checked${verify.firstSeq !== undefined ? ` (seq ${verify.firstSeq} to ${verify.lastSeq})` : ""}.`
            : `Chain broken at seq ${verify.brokenAt ?? "?"}: ${verify.reason ?? "hash mismatch"} (${verify.count} entries checked).`}
        </div>
      ) : null}
      <ErrorBox error={verifyError} />
      <form class="filters" data-testid="audit-filters" onSubmit={apply}>
        <label>Cluster<input data-testid="audit-filter-cluster" value={form.cluster_id} onInput={set("cluster_id")} /></label>
        <label>Identity<input data-testid="audit-filter-identity" value={form.identity} onInput={set("identity")} /></label>
        <label>
          Event type
          <select data-testid="audit-filter-type" value={form.event_type} onChange={set("event_type")}>
            <option value="">any</option>
            {AUDIT_EVENT_TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
        </label>
        <label>Since<input type="datetime-local" step={1} data-testid="audit-filter-since" value={form.since} onInput={set("since")} /></label>
        <label>
          Limit
          <select value={form.limit} onChange={set("limit")}>
            {["50", "200", "1000"].map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
        </label>
        <button type="submit" class="primary" data-testid="audit-apply">Apply</button>
      </form>
      <ErrorBox error={list.error} />
      {list.loading && !list.data ? <Loading /> : null}
      {list.data && entries.length === 0 ? <p class="muted" data-testid="audit-empty">No entries match.</p> : null}
      {entries.length ? (
        <table data-testid="audit-table">
          <thead>
            <tr><th>Seq</th><th>Time</th><th>Event</th><th>Identity</th><th>Cluster</th><th>Command</th><th>Outcome</th><th>Session</th></tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.seq} data-testid="audit-row" data-seq={e.seq} data-event-type={e.eventType}>
                <td class="num">{e.seq}</td>
                <td class="nowrap">{clock(e.timestamp ?? e.at)}</td>
                <td>{e.eventType}</td>
                <td>{e.identity}{e.role ? <span class="muted"> ({e.role})</span> : null}{e.onBehalfOf ? <span class="muted"> for {e.onBehalfOf}</span> : null}</td>
                <td>{e.clusterId ? <a href={href("/clusters/", e.clusterId)}>{e.clusterId}</a> : null}</td>
                <td class="wide">
                  {e.argv ? <code>{argvText(e.argv)}</code> : null}
                  {e.reason ? <span class="muted"> {e.policy ? `${e.policy}: ` : ""}{e.reason}</span> : null}
                </td>
                <td>
                  {e.outcome || e.decision ? <Badge tone={statusTone(e.outcome ?? e.decision)}>{e.outcome ?? e.decision}</Badge> : null}
                  {e.durationMs !== undefined ? <span class="muted"> {e.durationMs} ms</span> : null}
                </td>
                <td>{e.sessionId ? <a data-testid="audit-session-link" href={href("/sessions/", e.sessionId)}>replay</a> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
