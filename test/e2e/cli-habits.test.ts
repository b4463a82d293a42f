/**
 * CLI habits (issue 15, item 5), through the compiled binary: `--help` for
 * every verb (and nothing else: `keygen --help` prints no key), "did you
 * mean" for verbs, flags and subcommands, the `debug` REPL's line editing and
 * history on a terminal, shell completion, the audit table's COMMAND on every
 * row, colors only on a terminal and never with NO_COLOR, no temp directory
 * left by the demo, and the agent's "result rejected" warning said once.
 *
 * Terminals come from util-linux `script` (a pseudo-terminal around the
 * binary), so what is checked is what a person at a terminal sees.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fakeKubeconfig, fakeKubectl } from "./_fake-kubectl.ts";
import { BINARY, ensureBinary, hasTool, post, prerequisites, run, type Proc } from "./_harness.ts";

const { skip } = prerequisites([ensureBinary(), hasTool("script") ? null : "util-linux script is not on PATH (pseudo-terminals)"]);
const KEY = "habits-key-0123456789abcdef";
const ADMIN = "habits-admin-0123456789abcdef";
const VERBS = ["demo", "api", "agent", "all", "mcp", "init", "exec", "debug", "cluster", "key", "audit", "manifests", "keygen", "completion", "version"];
const ESC = "\x1b[";

let demo: Proc;
let url = "";

beforeAll(async () => {
  if (skip) return;
  demo = run(["demo", "--port", "0", "--a2a-port", "0", "--api-key", KEY, "--admin-key", ADMIN]);
  url = (await demo.waitFor(/API:\s+(http:\/\/\S+)/, 30_000))[1]!;
});
afterAll(async () => {
  await demo?.stop();
});

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The binary with pipes (not a terminal). */
async function piped(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<Ran> {
  const child = Bun.spawn([BINARY, ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: mkdtempSync(join(tmpdir(), "kubently-habits-")), KUBENTLY_API_URL: url, KUBENTLY_API_KEY: KEY, ...env },
    stdin: stdin === undefined ? "ignore" : new Blob([stdin]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A session at a terminal: the binary under `script`, fed keystrokes; stdout and stderr arrive together. */
function terminal(args: string[], env: Record<string, string> = {}) {
  const child = spawn("script", ["-qfec", [BINARY, ...args].map(quote).join(" "), "/dev/null"], {
    env: { PATH: process.env.PATH ?? "", TERM: "xterm", KUBENTLY_API_URL: url, KUBENTLY_API_KEY: KEY, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return {
    output: () => out,
    type: (keys: string) => void child.stdin.write(keys),
    async until(check: (out: string) => boolean, ms = 15_000) {
      for (const end = Date.now() + ms; Date.now() < end; await Bun.sleep(25)) if (check(out)) return;
      throw new Error(`timed out; the terminal shows:\n${out}`);
    },
    async end(): Promise<number | null> {
      child.stdin.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

const count = (text: string, part: string) => text.split(part).length - 1;

describe.skipIf(skip)("--help for every verb", () => {
  test("kubently --help lists every verb", async () => {
    const r = await piped(["--help"]);
    expect(r.code).toBe(0);
    for (const verb of VERBS) expect(r.stdout).toMatch(new RegExp(`^  ${verb}\\b`, "m"));
  });

  test("VERB --help, VERB -h and kubently help VERB print the verb's usage on stdout and exit 0", async () => {
    for (const verb of VERBS) {
      const [long, short, help] = await Promise.all([piped([verb, "--help"]), piped([verb, "-h"]), piped(["help", verb])]);
      expect({ verb, code: long.code, stderr: long.stderr }).toEqual({ verb, code: 0, stderr: "" });
      expect(long.stdout).toStartWith(`Usage: kubently ${verb}`);
      expect(short).toEqual(long);
      expect(help).toEqual(long);
    }
  }, 60_000);

  test("kubently keygen --help prints help, never a key", async () => {
    const r = await piped(["keygen", "--help"]);
    expect(r.stdout + r.stderr).not.toContain("PRIVATE KEY");
    expect(r.stdout + r.stderr).not.toContain("PUBLIC KEY");
    expect(r.stdout).toStartWith("Usage: kubently keygen");
  });

  test("a server verb's --help lists only its own flags, and another flag is unknown there", async () => {
    const help = (await piped(["agent", "--help"])).stdout;
    expect(help).toContain("--kubeconfig PATH");
    expect(help).not.toContain("--backend");
    const r = await piped(["agent", "--backend", "sqlite"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown flag "--backend"');
  });
});

describe.skipIf(skip)("did you mean", () => {
  test("unknown verbs, flags, subcommands and shells name the closest one and exit 2", async () => {
    const cases: [string[], string][] = [
      [["exce", "demo"], 'error: unknown verb "exce"; did you mean "exec"? (see kubently --help)'],
      [["demp"], 'unknown verb "demp"; did you mean "demo"?'],
      [["help", "audti"], 'unknown verb "audti"; did you mean "audit"?'],
      [["api", "--prot", "1"], 'unknown flag "--prot"; did you mean "--port"? (see kubently api --help)'],
      [["all", "--kubeconfg", "x"], 'unknown flag "--kubeconfg"; did you mean "--kubeconfig"?'],
      [["exec", "demo", "--namspace", "shop", "--", "get", "pods"], 'unknown flag "--namspace"; did you mean "--namespace"?'],
      [["completion", "bsah"], 'unknown shell "bsah"; did you mean "bash"?'],
    ];
    for (const [args, message] of cases) {
      const r = await piped(args);
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 2, stdout: "" });
      expect(r.stderr).toContain(message);
    }
    expect((await piped(["frobnicate"])).stderr).toBe('error: unknown verb "frobnicate" (see kubently --help)\n');
  }, 30_000);
});

describe.skipIf(skip)("kubently debug at a terminal", () => {
  test("edits the line (arrows), recalls the last one (up), keeps history across sessions in the state dir", async () => {
    const home = mkdtempSync(join(tmpdir(), "kubently-habits-home-"));
    const one = terminal(["debug", "demo"], { HOME: home });
    await one.until((o) => o.includes("kubently demo> "));
    // "gt ns", cursor four to the left, insert "e": only line editing makes that "get ns".
    one.type(`gt ns${"\x1b[D".repeat(4)}e\r`);
    await one.until((o) => count(o, "kube-node-lease") === 1);
    one.type("\x1b[A\r");
    await one.until((o) => count(o, "kube-node-lease") === 2);
    one.type("exit\r");
    await one.until((o) => /session \S+ ended/.test(o));
    expect(await one.end()).toBe(0);
    expect(one.output()).not.toContain("error");

    const file = join(home, ".local", "state", "kubently", "history");
    expect(readFileSync(file, "utf8")).toBe("get ns\n");
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const two = terminal(["debug", "demo"], { HOME: home });
    await two.until((o) => o.includes("kubently demo> "));
    two.type("\x1b[A\r");
    await two.until((o) => o.includes("kube-node-lease"));
    two.type("\x04"); // Ctrl-D: end of input ends the session
    await two.until((o) => /session \S+ ended/.test(o));
    expect(await two.end()).toBe(0);
  }, 60_000);

  test("piped, it prints no prompt and keeps no history", async () => {
    const home = mkdtempSync(join(tmpdir(), "kubently-habits-home-"));
    const r = await piped(["debug", "demo"], { HOME: home }, "get ns\n");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("kube-node-lease");
    expect(r.stderr).not.toContain("kubently demo>");
    expect(existsSync(join(home, ".local", "state", "kubently"))).toBe(false);
  });
});

describe.skipIf(skip)("shell completion", () => {
  /** What bash completes for the words typed so far (the last one being completed). */
  function bashCompletes(script: string, words: string[]): string[] {
    const file = join(mkdtempSync(join(tmpdir(), "kubently-completion-")), "kubently.bash");
    writeFileSync(file, script);
    const r = spawnSync("bash", ["-c", `source ${quote(file)}; COMP_WORDS=(${words.map(quote).join(" ")}); COMP_CWORD=${words.length - 1}; _kubently; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    return r.stdout.split("\n").filter(Boolean);
  }

  test("bash: verbs, subcommands, a verb's own flags, enum values; nothing after --", async () => {
    const r = await piped(["completion", "bash"]);
    expect(r.code).toBe(0);
    const script = r.stdout;
    expect(bashCompletes(script, ["kubently", "de"])).toEqual(["demo", "debug"]);
    expect(bashCompletes(script, ["kubently", "cluster", ""])).toEqual(["list", "status", "token", "rotate", "revoke", "add", "remove"]);
    expect(bashCompletes(script, ["kubently", "exec", "prod", "--ti"])).toEqual(["--timeout"]);
    expect(bashCompletes(script, ["kubently", "all", "--backend", ""])).toEqual(["memory", "sqlite", "redis"]);
    expect(bashCompletes(script, ["kubently", "key", "create", "bot", "--role", "op"])).toEqual(["operator"]);
    expect(bashCompletes(script, ["kubently", "api", "--kubec"])).toEqual([]);
    expect(bashCompletes(script, ["kubently", "exec", "prod", "--", "get", "--ti"])).toEqual([]);
  });

  test.skipIf(!hasTool("zsh") && process.env.CI !== "true")("zsh: the script parses, registers _kubently and completes subcommands", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "kubently-completion-")), "_kubently");
    writeFileSync(file, (await piped(["completion", "zsh"])).stdout);
    const r = spawnSync("zsh", ["-f", "-c", `autoload -U compinit && compinit -u -D; source ${quote(file)}; compadd() { print -r -- "$*" }; print -r -- "\${_comps[kubently]}"; words=(kubently cluster ""); CURRENT=3; _kubently`], { encoding: "utf8" });
    expect(r.stdout).toBe("_kubently\n-- list status token rotate revoke add remove\n");
  });

  test.skipIf(!hasTool("fish") && process.env.CI !== "true")("fish: completes verbs, subcommands and flags", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "kubently-completion-")), "kubently.fish");
    writeFileSync(file, (await piped(["completion", "fish"])).stdout);
    const r = spawnSync("fish", ["--no-config", "-c", `source ${quote(file)}; complete -C 'kubently exe'; complete -C 'kubently key '; complete -C 'kubently exec prod --fol'`], { encoding: "utf8" });
    expect(r.stdout.split("\n").map((l) => l.split("\t")[0])).toEqual(["exec", "create", "list", "revoke", "--follow", ""]);
  });
});

describe.skipIf(skip)("kubently audit", () => {
  test("the COMMAND column is filled on every row about a command, also those naming it by id only", async () => {
    const tag = `habits-audit-${Date.now()}`;
    expect((await piped(["exec", "demo", "--correlation-id", tag, "--", "get", "pods", "-n", "shop"])).code).toBe(0);
    const table = await piped(["audit", "--correlation-id", tag], { KUBENTLY_API_KEY: ADMIN });
    const rows = table.stdout.trim().split("\n").slice(1);
    expect(rows.map((r) => r.split(/\s{2,}/)[1])).toEqual(expect.arrayContaining(["command.queued", "command.executed"]));
    for (const row of rows) expect(row).toEndWith("get pods -n shop");
    // The newest executed entry alone: its command comes from a lookup by correlation id.
    const one = await piped(["audit", "--event", "command.executed", "--limit", "1"], { KUBENTLY_API_KEY: ADMIN });
    expect(one.stdout.trim().split("\n")[1]).toEndWith("get pods -n shop");
    // Rows about no command say so.
    expect((await piped(["debug", "demo"], {}, "")).code).toBe(0);
    const session = await piped(["audit", "--event", "session.created", "--limit", "1"], { KUBENTLY_API_KEY: ADMIN });
    expect(session.stdout.trim().split("\n")[1]).toMatch(/\s-$/);
  }, 30_000);
});

describe.skipIf(skip)("colors", () => {
  test("a terminal gets colored errors and denials; NO_COLOR and pipes get none", async () => {
    const denied = ["exec", "demo", "--", "get", "secrets", "-A", "-o", "yaml"];
    const colored = terminal(denied);
    expect(await colored.end()).toBe(3);
    expect(colored.output()).toContain(`${ESC}33mdenied by policy "read-only"`);
    const unknown = terminal(["exce"]);
    expect(await unknown.end()).toBe(2);
    expect(unknown.output()).toContain(`${ESC}31merror: unknown verb "exce"`);

    for (const [args, text] of [[denied, 'denied by policy "read-only"'], [["exce"], 'error: unknown verb "exce"']] as const) {
      const plain = terminal([...args], { NO_COLOR: "1" });
      await plain.end();
      expect(plain.output()).toContain(text);
      expect(plain.output()).not.toContain(ESC);
    }
    const pipe = await piped(denied);
    expect(pipe.code).toBe(3);
    expect(pipe.stderr).toStartWith('denied by policy "read-only"');
    expect(pipe.stdout + pipe.stderr).not.toContain(ESC);
  }, 30_000);
});

describe.skipIf(skip)("the demo leaves no temp directory", () => {
  for (const [name, signals, code] of [
    ["SIGTERM", ["SIGTERM"], 0],
    ["SIGINT twice at once (a terminal's Ctrl-C passed on by a launcher: one stop)", ["SIGINT", "SIGINT"], 0],
    ["a second SIGINT later (exit at once)", ["SIGINT", 700, "SIGINT"], 1],
  ] as const) {
    test(`after ${name}: exit ${code}, TMPDIR empty`, async () => {
      const tmp = mkdtempSync(join(tmpdir(), "kubently-habits-tmp-"));
      // A command in flight for 3 s (a fake kubectl) keeps the drain busy, so a later second signal lands before the end.
      const d = run(["demo", "--port", "0", "--a2a-port", "0", "--executor", "kubectl", "--kubectl", fakeKubectl(3_000)], { TMPDIR: tmp });
      const base = (await d.waitFor(/API:\s+(http:\/\/\S+)/, 30_000))[1]!;
      expect(readdirSync(tmp).filter((f) => f.startsWith("kubently-demo-"))).toHaveLength(1);
      const key = d.output().match(/API key:\s+(\S+)/)![1]!;
      expect((await post(`${base}/debug/execute`, key, { cluster_id: "demo", argv: ["get", "pods"], wait: false })).status).toBe(202);
      await Bun.sleep(300);
      for (const s of signals) (typeof s === "number" ? await Bun.sleep(s) : d.child.kill(s));
      expect(await d.exited).toBe(code);
      expect(readdirSync(tmp)).toEqual([]);
    }, 30_000);
  }
});

describe.skipIf(skip)("the agent's 'result rejected' warning", () => {
  test("regression: says the rejection once (it read 'result for X rejected: result for command X rejected: ...')", async () => {
    const kubectl = fakeKubectl(1_500);
    const all = run(["all", "--port", "0", "--disable-a2a", "--host", "127.0.0.1", "--api-keys", `t:${KEY}`, "--executor", "kubectl", "--kubectl", kubectl, "--kubeconfig", fakeKubeconfig(kubectl)]);
    try {
      const base = (await all.waitFor(/API listening on (http:\/\/\S+);/))[1]!;
      const queued = await post(`${base}/debug/execute`, KEY, { cluster_id: "local", argv: ["get", "pods"], wait: false });
      const id: string = queued.body.command_id;
      await Bun.sleep(300); // leased and running in the fake kubectl
      expect((await fetch(`${base}/debug/command/${id}`, { method: "DELETE", headers: { "x-api-key": KEY } })).status).toBeLessThan(300);
      const [line] = await all.waitFor(new RegExp(`\\[kubently\\] warn: .*${id}.*`));
      expect(line).toBe(`[kubently] warn: result for command ${id} rejected: it already has a result`);
    } finally {
      await all.stop();
    }
  });
});
