/**
 * `#/feed`: commands, sessions, agents and diagnoses as they happen, from
 * `GET /events` (Server-Sent Events). The browser reconnects by itself and
 * sends Last-Event-ID, so the server replays what was missed (or sends
 * `reset` when it cannot). Newest first, at most FEED_MAX_ROWS rows.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { apiBase, get, path } from "../ui/api.ts";
import { Ago, Badge, CommandResult, ErrorBox, Header, statusTone } from "../ui/components.tsx";
import { argvText } from "../ui/format.ts";
import { FEED_EVENT_TYPES, FEED_MAX_ROWS, toFeedRow, type FeedRow } from "../ui/feed.ts";
import { href } from "../ui/routes.ts";
import type { CommandView } from "../ui/types.ts";

/** `closed`: the server refused the stream (signed out, no access); the browser does not retry that by itself. */
type StreamState = "connecting" | "live" | "reconnecting" | "closed";

export function FeedPage({ query }: { query: URLSearchParams }) {
  const [rows, setRows] = useState<FeedRow[]>([]);
  const [state, setState] = useState<StreamState>("connecting");
  const [paused, setPaused] = useState(false);
  const [filter, setFilter] = useState(query.get("cluster_id") ?? "");
  const [generation, setGeneration] = useState(0);
  const pausedRef = useRef(false);
  pausedRef.current = paused;
  useEffect(() => {
    const source = new EventSource(`${apiBase()}/events`);
    let local = 0;
    const add = (type: string) => (ev: Event) => {
      const m = ev as MessageEvent<string>;
      const row = toFeedRow(type, m.lastEventId || `local-${++local}`, typeof m.data === "string" ? m.data : "");
      if (pausedRef.current && row.type !== "reset") return;
      setRows((r) => [row, ...r].slice(0, FEED_MAX_ROWS));
    };
    source.onopen = () => setState("live");
    source.onerror = () => setState(source.readyState === EventSource.CLOSED ? "closed" : "reconnecting");
    source.addEventListener("message", add("message"));
    for (const t of FEED_EVENT_TYPES) source.addEventListener(t, add(t));
    return () => source.close();
  }, [generation]);
  const shown = filter ? rows.filter((r) => r.clusterId === filter) : rows;
  return (
    <section>
      <Header title="Live feed">
        <Badge tone={state === "live" ? "ok" : "warn"} testid="feed-state">{state}</Badge>
        <input class="small" placeholder="cluster" aria-label="Filter by cluster" value={filter} onInput={(e) => setFilter(e.currentTarget.value.trim())} />
        {state === "closed" ? <button type="button" data-testid="feed-reconnect" onClick={() => setGeneration((g) => g + 1)}>Reconnect</button> : null}
        <button type="button" data-testid="feed-pause" onClick={() => setPaused(!paused)}>{paused ? "Resume" : "Pause"}</button>
        <button type="button" onClick={() => setRows([])}>Clear</button>
      </Header>
      {shown.length === 0 ? <p class="muted" data-testid="feed-empty">Waiting for events…</p> : null}
      <table class="feed" data-testid="feed-table">
        <tbody>
          {shown.map((r) => <FeedLine key={r.key} row={r} />)}
        </tbody>
      </table>
    </section>
  );
}

function FeedLine({ row }: { row: FeedRow }) {
  const [output, setOutput] = useState<CommandView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const finished = row.commandId && /finished|executed|refused|timeout|cancelled/.test(row.type);
  const show = async () => {
    try {
      setOutput(await get<CommandView>(path`/debug/result/${row.commandId!}`));
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      <tr data-testid="feed-row" data-event-type={row.type} data-cluster-id={row.clusterId ?? ""}>
        <td class="nowrap"><Ago at={row.at} /></td>
        <td><Badge tone={row.type === "reset" ? "warn" : row.type.startsWith("agent.") ? "info" : "muted"}>{row.type}</Badge></td>
        <td>{row.clusterId ? <a href={href("/clusters/", row.clusterId)}>{row.clusterId}</a> : null}</td>
        <td>{row.identity}</td>
        <td class="wide">
          {row.argv ? <code>{argvText(row.argv)}</code> : null}
          {row.type === "reset" ? "Some events were missed while disconnected." : null}
          {row.detail ? <span class="muted"> {row.detail}</span> : null}
          {row.sessionId ? <> <a href={href("/sessions/", row.sessionId)}>session</a></> : null}
        </td>
        <td>{row.status ? <Badge tone={statusTone(row.status)}>{row.status}</Badge> : null}</td>
        <td>{finished && !output ? <button type="button" class="link" data-testid="feed-output" onClick={show}>output</button> : null}</td>
      </tr>
      {output || error ? (
        <tr class="expanded">
          <td colSpan={7}>
            <ErrorBox error={error} />
            {output ? <CommandResult view={output} /> : null}
          </td>
        </tr>
      ) : null}
    </>
  );
}
