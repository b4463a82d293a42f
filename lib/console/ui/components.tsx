/**
 * Pieces the pages share: loading and error states, ages, status badges,
 * a command's result, and the button that runs one command. Every value is
 * rendered as text (Preact escapes it); nothing here sets HTML.
 */
import type { ComponentChildren } from "preact";
import { useCallback, useContext, useEffect, useRef, useState } from "preact/hooks";
import { ApiError, request } from "./api.ts";
import { ago, argvText, clock } from "./format.ts";
import { can } from "./routes.ts";
import { SessionContext } from "./session.ts";
import type { CommandView } from "./types.ts";

/** The state of one asynchronous load. */
export interface Async<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/**
 * Runs `load` when `deps` change (and on `reload()`), aborting the previous
 * run; with `everyMs`, again on that period while the page is shown.
 */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[], everyMs?: number): Async<T> {
  const [state, setState] = useState<{ data: T | null; error: unknown; loading: boolean }>({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    load(ctl.signal).then(
      (data) => !ctl.signal.aborted && setState({ data, error: null, loading: false }),
      (error) => !ctl.signal.aborted && setState((s) => ({ data: s.data, error, loading: false })),
    );
    const timer = everyMs ? setTimeout(reload, everyMs) : undefined;
    return () => {
      ctl.abort();
      if (timer) clearTimeout(timer);
    };
  }, [...deps, tick]);
  return { ...state, reload };
}

/** An error as the API said it: message, code and request id. */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error instanceof ApiError ? error : null;
  return (
    <div class="error" role="alert" data-testid="error" data-code={e?.code ?? "ERROR"}>
      <strong>{e ? `${e.code}` : "Error"}</strong> {(error as Error).message ?? String(error)}
      {e?.requestId ? <span class="muted"> (request {e.requestId})</span> : null}
    </div>
  );
}

/** A quiet "loading" line. */
export const Loading = () => <p class="muted" data-testid="loading">Loading…</p>;

/** An age ("12s ago") with the exact time on hover. */
export const Ago = ({ at }: { at: string | number | null | undefined }) => <time title={clock(at)}>{ago(at)}</time>;

/** A small coloured label; `tone` picks the colour. */
export function Badge({ tone, children, testid }: { tone: "ok" | "bad" | "warn" | "info" | "muted"; children: ComponentChildren; testid?: string }) {
  return <span class={`badge ${tone}`} data-testid={testid}>{children}</span>;
}

/** The badge tone for a command or diagnosis status. */
export const statusTone = (status: string | undefined): "ok" | "bad" | "warn" | "muted" =>
  status === "success" || status === "executed" || status === "allowed" ? "ok"
  : status === "denied" || status === "failure" || status === "error" || status === "lost" ? "bad"
  : status === "timeout" || status === "cancelled" || status === "queued" ? "warn"
  : "muted";

/** A command's result: status, exit code, time, flags, then its output and error as text. */
export function CommandResult({ view, testid = "command-output" }: { view: CommandView; testid?: string }) {
  return (
    <div class="result" data-testid={testid} data-status={view.status}>
      <div class="result-head">
        <Badge tone={statusTone(view.status)}>{view.status}</Badge>
        {view.exit_code !== null ? <span class="muted">exit {view.exit_code}</span> : null}
        {view.execution_time_ms !== null ? <span class="muted">{view.execution_time_ms} ms</span> : null}
        {view.truncated ? <Badge tone="warn">truncated</Badge> : null}
        {view.redacted ? <Badge tone="info">redacted</Badge> : null}
        {view.argv ? <code class="muted">{argvText(view.argv)}</code> : null}
      </div>
      {view.output ? <pre class="output">{view.output}</pre> : null}
      {view.error ? <pre class="output error-text">{view.error}{view.policy ? ` (policy ${view.policy})` : ""}</pre> : null}
      {!view.output && !view.error ? <p class="muted">(no output)</p> : null}
    </div>
  );
}

/**
 * A button that runs `argv` on `clusterId` through `POST /debug/execute`
 * and shows the result below it. Hidden for roles that cannot execute.
 */
export function RunCommand({ clusterId, argv, label, testid = "run-command", outputTestid = `${testid}-output` }: { clusterId: string; argv: string[]; label?: string; testid?: string; outputTestid?: string }) {
  const { session } = useContext(SessionContext);
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<CommandView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const mounted = useRef(true);
  useEffect(() => () => void (mounted.current = false), []);
  if (!can.execute(session?.role)) return <code class="cmd">{argvText(argv)}</code>;
  const run = async () => {
    setRunning(true);
    setError(null);
    try {
      const { data } = await request<CommandView>("POST", "/debug/execute", { body: { cluster_id: clusterId, argv }, accept: [403] });
      if (mounted.current) setResult(data);
    } catch (e) {
      if (mounted.current) setError(e);
    } finally {
      if (mounted.current) setRunning(false);
    }
  };
  return (
    <div class="run">
      <div class="run-line">
        <code class="cmd">{argvText(argv)}</code>
        <button type="button" data-testid={testid} disabled={running} onClick={run}>{running ? "Running…" : (label ?? "Run")}</button>
      </div>
      <ErrorBox error={error} />
      {result ? <CommandResult view={result} testid={outputTestid} /> : null}
    </div>
  );
}

/** A page heading with optional actions on the right. */
export function Header({ title, children }: { title: ComponentChildren; children?: ComponentChildren }) {
  return (
    <div class="page-head">
      <h1>{title}</h1>
      <div class="actions">{children}</div>
    </div>
  );
}
