/**
 * `kubently cluster`, `kubently key` and `kubently audit`: the admin and
 * audit endpoints of the REST API (docs/rest-api.md), printed for people
 * (tables) or scripts (`--json`; secrets alone on stdout).
 */
import * as v from "valibot";
import { ClusterIdSchema, type AuditEntry } from "../lib/schemas.ts";
import { VERSION } from "../lib/version.ts";
import { CONNECTION_USAGE, EXIT, UsageError, connection, details, intFlag, listFlag, noMore, print, printErr, printJson, printJsonOk, request, required, table, type CliVerb, type VerbInput } from "./_cli.ts";
import { agentManifests, toYaml } from "./_manifests-agent.ts";

const seg = encodeURIComponent;
const yesNo = (b: boolean) => (b ? "yes" : "no");

/** Picks the subcommand named by the first positional, or a usage error listing them. */
async function dispatch(verb: string, input: VerbInput, subs: Record<string, (input: VerbInput) => Promise<number>>): Promise<number> {
  const [sub, ...args] = input.args;
  if (!sub) throw new UsageError(`missing the subcommand: kubently ${verb} ${Object.keys(subs).join("|")} (see kubently ${verb} --help)`);
  const run = subs[sub];
  if (!run) throw new UsageError(`unknown subcommand "${sub}" for kubently ${verb} (${Object.keys(subs).join(", ")})`);
  return run({ ...input, args: [...args, ...input.rest], rest: [] });
}

/** A word as a POSIX shell reads it back unchanged: as is when it is plain, else single-quoted. */
const shellWord = (word: string): string => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

/** The line that starts the cluster's agent; the token rides in the environment, so it is not in the agent's argv (ps). */
export const agentLine = (apiUrl: string, clusterId: string, token: string): string =>
  `KUBENTLY_TOKEN=${shellWord(token)} kubently agent --api-url ${shellWord(apiUrl)} --cluster-id ${shellWord(clusterId)}`;

/** A DNS label, or a usage error naming the flag. */
function dnsLabel(flag: string, value: string): string {
  const r = v.safeParse(ClusterIdSchema, value);
  if (!r.success) throw new UsageError(`--${flag} ${r.issues[0].message} ("${value.slice(0, 80)}")`);
  return r.output;
}

/**
 * `kubently manifests` for the cluster with its token Secret filled
 * (`stringData.token`): the one place the CLI writes an agent token into YAML,
 * on the explicit `cluster add --manifest`.
 */
function filledManifests(options: Parameters<typeof agentManifests>[0], token: string): string {
  const docs = agentManifests(options).map((doc) =>
    doc.object.kind === "Secret"
      ? {
          comment: `The agent token of cluster ${options.clusterId}, written by kubently cluster add --manifest: this file is a secret now.`,
          object: { ...doc.object, stringData: { token } },
        }
      : doc,
  );
  return `# The Kubently agent (${VERSION}) for cluster "${options.clusterId}": kubently cluster add ${options.clusterId} --manifest --agent-api-url ${options.apiUrl}\n${toYaml(docs)}`;
}

interface ClusterStatus {
  cluster_id: string;
  connected: boolean;
  created_at: string;
  last_seen: string | null;
  agent: Record<string, unknown> | null;
  active_sessions: number;
  queue_depth: number;
  has_token: boolean;
}

const CLUSTER_USAGE = `Usage: kubently cluster SUBCOMMAND [flags]    (admin key)

  list [--json]                 registered clusters: CLUSTER, CONNECTED, LAST SEEN
  status ID [--json]            one cluster: connection, agent versions, sessions, queue
  token ID [--token T]          register ID and print its agent token (shown once); --token sets it
  rotate ID [--grace S]         print a new agent token; the old ones work S more seconds (default 300)
  revoke ID                     revoke every agent token of ID (its agent is cut off at its next poll)
  add ID [--agent-api-url URL] [--token T] [--json]
                                register ID, create its agent token and print the line that
                                starts its agent (KUBENTLY_TOKEN=... kubently agent ...)
  add ID --manifest [--agent-api-url URL] [-n NS] [--image IMAGE]
                                the same, printing the agent's Kubernetes YAML (kubently
                                manifests) with its token Secret filled in: keep it secret
  remove ID                     remove ID: its tokens and registration go, its queued commands
                                are cancelled, its sessions ended, its agent is refused

Tokens are printed alone on stdout, so they can be piped into a Secret:
  kubently cluster token prod | tr -d '\\n' > token

"add" prints the agent's token in what it writes on stdout (shown once); the
agent reaches the API at --agent-api-url (default: --api-url, which from
inside a cluster is rarely right).

${CONNECTION_USAGE}`;

/** `kubently cluster list | status | token | rotate | revoke | add | remove`. */
export const cluster: CliVerb = {
  summary: "clusters and their agent tokens (admin)",
  usage: CLUSTER_USAGE,
  flags: {
    json: { type: "boolean" },
    token: { type: "string" },
    grace: { type: "string" },
    "agent-api-url": { type: "string" },
    manifest: { type: "boolean" },
    namespace: { type: "string", short: "n" },
    image: { type: "string" },
  },
  run: (input) =>
    dispatch("cluster", input, {
      async list({ config, flags, args }) {
        noMore(args, 0, "cluster");
        const { clusters } = await request<{ clusters: { id: string; connected: boolean; lastSeen: string | null }[] }>(config, "GET", "/admin/agents");
        if (flags.json) return printJsonOk({ clusters });
        await print(table(["CLUSTER", "CONNECTED", "LAST SEEN"], clusters.map((c) => [c.id, yesNo(c.connected), c.lastSeen ?? "never"])));
        return EXIT.ok;
      },
      async status({ config, flags, args }) {
        const id = required(args, 0, "the cluster id (kubently cluster status ID)", "cluster");
        noMore(args, 1, "cluster");
        const s = await request<ClusterStatus>(config, "GET", `/admin/agents/${seg(id)}/status`);
        if (flags.json) return printJsonOk(s);
        const agent = s.agent ? Object.entries(s.agent).filter(([, v]) => typeof v === "string" || typeof v === "number").map(([k, v]) => `${k} ${v}`).join(", ") : "none seen";
        await print(
          details([
            ["cluster", s.cluster_id],
            ["connected", yesNo(s.connected)],
            ["created", s.created_at],
            ["last seen", s.last_seen ?? "never"],
            ["agent", agent],
            ...(Array.isArray(s.agent?.nativeCommands) ? ([["native commands", (s.agent.nativeCommands as string[]).join(", ")]] as [string, string][]) : []),
            // The agent's circuit breakers (the Kubernetes API server's), as its last heartbeat reported them.
            ...(Array.isArray(s.agent?.breakers) ? ([["breakers", (s.agent.breakers as { name: string; state: string }[]).map((b) => `${b.name} ${b.state}`).join(", ")]] as [string, string][]) : []),
            ["active sessions", String(s.active_sessions)],
            ["queue depth", String(s.queue_depth)],
            ["agent token", s.has_token ? "set" : "none"],
          ]),
        );
        return EXIT.ok;
      },
      async token({ config, flags, args }) {
        const id = required(args, 0, "the cluster id (kubently cluster token ID)", "cluster");
        noMore(args, 1, "cluster");
        const body = typeof flags.token === "string" ? { token: flags.token } : {};
        const created = await request<{ token: string; clusterId: string }>(config, "POST", `/admin/agents/${seg(id)}/token`, body);
        await print(created.token);
        await printErr(`agent token for cluster ${created.clusterId}: store it now, it is not shown again`);
        return EXIT.ok;
      },
      async rotate({ config, flags, args }) {
        const id = required(args, 0, "the cluster id (kubently cluster rotate ID)", "cluster");
        noMore(args, 1, "cluster");
        const grace = intFlag(flags, "grace");
        const rotated = await request<{ token: string; previousValidUntil: string }>(config, "POST", `/admin/agents/${seg(id)}/token/rotate`, grace === undefined ? {} : { grace_seconds: grace });
        await print(rotated.token);
        await printErr(`new agent token for cluster ${id} (shown once); the previous ones work until ${rotated.previousValidUntil}`);
        return EXIT.ok;
      },
      async revoke({ config, args }) {
        const id = required(args, 0, "the cluster id (kubently cluster revoke ID)", "cluster");
        noMore(args, 1, "cluster");
        await request(config, "DELETE", `/admin/agents/${seg(id)}/token`);
        await print(`revoked the agent tokens of cluster ${id}`);
        return EXIT.ok;
      },
      async add({ config, flags, args }) {
        const id = required(args, 0, "the cluster id (kubently cluster add ID)", "cluster");
        noMore(args, 1, "cluster");
        // Every flag is checked before the call: a bad one must not leave a registered cluster behind.
        const agentApiUrl = typeof flags["agent-api-url"] === "string" ? flags["agent-api-url"] : connection(config).apiUrl;
        if (!/^https?:\/\/[^/\s]+/.test(agentApiUrl) || !URL.canParse(agentApiUrl)) throw new UsageError(`--agent-api-url must be an http(s) URL, not "${agentApiUrl.slice(0, 80)}"`);
        if (!flags.manifest && (flags.namespace !== undefined || flags.image !== undefined)) throw new UsageError("--namespace and --image go with --manifest (see kubently cluster --help)");
        const namespace = flags.manifest ? dnsLabel("namespace", typeof flags.namespace === "string" ? flags.namespace : "kubently") : "";
        const body = typeof flags.token === "string" ? { token: flags.token } : {};
        const created = await request<{ token: string; clusterId: string }>(config, "POST", `/admin/agents/${seg(id)}/token`, body);
        const line = agentLine(agentApiUrl, created.clusterId, created.token);
        if (flags.json) return printJsonOk({ cluster_id: created.clusterId, token: created.token, agent_api_url: agentApiUrl, agent_command: line });
        if (flags.manifest) {
          const image = typeof flags.image === "string" && flags.image !== "" ? flags.image : `kubently:${VERSION}`;
          await print(filledManifests({ apiUrl: agentApiUrl, clusterId: created.clusterId, namespace, image }, created.token));
          await printErr(`registered cluster ${created.clusterId}; the YAML on stdout holds its agent token (shown once): keep it secret, then kubectl apply -f it`);
        } else {
          await print(line);
          await printErr(`registered cluster ${created.clusterId}; the line above starts its agent (add --kubeconfig FILE to pick the cluster) and holds its token, shown once`);
        }
        if (/^https?:\/\/(localhost|127\.|\[::1\])/.test(agentApiUrl)) await printErr(`note: the agent will reach the API at ${agentApiUrl}, which works only on this host; --agent-api-url names another address`);
        return EXIT.ok;
      },
      async remove({ config, args }) {
        const id = required(args, 0, "the cluster id (kubently cluster remove ID)", "cluster");
        noMore(args, 1, "cluster");
        await request(config, "DELETE", `/admin/agents/${seg(id)}`);
        await print(`removed cluster ${id}: its agent tokens are revoked, its queued commands cancelled and its sessions ended`);
        return EXIT.ok;
      },
    }),
};

interface KeyJson {
  id: string;
  name: string;
  role: string;
  clusters: string[] | null;
  namespaces: string[] | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

const KEY_USAGE = `Usage: kubently key SUBCOMMAND [flags]    (admin key)

  create NAME --role ROLE [--clusters a,b] [--namespaces x,y] [--json]
                  a new API key for the service identity NAME; ROLE is admin, operator or viewer;
                  --clusters / --namespaces limit what it may use. The key alone is printed on
                  stdout (shown once), its id on stderr.
  list [--json]   every key: ID, NAME, ROLE, scope, CREATED, LAST USED, REVOKED (never secrets)
  revoke ID       the key stops working at once

${CONNECTION_USAGE}`;

/** `kubently key create | list | revoke`. */
export const key: CliVerb = {
  summary: "API keys (admin)",
  usage: KEY_USAGE,
  flags: { role: { type: "string" }, clusters: { type: "string" }, namespaces: { type: "string" }, json: { type: "boolean" } },
  run: (input) =>
    dispatch("key", input, {
      async create({ config, flags, args }) {
        const name = required(args, 0, "the key's name (kubently key create NAME --role operator)", "key");
        noMore(args, 1, "key");
        if (typeof flags.role !== "string") throw new UsageError("key create needs --role (admin, operator or viewer)");
        const clusters = listFlag(flags, "clusters");
        const namespaces = listFlag(flags, "namespaces");
        const created = await request<KeyJson & { key: string }>(config, "POST", "/admin/keys", { name, role: flags.role, ...(clusters ? { clusters } : {}), ...(namespaces ? { namespaces } : {}) });
        if (flags.json) return printJsonOk(created);
        await print(created.key);
        await printErr(`created key ${created.id} for "${created.name}" (role ${created.role}): store it now, it is not shown again`);
        return EXIT.ok;
      },
      async list({ config, flags, args }) {
        noMore(args, 0, "key");
        const { keys } = await request<{ keys: KeyJson[] }>(config, "GET", "/admin/keys");
        if (flags.json) return printJsonOk({ keys });
        const scope = (list: string[] | null) => (list ? list.join(",") : "*");
        await print(
          table(
            ["ID", "NAME", "ROLE", "CLUSTERS", "NAMESPACES", "CREATED", "LAST USED", "REVOKED"],
            keys.map((k) => [k.id, k.name, k.role, scope(k.clusters), scope(k.namespaces), k.created_at, k.last_used_at ?? "never", k.revoked_at ?? "-"]),
          ),
        );
        return EXIT.ok;
      },
      async revoke({ config, args }) {
        const id = required(args, 0, "the key id (kubently key revoke ID; see kubently key list)", "key");
        noMore(args, 1, "key");
        await request(config, "DELETE", `/admin/keys/${seg(id)}`);
        await print(`revoked key ${id}`);
        return EXIT.ok;
      },
    }),
};

const AUDIT_USAGE = `Usage: kubently audit [flags]
       kubently audit verify [--json]    (admin key)

Prints audit entries, newest first: TIME, EVENT, IDENTITY, CLUSTER, OUTCOME, COMMAND
(the command of every entry about one, also those that only name it by id;
"-" for entries about no command).
Non-admin keys see only their own entries. "verify" walks the hash chain and
exits 1 when it is broken.

Flags:
  --cluster ID          only this cluster
  --event TYPE          only this event type (command.executed, command.denied, session.created, ...)
  --session ID          only this session
  --correlation-id ID   only this correlation id
  --since T, --until T  ISO date or epoch milliseconds
  --limit N             at most N entries (default 100)
  --json                the API's answer as JSON

${CONNECTION_USAGE}`;

/** The outcome column of an audit entry: the decision, the rule that made it, or how the command ended. */
const outcomeOf = (e: AuditEntry): string => (e.decision === "denied" ? `denied (${e.policy ?? "policy"})` : (e.outcome ?? e.decision ?? ""));

/** How many correlation ids one `kubently audit` looks up to name the commands of its rows. */
const MAX_COMMAND_LOOKUPS = 20;

/**
 * The argv of each command the entries mention. Only `command.queued` and
 * `command.denied` entries carry it; the entries that end a command
 * (`command.executed`, `command.timeout`, `command.cancelled`...) name it by
 * id, so a command whose first entry is not among these is looked up by its
 * correlation id (at most {@link MAX_COMMAND_LOOKUPS}).
 */
async function commandsOf(config: VerbInput["config"], entries: AuditEntry[]): Promise<Map<string, string[]>> {
  const argvs = new Map<string, string[]>();
  const learn = (list: AuditEntry[]) => list.forEach((e) => e.commandId && e.argv && argvs.set(e.commandId, e.argv));
  learn(entries);
  const missing = [...new Set(entries.filter((e) => e.commandId && !argvs.has(e.commandId)).map((e) => e.correlationId ?? e.commandId!))];
  await Promise.all(
    missing.slice(0, MAX_COMMAND_LOOKUPS).map(async (id) => {
      const found = await request<{ entries: AuditEntry[] }>(config, "GET", `/audit?correlation_id=${encodeURIComponent(id)}&limit=1000`).catch(() => null);
      if (found) learn(found.entries);
    }),
  );
  return argvs;
}

/** `kubently audit [filters]` and `kubently audit verify`. */
export const audit: CliVerb = {
  summary: "the audit log, and a check of its hash chain",
  usage: AUDIT_USAGE,
  flags: {
    cluster: { type: "string" },
    event: { type: "string" },
    session: { type: "string" },
    "correlation-id": { type: "string" },
    since: { type: "string" },
    until: { type: "string" },
    limit: { type: "string" },
    json: { type: "boolean" },
  },
  async run({ config, flags, args, rest }) {
    const positionals = [...args, ...rest];
    if (positionals[0] === "verify") {
      noMore(positionals, 1, "audit");
      const v = await request<{ ok: boolean; count: number; brokenAt?: number; reason?: string }>(config, "GET", "/audit/verify");
      if (flags.json) await printJson(v);
      else if (v.ok) await print(`ok: the audit chain of ${v.count} entries is intact`);
      else await print(`broken at entry ${v.brokenAt}: ${v.reason ?? "hash mismatch"} (${v.count} entries checked)`);
      return v.ok ? EXIT.ok : EXIT.failed;
    }
    if (positionals.length > 0) throw new UsageError(`unknown subcommand "${positionals[0]}" for kubently audit (verify)`);
    const limit = intFlag(flags, "limit");
    const filters: Record<string, string | undefined> = {
      cluster_id: flags.cluster as string | undefined,
      event_type: flags.event as string | undefined,
      session_id: flags.session as string | undefined,
      correlation_id: flags["correlation-id"] as string | undefined,
      since: flags.since as string | undefined,
      until: flags.until as string | undefined,
      limit: limit === undefined ? undefined : String(limit),
    };
    const query = new URLSearchParams(Object.entries(filters).filter((e): e is [string, string] => e[1] !== undefined)).toString();
    const answer = await request<{ entries: (AuditEntry & { timestamp: string })[]; count: number }>(config, "GET", `/audit${query ? `?${query}` : ""}`);
    if (flags.json) return printJsonOk(answer);
    const commands = await commandsOf(config, answer.entries);
    const commandOf = (e: AuditEntry) => (e.argv ? e.argv.join(" ") : e.commandId ? (commands.get(e.commandId)?.join(" ") ?? `(command ${e.commandId})`) : "-");
    const rows = answer.entries.map((e) => [e.timestamp, e.eventType, e.identity, e.clusterId ?? "", outcomeOf(e), commandOf(e)]);
    await print(table(["TIME", "EVENT", "IDENTITY", "CLUSTER", "OUTCOME", "COMMAND"], rows));
    return EXIT.ok;
  },
};
