/**
 * Reads what an A2A message asks for: a data part shaped like the
 * `execute_kubectl` tool (or, with `"skill": "diagnose"`, like the
 * `diagnose_cluster` tool), a text part with a kubectl command line or a
 * plain request, or both (the data part's fields win where both say
 * something, and naming two different clusters is an error). Every field is
 * parsed with a valibot schema; bad input becomes a reason the task fails with.
 */
import type { Message } from "@a2a-js/sdk";
import * as v from "valibot";
import { isKubentlyError } from "../errors.ts";
import { LIMITS } from "../limits.ts";
import { describeIssues, integerIn } from "../schemas.ts";
import { argvOfSpec } from "../wire/execute-spec.ts";
import { splitCommandLine } from "../kubectl/index.ts";
import { parseClusterReply, parseTextRequest, readDiagnoseArgs } from "./text-request.ts";

const text = (max: number) => v.pipe(v.string(), v.maxLength(max));
const printable = v.pipe(v.string(), v.maxLength(LIMITS.maxIdLength), v.regex(/^[\x20-\x7e]+$/, "must be printable ASCII"));
const words = (min: number) => v.pipe(v.array(text(1024)), v.minLength(min), v.maxLength(64));

/** The skill ids of the agent card a data part may name. */
const SKILLS = ["kubectl", "logs", "diagnose", "clusters"] as const;

/** The data part a caller may send (snake_case, like the REST body and the MCP tool). */
export const CommandDataSchema = v.object({
  /** The agent card's skill the part is for: `diagnose` runs the analyzers, `clusters` lists your clusters; `kubectl` and `logs` (the default) run a command. */
  skill: v.optional(v.picklist(SKILLS)),
  cluster_id: v.optional(text(253)),
  /** Run on several clusters in parallel (fan-out) instead of one. */
  cluster_ids: v.optional(v.pipe(v.array(text(253)), v.minLength(1), v.maxLength(LIMITS.maxFanoutClusters))),
  /** The verb, with its subcommand for grouped verbs (`get`, `top pod`, `rollout status`), or a whole command line (`get pods -n shop`). */
  command: v.optional(text(4096)),
  /** The REST API's name for `command`. */
  command_type: v.optional(text(64)),
  resource: v.optional(text(253)),
  name: v.optional(text(253)),
  /** Added as `-n` for namespaced commands unless args choose one. @default "default" (as REST and MCP), except with `argv` */
  namespace: v.optional(text(253)),
  all_namespaces: v.optional(v.boolean()),
  args: v.optional(words(0)),
  extra_args: v.optional(words(0)),
  /** Full kubectl arguments, without the `kubectl` word. */
  argv: v.optional(words(1)),
  session_id: v.optional(printable),
  correlation_id: v.optional(printable),
  /** Up to `maxStreamTimeoutSeconds` for a streamed command, `maxTimeoutSeconds` otherwise (the execute service checks which). */
  timeout_seconds: v.optional(integerIn(LIMITS.minTimeoutSeconds, LIMITS.maxStreamTimeoutSeconds)),
  /** A streamed command's byte budget. */
  max_bytes: v.optional(integerIn(1, LIMITS.maxStreamBytes)),
  /** `diagnose` only: the analyzer ids to run. @default every analyzer the agent runs */
  analyzers: v.optional(v.pipe(v.array(text(64)), v.maxLength(64))),
});

/** A request for a diagnosis: one cluster (`clusterId`, or the usual choice when absent) or several (`clusterIds`). */
export interface DiagnoseIntent {
  kind: "diagnose";
  clusterId?: string;
  /** A fan-out over these clusters instead of one. */
  clusterIds?: string[];
  /** Absent: the whole cluster (or the key's only namespace). */
  namespace?: string;
  /** Absent: every analyzer the agent runs. */
  analyzers?: string[];
  correlationId?: string;
  timeoutSeconds?: number;
}

/** What one message asks for. */
export type MessageIntent =
  | {
      kind: "command";
      /** Absent when the message only names a cluster (a reply to "which cluster?"). */
      argv?: string[];
      clusterId?: string;
      sessionId?: string;
      correlationId?: string;
      timeoutSeconds?: number;
      /** The byte budget of a streamed command. */
      maxBytes?: number;
    }
  | { kind: "fanout"; argv: string[]; clusterIds: string[]; correlationId?: string; timeoutSeconds?: number }
  | DiagnoseIntent
  | { kind: "list-clusters" };

/** The outcome of {@link readMessage}. */
export type ReadResult = { ok: true; intent: MessageIntent } | { ok: false; reason: string };

const partText = (p: Message["parts"][number]) => (p.content?.$case === "text" ? p.content.value : undefined);
const partData = (p: Message["parts"][number]) => (p.content?.$case === "data" ? (p.content.value as unknown) : undefined);

/**
 * Reads `message`. `awaitingCluster` says the task asked "which cluster?":
 * then a one-word text reply is read as the cluster. Budgets
 * (`timeout_seconds`, `max_bytes`) are checked by the execute service,
 * which knows whether the command streams.
 */
export function readMessage(message: Message, options: { awaitingCluster?: boolean } = {}): ReadResult {
  const texts = message.parts.map(partText).filter((t): t is string => t !== undefined && t.trim() !== "");
  const datas = message.parts.map(partData).filter((d) => d !== undefined);
  if (message.parts.some((p) => p.content?.$case === "raw" || p.content?.$case === "url")) {
    return { ok: false, reason: "file parts are not accepted; send a text part with the command or a data part {cluster_id, command, ...}" };
  }
  if (datas.length > 1) return { ok: false, reason: "send at most one data part per message" };
  if (texts.length === 0 && datas.length === 0) {
    return { ok: false, reason: 'the message has no text or data part; send e.g. "get pods in namespace shop on cluster prod"' };
  }

  let fromData: { argv?: string[]; clusterId?: string; sessionId?: string; correlationId?: string; timeoutSeconds?: number; maxBytes?: number } = {};
  if (datas.length === 1) {
    const parsed = v.safeParse(CommandDataSchema, datas[0]);
    if (!parsed.success) return { ok: false, reason: `the data part is not valid: ${describeIssues(parsed.issues)}` };
    const d = parsed.output;
    if (d.skill === "clusters") return { ok: true, intent: { kind: "list-clusters" } };
    const diagnose = diagnoseOfData(d);
    if (diagnose) return diagnose;
    if (d.analyzers) return { ok: false, reason: 'analyzers applies to a diagnosis: add "skill": "diagnose"' };
    if (d.cluster_ids && d.max_bytes !== undefined) return { ok: false, reason: "max_bytes applies only to a streamed command (a fan-out does not stream)" };
    let argv: string[] | undefined;
    try {
      argv = argvOfSpec(d);
    } catch (e) {
      if (!isKubentlyError(e)) throw e;
      return { ok: false, reason: e.message };
    }
    if (d.cluster_ids) {
      if (d.cluster_id || d.session_id) return { ok: false, reason: "cluster_ids (fan-out) goes without cluster_id and session_id" };
      if (!argv) return { ok: false, reason: "a fan-out needs a command (command or argv)" };
      return {
        ok: true,
        intent: {
          kind: "fanout",
          argv,
          clusterIds: d.cluster_ids,
          ...(d.correlation_id ? { correlationId: d.correlation_id } : {}),
          ...(d.timeout_seconds ? { timeoutSeconds: d.timeout_seconds } : {}),
        },
      };
    }
    fromData = {
      ...(argv ? { argv } : {}),
      ...(d.cluster_id ? { clusterId: d.cluster_id } : {}),
      ...(d.session_id ? { sessionId: d.session_id } : {}),
      ...(d.correlation_id ? { correlationId: d.correlation_id } : {}),
      ...(d.timeout_seconds ? { timeoutSeconds: d.timeout_seconds } : {}),
      ...(d.max_bytes ? { maxBytes: d.max_bytes } : {}),
    };
  }

  let fromText: { argv?: string[]; clusterId?: string } = {};
  if (!fromData.argv && texts.length > 0) {
    const joined = texts.join("\n");
    const reply = options.awaitingCluster ? parseClusterReply(joined) : null;
    if (reply) {
      fromText = { clusterId: reply };
    } else {
      const parsed = parseTextRequest(joined);
      if (!parsed.ok) return parsed;
      if (parsed.request.kind === "list-clusters") return { ok: true, intent: { kind: "list-clusters" } };
      if (parsed.request.kind === "diagnose") {
        const r = parsed.request;
        if (fromData.clusterId && r.clusterId && fromData.clusterId !== r.clusterId) {
          return { ok: false, reason: `the data part names cluster ${fromData.clusterId} but the text names ${r.clusterId}` };
        }
        if (fromData.sessionId || fromData.maxBytes) return { ok: false, reason: "session_id and max_bytes do not apply to a diagnosis" };
        const clusterId = fromData.clusterId ?? r.clusterId;
        return {
          ok: true,
          intent: {
            kind: "diagnose",
            ...(clusterId ? { clusterId } : {}),
            ...(r.namespace ? { namespace: r.namespace } : {}),
            ...(r.analyzers ? { analyzers: r.analyzers } : {}),
            ...(fromData.correlationId ? { correlationId: fromData.correlationId } : {}),
            ...(fromData.timeoutSeconds ? { timeoutSeconds: fromData.timeoutSeconds } : {}),
          },
        };
      }
      fromText = { argv: parsed.request.argv, ...(parsed.request.clusterId ? { clusterId: parsed.request.clusterId } : {}) };
    }
  }

  if (fromData.clusterId && fromText.clusterId && fromData.clusterId !== fromText.clusterId) {
    return { ok: false, reason: `the data part names cluster ${fromData.clusterId} but the text names ${fromText.clusterId}` };
  }
  const argv = fromData.argv ?? fromText.argv;
  const clusterId = fromData.clusterId ?? fromText.clusterId;
  if (!argv && !clusterId) return { ok: false, reason: "the data part needs a command (command or argv) or a cluster_id" };
  return {
    ok: true,
    intent: {
      kind: "command",
      ...(argv ? { argv } : {}),
      ...(clusterId ? { clusterId } : {}),
      ...(fromData.sessionId ? { sessionId: fromData.sessionId } : {}),
      ...(fromData.correlationId ? { correlationId: fromData.correlationId } : {}),
      ...(fromData.timeoutSeconds ? { timeoutSeconds: fromData.timeoutSeconds } : {}),
      ...(fromData.maxBytes ? { maxBytes: fromData.maxBytes } : {}),
    },
  };
}

/** The first word of a data part's command (`"diagnose -n shop"` -> `diagnose`). */
const verbOf = (command: string | undefined): string | undefined => command?.trim().split(/\s+/, 1)[0];

/**
 * A data part for the diagnose skill: `"skill": "diagnose"`, or a command
 * that is `diagnose` (`command`, `command_type` or `argv`), its flags in
 * `args` mapped as the grammar reads them. Null for any other data part.
 */
function diagnoseOfData(d: v.InferOutput<typeof CommandDataSchema>): ReadResult | null {
  const command = d.command ?? d.command_type;
  const named = verbOf(command) === "diagnose" || d.argv?.[0] === "diagnose";
  if (d.skill !== "diagnose" && !named) return null;
  const refuse = (reason: string): ReadResult => ({ ok: false, reason });
  if (command !== undefined && !named) return refuse('the diagnose skill runs no other command: leave command out (or send "command": "diagnose")');
  if (d.argv && command !== undefined) return refuse("give either argv, or command with its arguments, not both");
  for (const field of ["resource", "name", "session_id", "max_bytes"] as const) {
    if (d[field] !== undefined) return refuse(`${field} does not apply to a diagnosis: it reads a whole namespace, or the cluster`);
  }
  if (d.cluster_id && d.cluster_ids) return refuse("cluster_ids (fan-out) goes without cluster_id");

  // Flags written in the command line, argv or args: `diagnose -n shop --analyzers a,b`.
  let words: string[] = [];
  if (command !== undefined && /\s/.test(command.trim())) {
    const split = splitCommandLine(command.trim());
    if (!split.ok) return refuse(split.reason);
    words = split.words.slice(1);
  }
  if (d.argv) words = d.argv.slice(1);
  const flags = readDiagnoseArgs([...words, ...(d.args ?? []), ...(d.extra_args ?? [])]);
  if (!flags.ok) return refuse(flags.reason);
  const f = flags.args;
  if (d.namespace !== undefined && f.namespace !== undefined && d.namespace !== f.namespace) return refuse(`namespace is ${d.namespace} but the arguments name ${f.namespace}`);
  const namespace = d.namespace ?? f.namespace;
  if (namespace !== undefined && (d.all_namespaces || f.allNamespaces)) return refuse("name one namespace or all namespaces (all_namespaces), not both");
  const analyzers = [...new Set([...(d.analyzers ?? []), ...f.analyzers])];
  return {
    ok: true,
    intent: {
      kind: "diagnose",
      ...(d.cluster_ids ? { clusterIds: d.cluster_ids } : d.cluster_id ? { clusterId: d.cluster_id } : {}),
      ...(namespace !== undefined ? { namespace } : {}),
      ...(analyzers.length ? { analyzers } : {}),
      ...(d.correlation_id ? { correlationId: d.correlation_id } : {}),
      ...(d.timeout_seconds ? { timeoutSeconds: d.timeout_seconds } : {}),
    },
  };
}
