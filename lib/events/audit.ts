/**
 * Command and session events come from one choke point: the audit log.
 * Every decision and every end of a command is already an audit entry
 * (docs/rest-api.md, "Audit"), so the log the services write to is wrapped
 * once, where the instance is built, and each entry that was appended is
 * also published as its event. An entry that failed to append publishes
 * nothing; a late entry (the audit reconciler's) publishes late.
 *
 * An entry holds no result details (exit code, truncation): the writers
 * that have the command and result at hand attach them with
 * {@link withEventContext}, never into the entry itself (the entry is
 * hashed into the chain as it is).
 */
import type { AuditLog, Backend } from "../contracts.ts";
import { namespaceScopeProblem, parseKubectl, verbTakesNamespace } from "../kubectl/index.ts";
import type { AuditInput, Command, Result } from "../schemas.ts";
import type { EventInput } from "./types.ts";

/** What a writer knows besides the entry: the command and its result. */
export interface AuditEventContext {
  command?: Command | null;
  result?: Result | null;
}

const contexts = new WeakMap<AuditInput, AuditEventContext>();

/** Returns `entry`, remembering `context` for the event it becomes (the entry is not changed). */
export function withEventContext<T extends AuditInput>(entry: T, context: AuditEventContext): T {
  contexts.set(entry, context);
  return entry;
}

/** Recently seen argv -> the namespace it reads: a command's events parse it once. */
const namespaces = new Map<string, string | null>();
const NAMESPACE_CACHE = 512;

/** The one namespace `argv` reads, when it reads exactly one (not `-A`, not cluster-scoped, not discovery). */
export function namespaceOfArgv(argv: readonly string[]): string | undefined {
  const key = argv.join("\u0000");
  let ns = namespaces.get(key);
  if (ns === undefined) {
    const parsed = parseKubectl(argv, { restrictedResources: [] });
    const named = parsed.ok && verbTakesNamespace(parsed.command.path) && !parsed.command.allNamespaces ? (parsed.command.namespace ?? "default") : null;
    ns = named !== null && namespaceScopeProblem(argv, [named]) === null ? named : null;
    if (namespaces.size >= NAMESPACE_CACHE) namespaces.delete(namespaces.keys().next().value!);
    namespaces.set(key, ns);
  }
  return ns ?? undefined;
}

/** Drops undefined fields, so events carry only what is known. */
const defined = (o: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** The code at the start of an entry's reason (`"AGENT_LOST: ..."`), when it has one. */
const codeIn = (reason: string | undefined) => /^([A-Z][A-Z_]+)(?::|$)/.exec(reason ?? "")?.[1];

/**
 * The event an audit entry becomes, or null for entries that are no event
 * (keys, agent tokens). Never output, stderr or a result's error text: a
 * command's end says its status, code, exit code, duration and truncation.
 */
export function eventOfAudit(entry: AuditInput, context: AuditEventContext = contexts.get(entry) ?? {}): EventInput | null {
  const { command, result } = context;
  const argv = entry.argv ?? command?.argv;
  const namespace = argv ? namespaceOfArgv(argv) : undefined;
  const base = {
    at: new Date(entry.at).toISOString(),
    ...(entry.clusterId ? { clusterId: entry.clusterId } : {}),
    ...(namespace ? { namespace } : {}),
    // The command's owner: whoever cancelled it, its events are its requester's.
    identity: command?.requestedBy ?? entry.identity,
  };
  const commandData = { command_id: entry.commandId, argv, correlation_id: entry.correlationId, session_id: entry.sessionId };
  const finished = (status: string, code: string | undefined, more: Record<string, unknown> = {}): EventInput => ({
    ...base,
    type: "command.finished",
    data: defined({
      ...commandData,
      status,
      code,
      exit_code: result?.exitCode,
      duration_ms: result?.durationMs ?? entry.durationMs,
      truncated: result?.truncated ?? false,
      ...more,
    }),
  });
  switch (entry.eventType) {
    case "command.queued":
      return { ...base, type: "command.queued", data: defined(commandData) };
    case "command.denied":
      return { ...base, type: "command.denied", data: defined({ ...commandData, policy: entry.policy, reason: entry.reason }) };
    case "command.executed":
      return finished(result?.status ?? entry.outcome ?? "success", result?.code ?? entry.reason);
    case "command.refused":
      return finished("denied", result?.code ?? "AGENT_REFUSED", { policy: result?.policy ?? entry.policy, by: "agent" });
    case "command.timeout": {
      const status = result?.status ?? entry.outcome ?? "timeout";
      return finished(status, result?.code ?? codeIn(entry.reason) ?? (status === "cancelled" ? "CANCELLED" : "DEADLINE_EXCEEDED"));
    }
    case "command.cancelled":
      return finished("cancelled", "CANCELLED", { cancelled_by: entry.identity });
    case "command.lost":
      return { ...base, type: "command.lost", data: defined({ ...commandData, status: "failure", code: "AGENT_LOST" }) };
    case "session.created":
      return { ...base, type: "session.started", data: defined({ session_id: entry.sessionId, correlation_id: entry.correlationId }) };
    case "session.ended":
      return { ...base, type: "session.ended", data: defined({ session_id: entry.sessionId }) };
    default:
      return null;
  }
}

/**
 * `log` with an `append` that, once the entry is stored, publishes its
 * event. Publishing never fails an append: the entry is the record, the
 * event a notice of it.
 */
export function publishingAuditLog(log: AuditLog, publish: (event: EventInput) => void): AuditLog {
  return {
    ...(log.windowed !== undefined ? { windowed: log.windowed } : {}),
    async append(entry) {
      const stored = await log.append(entry);
      try {
        const event = eventOfAudit(entry);
        if (event) publish(event);
      } catch (e) {
        console.error("[kubently] could not publish the event of an audit entry:", e instanceof Error ? e.message : e);
      }
      return stored;
    },
    query: (filter) => log.query(filter),
    read: (options) => log.read(options),
    scan: () => log.scan(),
  };
}

/**
 * `backend` as the services see it: its audit log publishing (see
 * {@link publishingAuditLog}), everything else the backend's own. A proxy,
 * not a copy, so a backend built as a class keeps its methods and fields.
 */
export function withPublishingAudit(backend: Backend, publish: (event: EventInput) => void): Backend {
  const audit = publishingAuditLog(backend.audit, publish);
  return new Proxy(backend, {
    get(target, property) {
      if (property === "audit") return audit;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
