/**
 * `#/sessions/:id`: a debug session replayed from the record: its audit
 * entries in order and, for each command, the output the API still holds
 * (`GET /debug/result/{id}`; results expire after their TTL, the audit
 * entries do not). Terminal sessions are recorded as debug sessions, so
 * this is also the terminal's replay.
 */
import { useEffect, useState } from "preact/hooks";
import { isTerminalInput, streamedOutput } from "../terminal/recording.ts";
import { ApiError, apiBase, get, path, withQuery } from "../ui/api.ts";
import { Badge, CommandResult, ErrorBox, Header, Loading, statusTone, useAsync } from "../ui/components.tsx";
import { argvText, clock } from "../ui/format.ts";
import { href } from "../ui/routes.ts";
import type { AuditEntryView, CommandView } from "../ui/types.ts";

/** One step of a replay: a session event, or a command with every audit entry about it. */
export type ReplayStep =
  | { kind: "event"; entry: AuditEntryView }
  | { kind: "command"; commandId: string; first: AuditEntryView; entries: AuditEntryView[] };

/** The session's entries (any order) as steps, oldest first, one step per command. */
export function replaySteps(entries: readonly AuditEntryView[]): ReplayStep[] {
  const steps: ReplayStep[] = [];
  const byCommand = new Map<string, Extract<ReplayStep, { kind: "command" }>>();
  for (const entry of [...entries].sort((a, b) => a.seq - b.seq)) {
    if (!entry.commandId) {
      steps.push({ kind: "event", entry });
      continue;
    }
    const step = byCommand.get(entry.commandId);
    if (step) step.entries.push(entry);
    else {
      const s = { kind: "command" as const, commandId: entry.commandId, first: entry, entries: [entry] };
      byCommand.set(entry.commandId, s);
      steps.push(s);
    }
  }
  return steps;
}

/** The entry that denied a command, if a policy did. */
const deniedEntry = (s: Extract<ReplayStep, { kind: "command" }>) => s.entries.find((e) => e.eventType === "command.denied" || e.decision === "denied");

/**
 * A stream stopped early (a terminal's Ctrl-C on `logs -f`, a timeout)
 * keeps what it showed as stream chunks, not in its result: read them back
 * from `GET /debug/stream/{id}` (kept as long as results are).
 */
async function withStreamedOutput(commandId: string, view: CommandView): Promise<CommandView> {
  if (view.output || !["cancelled", "timeout", "failure"].includes(view.status)) return view;
  try {
    const res = await fetch(apiBase() + path`/debug/stream/${commandId}`, { credentials: "same-origin", headers: { accept: "text/event-stream" } });
    const output = res.ok ? streamedOutput(await res.text()) : null;
    return output ? { ...view, output } : view;
  } catch {
    return view;
  }
}

/** Outputs are fetched this many at a time. */
const PARALLEL = 4;

export function ReplayPage({ params }: { params: Record<string, string> }) {
  const id = params.id!;
  const log = useAsync((signal) => get<{ entries: AuditEntryView[] }>(withQuery("/audit", { session_id: id, limit: 1000 }), signal), [id]);
  const steps = replaySteps(log.data?.entries ?? []);
  // A denied command never ran: nothing to fetch, its reason is in the entry.
  const commandIds = steps.flatMap((s) => (s.kind === "command" && !deniedEntry(s) ? [s.commandId] : []));
  const [outputs, setOutputs] = useState<Record<string, ReplayOutputState>>({});
  useEffect(() => {
    let stopped = false;
    const queue = [...commandIds];
    const worker = async () => {
      for (let next = queue.shift(); next && !stopped; next = queue.shift()) {
        const cid = next;
        const value: ReplayOutputState = await get<CommandView>(path`/debug/result/${cid}`).then(
          async (view) => ({ kind: "result" as const, view: await withStreamedOutput(cid, view) }),
          (error: unknown) => (error instanceof ApiError && error.status === 404 ? { kind: "expired" as const } : { kind: "error" as const, error }),
        );
        if (!stopped) setOutputs((o) => ({ ...o, [cid]: value }));
      }
    };
    for (let i = 0; i < PARALLEL; i++) void worker();
    return () => void (stopped = true);
  }, [commandIds.join(",")]);
  const cluster = log.data?.entries.find((e) => e.clusterId)?.clusterId;
  return (
    <section>
      <Header title={<>Session <code data-testid="replay-session-id">{id}</code></>}>
        {cluster ? <a class="button" href={href("/clusters/", cluster)}>{cluster}</a> : null}
        <a class="button" href={href("/audit", { session_id: id })}>Audit entries</a>
      </Header>
      <ErrorBox error={log.error} />
      {log.loading && !log.data ? <Loading /> : null}
      {log.data && steps.length === 0 ? <p class="muted" data-testid="replay-empty">No audit entries for this session (or not yours to see).</p> : null}
      <ol class="replay" data-testid="replay">
        {steps.map((s) =>
          s.kind === "event" && isTerminalInput(s.entry) ? (
            <li key={`e${s.entry.seq}`} class="replay-input" data-testid="replay-input" data-outcome={s.entry.outcome ?? ""}>
              <div class="run-line">
                <span class="muted">{clock(s.entry.timestamp ?? s.entry.at)}</span>
                <code class="cmd">{`kubectl> ${s.entry.argv?.[0] ?? ""}`}</code>
                <span class="muted">{s.entry.identity}</span>
                {s.entry.outcome === "comment" ? <Badge tone="muted">comment</Badge> : <Badge tone="bad">refused</Badge>}
              </div>
              {s.entry.reason ? <p class="error-text" data-testid="replay-input-reason">{s.entry.reason}</p> : null}
            </li>
          ) : s.kind === "event" ? (
            <li key={`e${s.entry.seq}`} class="replay-event" data-testid="replay-event" data-event-type={s.entry.eventType}>
              <span class="muted">{clock(s.entry.timestamp ?? s.entry.at)}</span> {s.entry.eventType} <span class="muted">by {s.entry.identity}</span>
            </li>
          ) : (
            <li key={s.commandId} class="replay-command" data-testid="replay-command" data-command-id={s.commandId}>
              <div class="run-line">
                <span class="muted">{clock(s.first.timestamp ?? s.first.at)}</span>
                <code class="cmd">{argvText(s.entries.find((e) => e.argv)?.argv ?? [])}</code>
                <span class="muted">{s.first.identity}</span>
                {s.entries.filter((e) => e.eventType !== "command.queued").map((e) => <Badge key={e.seq} tone={statusTone(e.outcome ?? e.decision)}>{e.eventType.replace(/^command\./, "")}</Badge>)}
              </div>
              {deniedEntry(s) ? (
                <p class="error-text" data-testid="replay-denied">{deniedEntry(s)!.policy ? `${deniedEntry(s)!.policy}: ` : ""}{deniedEntry(s)!.reason ?? "denied by policy"}</p>
              ) : (
                <ReplayOutput value={outputs[s.commandId]} />
              )}
            </li>
          ),
        )}
      </ol>
    </section>
  );
}

/** A command's output in a replay: fetched, gone (results expire), or an error. */
type ReplayOutputState = { kind: "result"; view: CommandView } | { kind: "expired" } | { kind: "error"; error: unknown };

function ReplayOutput({ value }: { value: ReplayOutputState | undefined }) {
  if (value === undefined) return <p class="muted">loading output…</p>;
  if (value.kind === "expired") return <p class="muted" data-testid="replay-expired">Output no longer retained (results expire; the audit entry stays).</p>;
  if (value.kind === "error") return <ErrorBox error={value.error} />;
  return <CommandResult view={value.view} testid="replay-output" />;
}

