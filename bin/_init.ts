/**
 * `kubently init`: a first configuration, written once. The config file is
 * the JSON `--config` reads (docs/executable.md), holding a fresh admin key
 * both as the API's `adminKey` and as the client verbs' `apiKey`, so one
 * file serves `kubently api --config FILE` and `kubently cluster ... --config
 * FILE`. The command-signing key goes in a PEM file next to it. Secrets are
 * written only to these files (mode 0600), never to stdout or a log.
 */
import { chmodSync, existsSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { newSecret } from "../lib/_utils.ts";
import { createSigner, generateSigningKeyPem } from "../lib/signing.ts";
import { EXIT, UsageError, intFlag, noMore, print, type CliVerb } from "./_cli.ts";

/** The backends `init` can configure; `sqlite` is the default, since it keeps what `cluster add` registers across restarts. */
const BACKENDS = ["sqlite", "memory", "redis"] as const;
type InitBackend = (typeof BACKENDS)[number];

/** The files `init` writes for a config file at `out`: the signing key and its public key sit next to it. */
export function initFiles(out: string): { config: string; signingKey: string; publicKey: string; sqlite: string } {
  const config = resolve(out);
  const base = join(dirname(config), basename(config).replace(/\.json$/i, ""));
  return { config, signingKey: `${base}.signing.pem`, publicKey: `${base}.public.pem`, sqlite: `${base}.db` };
}

/**
 * The config file's content. Paths are absolute, so the file works from any
 * working directory (the API reads them relative to where it runs).
 */
export function initConfig(files: ReturnType<typeof initFiles>, options: { backend: InitBackend; port: number; adminKey: string }): Record<string, unknown> {
  return {
    port: options.port,
    adminKey: options.adminKey,
    // The client verbs' connection: the same admin key, this API on this host.
    apiUrl: `http://127.0.0.1:${options.port}`,
    apiKey: options.adminKey,
    backend: options.backend,
    ...(options.backend === "sqlite" ? { sqliteFile: files.sqlite } : {}),
    ...(options.backend === "redis" ? { redisUrl: "redis://127.0.0.1:6379" } : {}),
    signingKeyFile: files.signingKey,
  };
}

/** Writes `text` to `path` with mode 0600 (also when an existing file is overwritten). */
function writeSecret(path: string, text: string, force: boolean): void {
  writeFileSync(path, text, { mode: 0o600, flag: force ? "w" : "wx" });
  chmodSync(path, 0o600);
}

const INIT_USAGE = `Usage: kubently init [--out FILE] [--backend sqlite|memory|redis] [--port N] [--force]

Writes a first configuration: FILE (default kubently.json), the JSON config
file that --config reads, with a fresh admin key, the backend and the API's
port; and FILE's name with .signing.pem (the Ed25519 key commands are signed
with) and .public.pem (its public key, for agents to pin) next to it. The
config file and the signing key are created with mode 0600. Refuses to
overwrite any of them without --force.

The admin key is written to the file only, never printed: the same file
gives the client verbs their --api-url and --api-key, so
  kubently api --config kubently.json
  kubently cluster add prod --config kubently.json
work as they are. To see the key:
  jq -r .adminKey kubently.json

Flags:
  --out FILE       where the config file goes (default kubently.json)
  --backend NAME   sqlite (default; FILE's name with .db next to it), memory (every
                   cluster and token is lost when the API stops) or redis
                   (redis://127.0.0.1:6379; edit redisUrl to point elsewhere)
  --port N         the API's REST port (default 8080)
  --force          overwrite the files when they exist`;

/** `kubently init [--out FILE] [--backend NAME] [--port N] [--force]`. */
export const init: CliVerb = {
  summary: "write a first config file with a new admin key and signing key",
  usage: INIT_USAGE,
  shared: [],
  flags: { out: { type: "string" }, backend: { type: "string" }, port: { type: "string" }, force: { type: "boolean" } },
  async run({ flags, args, rest }) {
    noMore([...args, ...rest], 0, "init");
    const out = typeof flags.out === "string" && flags.out !== "" ? flags.out : "kubently.json";
    if (!out.toLowerCase().endsWith(".json")) throw new UsageError(`--out ${out}: the config file is JSON, so its name must end in .json`);
    const backend = (flags.backend ?? "sqlite") as InitBackend;
    if (!BACKENDS.includes(backend)) throw new UsageError(`--backend must be one of ${BACKENDS.join(", ")}, not "${String(flags.backend)}"`);
    const port = intFlag(flags, "port") ?? 8080;
    if (port < 1 || port > 65535) throw new UsageError(`--port must be from 1 to 65535, not ${port}`);
    const files = initFiles(out);
    if (!existsSync(dirname(files.config))) throw new UsageError(`--out ${out}: the directory ${dirname(files.config)} does not exist`);
    const force = flags.force === true;
    if (!force) {
      const taken = [files.config, files.signingKey, files.publicKey].filter((f) => existsSync(f));
      if (taken.length) throw new UsageError(`${taken.join(", ")} already exist${taken.length === 1 ? "s" : ""}: kubently init does not overwrite a configuration (--force does, and makes new keys)`);
    }
    const pem = generateSigningKeyPem();
    const adminKey = newSecret("kbt");
    // The key first, the config that names it last: a config file never points at a missing key.
    writeSecret(files.signingKey, pem, force);
    writeFileSync(files.publicKey, createSigner(pem).publicKeyPem, { flag: force ? "w" : "wx" });
    writeSecret(files.config, `${JSON.stringify(initConfig(files, { backend, port, adminKey }), null, 2)}\n`, force);
    const config = files.config;
    const notes: Record<InitBackend, string> = {
      sqlite: `sqlite (${files.sqlite}): clusters, tokens, keys and the audit log survive restarts`,
      memory: "memory: every cluster, token and key added later is lost when the API stops",
      redis: "redis (redis://127.0.0.1:6379; edit redisUrl in the file for another one)",
    };
    await print(`Wrote ${config} (mode 0600): the admin key, backend ${notes[backend]}, port ${port}.
Wrote ${files.signingKey} (mode 0600): the key the API signs commands with.
Wrote ${files.publicKey}: its public key (agents may pin it with --api-public-key-file).
The admin key is in the config file only (jq -r .adminKey ${config}); keep both files secret.

Next steps:
  1. Start the API:
       kubently api --config ${config}
  2. Register a cluster and get the line that starts its agent (the agent token is shown once):
       kubently cluster add prod --config ${config} --agent-api-url URL-THE-AGENT-REACHES
     or its Kubernetes YAML, token included:
       kubently cluster add prod --config ${config} --agent-api-url URL --manifest > agent.yaml
  3. Run a command once the agent is up:
       kubently exec prod --config ${config} -- get pods -A
  Every client verb (exec, debug, cluster, key, audit...) takes --config ${config}.`);
    return EXIT.ok;
  },
};
