/**
 * The live feed's model: which Server-Sent Event names `GET /events` sends
 * (docs/events.md) and how one event becomes a row. Pure: the page owns the
 * EventSource; the browser resumes it with Last-Event-ID on its own.
 */

/**
 * The event types of `GET /events` (lib/events/types.ts). The server sends
 * them unnamed (`message`, the type in the JSON's `type`); the page also
 * listens for each by name, since an EventSource delivers a named event
 * only to a listener for that name.
 */
export const FEED_EVENT_TYPES = [
  "command.queued", "command.finished", "command.denied", "command.lost",
  "session.started", "session.ended",
  "agent.connected", "agent.lost",
  "diagnosis.finished",
  "reset",
] as const;

/** One row of the feed. */
export interface FeedRow {
  /** The event id (Last-Event-ID), or a local counter when it has none. */
  key: string;
  type: string;
  at: string | number | null;
  clusterId: string | null;
  identity: string | null;
  argv: string[] | null;
  status: string | null;
  commandId: string | null;
  sessionId: string | null;
  detail: string | null;
}

const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : null);
const pick = (o: Record<string, unknown>, ...names: string[]): unknown => {
  for (const n of names) if (o[n] !== undefined && o[n] !== null) return o[n];
  return undefined;
};

/**
 * An event as a row, reading snake_case or camelCase fields and a nested
 * `data`, `command` or `result` object; what is absent is null.
 */
export function toFeedRow(type: string, id: string, raw: string): FeedRow {
  let body: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
  } catch {
    body = { detail: raw };
  }
  const inner = [body.data, body.command, body.result].filter((x): x is Record<string, unknown> => !!x && typeof x === "object" && !Array.isArray(x));
  const all: Record<string, unknown> = Object.assign({}, ...inner.reverse(), body);
  const who = pick(all, "identity", "requested_by", "requestedBy", "username", "user");
  const argv = pick(all, "argv");
  return {
    key: id,
    type: str(body.type) ?? type,
    at: (pick(all, "at", "timestamp", "time", "created_at", "createdAt") as string | number | undefined) ?? null,
    clusterId: str(pick(all, "cluster_id", "clusterId", "cluster")),
    identity: str(typeof who === "object" && who !== null ? (who as { name?: unknown }).name : who),
    argv: Array.isArray(argv) && argv.every((a) => typeof a === "string") ? (argv as string[]) : null,
    status: str(pick(all, "status", "outcome", "decision")),
    commandId: str(pick(all, "command_id", "commandId")),
    sessionId: str(pick(all, "session_id", "sessionId")),
    detail: str(pick(all, "reason", "error", "detail", "message")),
  };
}

/** At most this many rows are kept; older ones drop off the bottom. */
export const FEED_MAX_ROWS = 500;
