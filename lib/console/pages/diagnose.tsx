/**
 * `#/diagnose/:id?namespace=`: runs the cluster's analyzers through
 * `POST /debug/diagnose` and shows the findings grouped by severity, each
 * with its evidence, hint and confirm commands; a confirm command runs with
 * one click (`POST /debug/execute`) and its output shows under it. Viewers
 * see the page but not the buttons (the server refuses them anyway).
 */
import { useContext, useEffect, useState } from "preact/hooks";
import { get, request } from "../ui/api.ts";
import { Badge, ErrorBox, Header, RunCommand, statusTone } from "../ui/components.tsx";
import { can, href } from "../ui/routes.ts";
import { SessionContext } from "../ui/session.ts";
import type { DiagnoseView, Finding } from "../ui/types.ts";

/** Severities, worst first: the order of the groups. */
export const SEVERITIES = ["critical", "warning", "info"] as const;

/** Findings by severity, in the order given (the server sorts them). */
export function groupBySeverity(findings: readonly Finding[]): { severity: string; findings: Finding[] }[] {
  const known = new Set<string>(SEVERITIES);
  const order = [...SEVERITIES, ...new Set(findings.map((f) => f.severity).filter((s) => !known.has(s)))];
  return order.map((severity) => ({ severity, findings: findings.filter((f) => f.severity === severity) })).filter((g) => g.findings.length);
}

const TONE = { critical: "bad", warning: "warn", info: "info" } as const;

export function DiagnosePage({ params, query }: { params: Record<string, string>; query: URLSearchParams }) {
  const { session } = useContext(SessionContext);
  const [clusterId, setClusterId] = useState(params.id ?? "");
  const [namespace, setNamespace] = useState(query.get("namespace") ?? "");
  const [clusters, setClusters] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<DiagnoseView | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    get<{ clusters: string[] }>("/debug/clusters").then((c) => setClusters(c.clusters), setError);
  }, []);
  useEffect(() => setClusterId(params.id ?? ""), [params.id]);
  const allowedToRun = can.execute(session?.role);
  const run = async (e: Event) => {
    e.preventDefault();
    if (!clusterId) return;
    const target = href("/diagnose/", clusterId, { namespace });
    if (location.hash !== target) history.replaceState(null, "", target);
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const body = { cluster_id: clusterId, ...(namespace ? { namespace } : {}) };
      setResult((await request<DiagnoseView>("POST", "/debug/diagnose", { body, accept: [403] })).data);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section>
      <Header title="Diagnose" />
      {allowedToRun ? (
        <form class="inline-form" data-testid="diagnose-form" onSubmit={run}>
          <label>
            Cluster
            <select data-testid="diagnose-cluster" value={clusterId} onChange={(e) => setClusterId(e.currentTarget.value)} required>
              <option value="">choose…</option>
              {[...new Set([...clusters, ...(clusterId ? [clusterId] : [])])].map((c) => <option key={c} value={c}>{c}</option>)}
            </select>
          </label>
          <label>
            Namespace (empty: all)
            <input data-testid="diagnose-namespace" value={namespace} onInput={(e) => setNamespace(e.currentTarget.value.trim())} spellcheck={false} />
          </label>
          <button type="submit" class="primary" data-testid="diagnose-run" disabled={busy || !clusterId}>{busy ? "Diagnosing…" : "Diagnose"}</button>
        </form>
      ) : (
        <p class="muted" data-testid="diagnose-viewer">Your role (viewer) may not run diagnoses; an operator or admin can.</p>
      )}
      <ErrorBox error={error} />
      {result ? <Diagnosis view={result} /> : null}
    </section>
  );
}

function Diagnosis({ view }: { view: DiagnoseView }) {
  const groups = groupBySeverity(view.findings);
  return (
    <div data-testid="diagnosis" data-status={view.status}>
      <p class="summary">
        <Badge tone={statusTone(view.status)}>{view.status}</Badge>{" "}
        <span data-testid="diagnosis-summary">
          {view.summary.critical} critical, {view.summary.warning} warning, {view.summary.info} info
        </span>
        {view.analyzed ? <span class="muted"> · {view.analyzed.objects ?? 0} objects in {view.analyzed.namespace ?? "all namespaces"}</span> : null}
        {view.duration_ms !== null ? <span class="muted"> · {view.duration_ms} ms</span> : null}
        {view.truncated ? <> <Badge tone="warn">truncated</Badge></> : null}
        {view.redacted ? <> <Badge tone="info">redacted</Badge></> : null}
      </p>
      {view.error ? <div class="error" role="alert" data-testid="diagnosis-error"><strong>{view.code ?? "ERROR"}</strong> {view.error}{view.policy ? ` (policy ${view.policy})` : ""}</div> : null}
      {view.success && view.findings.length === 0 ? <p data-testid="diagnosis-clean">No findings: nothing the analyzers know looks wrong.</p> : null}
      {groups.map((g) => (
        <div key={g.severity} class="severity-group" data-testid="severity-group" data-severity={g.severity}>
          <h2>{g.severity} ({g.findings.length})</h2>
          {g.findings.map((f) => <FindingCard key={f.id} clusterId={view.cluster_id} finding={f} />)}
        </div>
      ))}
      {view.errors?.length ? <details><summary>Analyzer errors ({view.errors.length})</summary><pre class="output">{JSON.stringify(view.errors, null, 2)}</pre></details> : null}
    </div>
  );
}

function FindingCard({ clusterId, finding: f }: { clusterId: string; finding: Finding }) {
  return (
    <article class={`card ${f.severity}`} data-testid="finding-card" data-finding-id={f.id} data-severity={f.severity} data-code={f.code}>
      <header>
        <Badge tone={TONE[f.severity] ?? "muted"}>{f.severity}</Badge>
        <strong data-testid="finding-title">{f.title}</strong>
      </header>
      <p class="muted">
        {f.analyzer} / {f.code} · {f.resource.kind} {f.namespace ? `${f.namespace}/` : ""}{f.resource.name}
      </p>
      {f.evidence.length ? (
        <ul class="evidence" data-testid="finding-evidence">
          {f.evidence.map((line, i) => <li key={i}>{line}</li>)}
        </ul>
      ) : null}
      {f.hint ? <p class="hint" data-testid="finding-hint">{f.hint}</p> : null}
      {f.confirm.length ? (
        <div class="confirm">
          <h3>Confirm</h3>
          {f.confirm.map((argv, i) => <RunCommand key={i} clusterId={clusterId} argv={argv} testid="confirm-run" outputTestid="confirm-output" />)}
        </div>
      ) : null}
    </article>
  );
}
