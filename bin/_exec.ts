/**
 * `kubently exec` (one command) and `kubently debug` (an interactive session):
 * both run kubectl commands through the API with the library's REST client,
 * print kubectl's output on stdout and everything else on stderr.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { isStreaming, parseKubectl, splitCommandLine } from "../lib/kubectl/index.ts";
import type { CommandView, KubentlyClient, StreamRequest } from "../lib/client.ts";
import { isKubentlyError } from "../lib/errors.ts";
import type { Config } from "./_config.ts";
import { CONNECTION_USAGE, EXIT, UsageError, clientFor, errorLine, intFlag, noMore, paint, print, printErr, printJson, printRaw, request, required, type CliVerb } from "./_cli.ts";

/** kubectl's arguments as typed: a leading `kubectl` word is dropped. */
const kubectlArgs = (words: string[]): string[] => (words[0] === "kubectl" ? words.slice(1) : words);

/** What stopped a command that succeeded with part of its output. */
const TRUNCATED: Record<string, string> = {
  STREAM_TIME_BUDGET: "the stream's time budget ended it (--timeout)",
  STREAM_BYTE_BUDGET: "the stream's byte budget ended it (--max-bytes)",
};

/** Why a command that did not succeed ended, for stderr. */
function endNote(view: CommandView): string {
  if (view.status === "denied") return `denied by policy "${view.policy ?? "unknown"}": ${view.error ?? "no reason given"}`;
  if (view.status === "failure") return view.error ?? `kubectl exited with code ${view.exit_code ?? "unknown"}`;
  return `kubently: the command ended ${view.status}${view.code ? ` (${view.code})` : ""}${view.error ? `: ${view.error}` : ""}`;
}

/** Says so on stderr when a policy changed what ran (the answer's argv is what was queued). */
async function noteRewrite(sent: string[], view: CommandView): Promise<void> {
  if (view.argv && view.argv.join("\u0000") !== sent.join("\u0000")) await printErr(`kubently: a policy rewrote the command to: kubectl ${view.argv.join(" ")}`);
}

/** The exit code for a command's outcome (see EXIT). */
const exitCodeOf = (view: CommandView): number => (view.status === "success" ? EXIT.ok : view.status === "denied" ? EXIT.denied : EXIT.failed);

/** Prints a command's outcome (output on stdout, the rest on stderr) and answers its exit code. */
async function report(view: CommandView, options: { output?: boolean } = {}): Promise<number> {
  if (options.output !== false) await printRaw(view.output);
  if (view.status === "success") {
    // kubectl's stderr on success ("No resources found in default namespace.").
    if (view.error) await printErr(view.error);
    if (view.truncated) await printErr(`kubently: ${TRUNCATED[view.code ?? ""] ?? `output truncated${view.code ? ` (${view.code})` : ""}`}`);
  } else {
    await printErr(paint(process.stderr, view.status === "denied" ? "yellow" : "red", endNote(view)));
  }
  return exitCodeOf(view);
}

const EXEC_USAGE = `Usage: kubently exec CLUSTER [flags] -- KUBECTL ARGS...

Runs one read-only kubectl command on CLUSTER through the API and prints its
output on stdout; kubectl's errors, denials and notes go to stderr.

  kubently exec prod -- get pods -A
  kubently exec prod -n shop -- logs deploy/web --tail=50
  kubently exec prod --follow --timeout 120 -- logs -f -n shop deploy/web

Flags:
  -n, --namespace NS     add -n NS to the command
  --timeout S            seconds for the whole command (1-30; with --follow the stream's time budget, 1-300)
  --session ID           run in a debug session (keeps the cluster active)
  --correlation-id ID    tag the command in the audit log
  --json                 print the API's answer (CommandView) as JSON instead
  --follow               stream the output as kubectl writes it; logs -f, get -w and
                         rollout status stream without it too; Ctrl-C cancels
  --max-bytes N          with --follow: the stream's byte budget
  --wait-for-agent       queue the command even when the cluster's agent is not connected
                         (by default that fails at once: CLUSTER_NOT_CONNECTED)

Exit codes: 0 success, 1 failure, timeout or cancelled, 2 usage, connection or API error, 3 denied by a policy.

${CONNECTION_USAGE}`;

/** `kubently exec CLUSTER [-n NS] [--timeout S] [--session ID] [--json] [--follow] -- ARGS...` */
export const exec: CliVerb = {
  summary: "run one read-only kubectl command through the API",
  usage: EXEC_USAGE,
  unknownFlagHint: 'kubectl\'s own flags go after "--" (kubently exec CLUSTER -- get pods -A)',
  flags: {
    namespace: { type: "string", short: "n" },
    timeout: { type: "string" },
    session: { type: "string" },
    "correlation-id": { type: "string" },
    json: { type: "boolean" },
    follow: { type: "boolean" },
    "max-bytes": { type: "string" },
    "wait-for-agent": { type: "boolean" },
  },
  async run({ config, flags, args, rest }) {
    const clusterId = required(args, 0, "the cluster (kubently exec CLUSTER -- get pods)", "exec");
    const argv = kubectlArgs([...args.slice(1), ...rest]);
    if (argv.length === 0) throw new UsageError(`missing the kubectl command after the cluster (kubently exec ${clusterId} -- get pods)`);
    if (typeof flags.namespace === "string") argv.push("-n", flags.namespace);
    // A command that streams by nature (logs -f, get -w) is followed: waiting for its end would only time out.
    const parsed = parseKubectl(argv);
    const following = flags.follow === true || (parsed.ok && isStreaming(parsed.command));
    const maxBytes = intFlag(flags, "max-bytes");
    if (maxBytes !== undefined && !following) throw new UsageError("--max-bytes applies only with --follow");
    const timeoutSeconds = intFlag(flags, "timeout");
    const request = {
      clusterId,
      argv,
      ...(typeof flags.session === "string" ? { sessionId: flags.session } : {}),
      ...(typeof flags["correlation-id"] === "string" ? { correlationId: flags["correlation-id"] } : {}),
      ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
      ...(flags["wait-for-agent"] ? {} : { requireAgent: true }),
    };
    const client = clientFor(config);
    if (following) return follow(client, config, { ...request, ...(maxBytes !== undefined ? { maxBytes } : {}) }, flags.json === true);
    const view = await client.execute(request);
    if (flags.json) {
      await printJson(view);
      return exitCodeOf(view);
    }
    await noteRewrite(argv, view);
    return report(view);
  },
};

/**
 * `exec --follow`: prints each chunk as it lands (`--json`: one JSON line per
 * chunk, then the CommandView), then how the command ended. The first Ctrl-C
 * leaves the stream, which cancels the command, and confirms it by id; a
 * second one exits at once.
 */
async function follow(client: KubentlyClient, config: Config, req: StreamRequest, json: boolean): Promise<number> {
  if (!client.executeStreamed) throw new UsageError("this client cannot stream");
  const stop = new AbortController();
  let commandId = "";
  const onSigint = () => (stop.signal.aborted ? process.exit(130) : stop.abort());
  /** The end: the CommandView as a JSON line, or the notes and the status on stderr (the output is out already). */
  const finish = async (view: CommandView): Promise<number> => {
    if (json) await print(JSON.stringify(view));
    else {
      await report(view, { output: false });
      await printErr(`kubently: command ${view.command_id} ended ${view.status}`);
    }
    return exitCodeOf(view);
  };
  process.on("SIGINT", onSigint);
  try {
    const view = await client.executeStreamed({ ...req, signal: stop.signal }, async (data, seq, id) => {
      commandId = id;
      await (json ? print(JSON.stringify({ seq, data })) : printRaw(data));
    });
    return await finish(view);
  } catch (e) {
    if (!stop.signal.aborted) throw e;
    if (!commandId) {
      await printErr("kubently: cancelled before any output (leaving the stream cancels the command)");
      return EXIT.failed;
    }
    // Leaving the stream already cancels it; the explicit cancel makes the answer below certain.
    await request(config, "DELETE", `/debug/command/${encodeURIComponent(commandId)}`).catch((err) => {
      if (!isKubentlyError(err, "CONFLICT")) throw err;
    });
    return await finish(await client.getResult(commandId));
  } finally {
    process.off("SIGINT", onSigint);
  }
}

const DEBUG_USAGE = `Usage: kubently debug CLUSTER [flags]

An interactive debug session on CLUSTER: type kubectl commands (with or
without the leading "kubectl"; quote as in a shell), one per line. Each runs
in the session and prints its output. On a terminal the line can be edited
and earlier lines recalled (up and down arrows); they are kept in
$XDG_STATE_HOME/kubently/history (default ~/.local/state/kubently/history).
"exit", "quit", Ctrl-D or Ctrl-C ends the session. Lines may also be piped in:

  printf 'get pods -A\\ndescribe pod web-1 -n shop\\n' | kubently debug prod

Flags:
  --ttl S        session time-to-live in seconds, sliding with each command (60-3600; default 300)
  --timeout S    seconds for each command (1-30; default 10)

${CONNECTION_USAGE}`;

/** How many lines `kubently debug` remembers across sessions. */
const HISTORY_SIZE = 500;

/**
 * The REPL's history, kept in `$XDG_STATE_HOME/kubently/history` (default
 * `~/.local/state/kubently/history`, mode 0600), oldest line first. A file
 * that cannot be read or written only costs the history, never the session.
 */
function historyFile(env: Record<string, string | undefined> = process.env) {
  const dir = join(env.XDG_STATE_HOME || join(env.HOME || homedir(), ".local", "state"), "kubently");
  const file = join(dir, "history");
  return {
    /** Newest first, as readline wants it. */
    load(): string[] {
      try {
        return readFileSync(file, "utf8").split("\n").filter(Boolean).reverse().slice(0, HISTORY_SIZE);
      } catch {
        return [];
      }
    },
    /** Keeps the commands; "exit" and "quit" are not worth recalling in the next session. */
    save(newestFirst: readonly string[]): void {
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const kept = newestFirst.filter((l) => !/^\s*(exit|quit)\s*$/.test(l));
        writeFileSync(file, kept.length ? `${[...kept].reverse().join("\n")}\n` : "", { mode: 0o600 });
      } catch {
        // No history then; the session goes on.
      }
    },
  };
}

/** `kubently debug CLUSTER`: a session fed with command lines from stdin. */
export const debug: CliVerb = {
  summary: "an interactive debug session: kubectl command lines, with history",
  usage: DEBUG_USAGE,
  flags: { ttl: { type: "string" }, timeout: { type: "string" } },
  async run({ config, flags, args, rest }) {
    const clusterId = required(args, 0, "the cluster (kubently debug CLUSTER)", "debug");
    noMore([...args, ...rest], 1, "debug");
    const ttlSeconds = intFlag(flags, "ttl");
    const timeoutSeconds = intFlag(flags, "timeout");
    const client = clientFor(config);
    const session = await client.createSession(clusterId, ttlSeconds !== undefined ? { ttlSeconds } : {});
    const interactive = process.stdin.isTTY === true;
    await printErr(`session ${session.session_id} on cluster ${clusterId} (ttl ${session.ttl_seconds}s)${interactive ? `: type kubectl commands, "exit" to end` : ""}`);
    const end = async () => {
      await client.closeSession(session.session_id).catch((e) => printErr(`error: could not end session ${session.session_id}: ${(e as Error).message}`));
      await printErr(`session ${session.session_id} ended`);
    };
    const interrupted = () => void end().then(() => process.exit(130));
    // On a terminal, readline edits the line (arrows, Ctrl-A/E/W/U) and recalls earlier ones (up, down);
    // it owns the terminal then, so Ctrl-C reaches it rather than the process.
    const history = interactive ? historyFile() : null;
    const lines = interactive
      ? createInterface({ input: process.stdin, output: process.stderr, terminal: true, prompt: `kubently ${clusterId}> `, history: history!.load(), historySize: HISTORY_SIZE, removeHistoryDuplicates: true })
      : createInterface({ input: process.stdin, terminal: false });
    if (interactive) {
      lines.on("SIGINT", interrupted);
      lines.on("history", (entries: string[]) => history!.save(entries));
    } else process.once("SIGINT", interrupted);
    const prompt = () => (interactive ? lines.prompt() : undefined);
    prompt();
    for await (const line of lines) {
      const text = line.trim();
      if (text === "exit" || text === "quit") break;
      if (text !== "" && !text.startsWith("#")) await runLine(text);
      prompt();
    }
    lines.close();
    await end();
    return EXIT.ok;

    async function runLine(text: string) {
      const split = splitCommandLine(text);
      if (!split.ok) return void (await printErr(paint(process.stderr, "red", `error: ${split.reason}`)));
      const argv = kubectlArgs(split.words);
      if (argv.length === 0) return;
      try {
        await report(await client.execute({ clusterId, argv, sessionId: session.session_id, ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}) }));
      } catch (e) {
        await printErr(paint(process.stderr, "red", errorLine(e)));
      }
    }
  },
};
