/**
 * Configuration for the executable: flags > `KUBENTLY_*` environment > config
 * file (JSON, `--config` or `KUBENTLY_CONFIG`) > defaults. Parsed with one
 * valibot schema so a bad value stops start-up with a message naming it.
 */
import { readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import * as v from "valibot";
import { closest } from "./_plugins.ts";
import { AlertsConfigSchema } from "../lib/alerts/config.ts";
import { LIMITS } from "../lib/limits.ts";
import { ClusterIdSchema } from "../lib/schemas.ts";

const port = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535));
const num = v.pipe(v.unknown(), v.transform(Number), v.number(), v.integer(), v.minValue(1));

/** Every setting, as the config file spells it (camelCase). */
export const ConfigSchema = v.object({
  host: v.optional(v.string()),
  port: v.optional(port),
  a2aPort: v.optional(port),
  a2aPublicUrl: v.optional(v.pipe(v.string(), v.url("must be a URL"))),
  disableA2a: v.optional(v.boolean()),
  /** Host names besides loopback that /mcp and the A2A WebSocket answer (`*`: any); the DNS-rebinding guard. */
  allowedHosts: v.optional(v.array(v.string())),
  /** Browser origins besides those on allowed hosts. */
  allowedOrigins: v.optional(v.array(v.string())),
  /** `service:key,service2:key2` or a list. */
  apiKeys: v.optional(v.union([v.string(), v.array(v.string())])),
  adminKey: v.optional(v.string()),
  /** Agent tokens the API accepts: `cluster:token,...` or a list. */
  agentTokens: v.optional(v.union([v.string(), v.array(v.string())])),
  /** A file of agent tokens, one `cluster:token` a line (`#` comments, blank lines): a fleet's tokens, which do not fit in argv or the environment. */
  agentTokensFile: v.optional(v.string()),
  /** Policy ids, module paths or package names, optionally with options: `{ "use": "namespaces", "options": { "allow": ["shop"] } }`. */
  plugins: v.optional(v.array(v.union([v.string(), v.object({ use: v.string(), options: v.optional(v.unknown()) })]))),
  /** Analyzers the agent's `diagnose` runs: `builtin` (all built-ins, the default), built-in ids, module paths or package names, optionally with options. */
  analyzers: v.optional(v.array(v.union([v.string(), v.object({ use: v.string(), options: v.optional(v.unknown()) })]))),
  apiUrl: v.optional(v.string()),
  clusterId: v.optional(v.string()),
  token: v.optional(v.string()),
  executor: v.optional(v.picklist(["auto", "native", "kubectl", "echo"])),
  concurrency: v.optional(num),
  kubeconfig: v.optional(v.string()),
  kubectl: v.optional(v.string()),
  apiKey: v.optional(v.string()),
  backend: v.optional(v.picklist(["memory", "sqlite", "redis"])),
  sqliteFile: v.optional(v.string()),
  redisUrl: v.optional(v.string()),
  redisPrefix: v.optional(v.string()),
  signingKeyFile: v.optional(v.string()),
  apiPublicKeyFile: v.optional(v.string()),
  /** demo: the simulated cluster's scenario, a built-in name or a scenario file or directory. */
  scenario: v.optional(v.string()),
  /** The secret console session cookies are signed with (docs/login.md); absent: derived from the signing key. */
  sessionSecret: v.optional(v.pipe(v.string(), v.minLength(32, "must be at least 32 characters"))),
  /** How long a console session lasts, in seconds. */
  sessionTtl: v.optional(v.pipe(num, v.maxValue(2_592_000))),
  /** `Secure` session cookies always (else: when the request came over https). */
  secureCookies: v.optional(v.boolean()),
  /** How log lines on stderr are written: `pretty` (one readable line, the default) or `json` (one JSON object a line). */
  logFormat: v.optional(v.picklist(["pretty", "json"])),
  /** The lowest level logged. */
  logLevel: v.optional(v.picklist(["debug", "info", "warn", "error"])),
  /** Alertmanager alerts and outbound webhooks (config file only; docs/alerts.md). Messages name the field, never a value (URLs and routing keys are secrets). */
  alerts: v.optional(AlertsConfigSchema),
  /** Console sign-in through an OpenID Connect provider (config file only; docs/login.md#oidc). */
  oidc: v.optional(
    v.strictObject({
      issuer: v.pipe(v.string(), v.url("must be a URL")),
      clientId: v.string(),
      clientSecret: v.optional(v.string()),
      redirectUrl: v.optional(v.pipe(v.string(), v.url("must be a URL"))),
      scopes: v.optional(v.array(v.string())),
      usernameClaim: v.optional(v.string()),
      roleClaim: v.optional(v.string()),
      roleMap: v.optional(v.record(v.string(), v.picklist(["admin", "operator", "viewer"]))),
      defaultRole: v.optional(v.picklist(["admin", "operator", "viewer"])),
    }),
  ),
});
export type Config = v.InferOutput<typeof ConfigSchema>;

/** What runs when the configuration names no policies: the grammar, and redaction in the agent. */
export const DEFAULT_PLUGINS: readonly string[] = ["read-only", "redact-secrets"];

/** Flag name -> config key, with whether it takes a value. */
const FLAGS = {
  config: { type: "string" },
  host: { type: "string" },
  port: { type: "string" },
  "a2a-port": { type: "string" },
  "a2a-public-url": { type: "string" },
  "disable-a2a": { type: "boolean" },
  "allowed-hosts": { type: "string" },
  "allowed-origins": { type: "string" },
  "api-keys": { type: "string" },
  "admin-key": { type: "string" },
  "agent-tokens": { type: "string" },
  "agent-tokens-file": { type: "string" },
  plugins: { type: "string" },
  analyzers: { type: "string" },
  "api-url": { type: "string" },
  "cluster-id": { type: "string" },
  token: { type: "string" },
  executor: { type: "string" },
  concurrency: { type: "string" },
  kubeconfig: { type: "string" },
  kubectl: { type: "string" },
  "api-key": { type: "string" },
  backend: { type: "string" },
  "sqlite-file": { type: "string" },
  "redis-url": { type: "string" },
  "redis-prefix": { type: "string" },
  "signing-key-file": { type: "string" },
  "api-public-key-file": { type: "string" },
  scenario: { type: "string" },
  "session-secret": { type: "string" },
  "session-ttl": { type: "string" },
  "secure-cookies": { type: "boolean" },
  "log-format": { type: "string" },
  "log-level": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** Whether each shared flag takes a value (`string`) or is a switch (`boolean`). */
export const FLAG_TYPES = Object.fromEntries(Object.entries(FLAGS).map(([f, o]) => [f, o.type])) as Record<keyof typeof FLAGS, "string" | "boolean">;

const camel = (flag: string) => flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const envName = (key: string) => `KUBENTLY_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
const NUMERIC = new Set(["port", "a2aPort", "concurrency", "sessionTtl"]);
const BOOLEANS = new Set(["disableA2a", "secureCookies"]);
const LISTS = new Set(["plugins", "analyzers", "allowedHosts", "allowedOrigins"]);

/** A flag of one verb only: its value comes back in `flags`, never in the config. */
export interface VerbFlag {
  type: "string" | "boolean";
  short?: string;
}

/** What a verb adds to, or takes from, the shared flags. */
export interface VerbOptions {
  /** The verb's name, for error messages (`see kubently <name> --help`). */
  name?: string;
  /** Flags only this verb takes (not in the config file nor the environment). */
  flags?: Record<string, VerbFlag>;
  /** The shared flags the verb accepts (besides --config and --help); others are unknown flags. @default all of them */
  shared?: readonly SharedFlag[];
  /** Added to the message about an unknown flag. */
  unknownFlagHint?: string;
}

/** A flag every server verb takes, also read from `KUBENTLY_*` and the config file. */
export type SharedFlag = Exclude<keyof typeof FLAGS, "config" | "help">;

/** What {@link loadConfig} answers. */
export interface LoadedConfig {
  config: Config;
  help: boolean;
  positionals: string[];
  baseDir: string;
  /** The verb's own flags as given (`VerbOptions.flags`). */
  flags: Record<string, string | boolean | undefined>;
}

/** Loads the configuration for a verb from argv, env and the config file. */
export function loadConfig(argv: string[], env: Record<string, string | undefined> = process.env, verb: VerbOptions = {}): LoadedConfig {
  const shared = (verb.shared ?? (Object.keys(FLAGS) as (keyof typeof FLAGS)[])).filter((f) => f !== "config" && f !== "help");
  const options = { ...Object.fromEntries(shared.map((f) => [f, FLAGS[f]])), config: FLAGS.config, help: FLAGS.help, ...verb.flags };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    const unknown = (e as Error).message.match(/^Unknown option '([^']+)'/);
    const guess = unknown?.[1]?.startsWith("--") ? closest(unknown[1].split("=")[0]!, Object.keys(options).map((f) => `--${f}`)) : null;
    const problem = unknown
      ? `unknown flag "${unknown[1]}"${guess ? `; did you mean "${guess}"?` : ""}${verb.unknownFlagHint ? `; ${verb.unknownFlagHint}` : ""}`
      : (e as Error).message;
    throw new Error(`${problem} (see kubently${verb.name ? ` ${verb.name}` : ""} --help)`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const file = (values.config as string | undefined) ?? env.KUBENTLY_CONFIG;
  const fromFile: Record<string, unknown> = file ? JSON.parse(readFileSync(file, "utf8")) : {};
  const merged: Record<string, unknown> = { ...fromFile };
  for (const flag of shared) {
    const key = camel(flag);
    const raw = values[flag] ?? env[envName(key)];
    if (raw === undefined) continue;
    merged[key] = NUMERIC.has(key)
      ? Number(raw)
      : BOOLEANS.has(key)
        ? raw === true || /^(true|1|yes)$/i.test(String(raw))
        : LISTS.has(key)
          ? String(raw).split(",").map((s) => s.trim()).filter(Boolean)
          : raw;
  }
  const result = v.safeParse(ConfigSchema, merged);
  if (!result.success) {
    const issue = result.issues[0];
    throw new Error(`invalid configuration: ${v.getDotPath(issue) ?? "config"}: ${issue.message}`);
  }
  const flags = Object.fromEntries(Object.keys(verb.flags ?? {}).map((f) => [f, values[f]]));
  return { config: result.output, help: Boolean(values.help), positionals: parsed.positionals, baseDir: file ? dirname(resolve(file)) : process.cwd(), flags };
}

/** Splits `a:b,c:d` (or a list of `a:b`) into pairs; the first ':' separates. */
export function pairs(value: string | string[] | undefined): [string, string][] {
  const items = Array.isArray(value) ? value : (value ?? "").split(",");
  return items
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const at = s.indexOf(":");
      if (at <= 0 || at === s.length - 1) throw new Error(`"${s.slice(0, 40)}" must be written name:secret`);
      return [s.slice(0, at), s.slice(at + 1)] as [string, string];
    });
}

/**
 * Reads an agent tokens file: one `cluster:token` a line (the first ':'
 * separates), blank lines and lines starting with `#` skipped, surrounding
 * whitespace trimmed. JSON is not accepted (one format, greppable and
 * appendable). Errors name the file and line, never the line's text (it
 * holds a secret); a file readable by group or others is `warn`ed about.
 * Bigger than `LIMITS.maxAgentTokensFileBytes` is an error.
 */
export function readAgentTokensFile(path: string, warn: (message: string) => void): { id: string; token: string; line: number }[] {
  let size: number;
  let mode: number;
  try {
    ({ size, mode } = statSync(path));
  } catch (e) {
    throw new Error(`agent tokens file ${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
  if (size > LIMITS.maxAgentTokensFileBytes) {
    throw new Error(`agent tokens file ${path} is ${size} bytes, over the limit of ${LIMITS.maxAgentTokensFileBytes} (maxAgentTokensFileBytes)`);
  }
  if (process.platform !== "win32" && (mode & 0o044) !== 0) {
    warn(`agent tokens file ${path} is readable by group or others (mode ${(mode & 0o777).toString(8).padStart(4, "0")}): it holds secrets; chmod 600 it`);
  }
  const text = readFileSync(path, "utf8");
  const tokens: { id: string; token: string; line: number }[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const entry = lines[i]!.trim();
    if (!entry || entry.startsWith("#")) continue;
    const where = `agent tokens file ${path}, line ${i + 1}`;
    if (entry.startsWith("{") || entry.startsWith("[")) throw new Error(`${where}: JSON is not accepted; write one cluster:token a line`);
    const at = entry.indexOf(":");
    if (at <= 0 || at === entry.length - 1) throw new Error(`${where}: must be written cluster:token`);
    const id = entry.slice(0, at).trim();
    const token = entry.slice(at + 1).trim();
    const valid = v.safeParse(ClusterIdSchema, id);
    if (!valid.success) throw new Error(`${where}: the cluster id ${valid.issues[0].message}`);
    if (!token || /\s/.test(token)) throw new Error(`${where}: the token is empty or contains whitespace`);
    tokens.push({ id, token, line: i + 1 });
  }
  return tokens;
}

/**
 * Every agent token the API is configured with: `--agent-tokens` (or
 * `agentTokens`) and the lines of `--agent-tokens-file` (or
 * `agentTokensFile`, a path relative to the config file's directory, else
 * the working directory). A cluster given twice, in either or both, is an
 * error naming it.
 */
export function agentTokensFrom(config: Pick<Config, "agentTokens" | "agentTokensFile">, baseDir: string, warn: (message: string) => void): { id: string; token: string }[] {
  const where = new Map<string, string>();
  const all: { id: string; token: string }[] = [];
  const add = (id: string, token: string, source: string) => {
    const before = where.get(id);
    if (before !== undefined) throw new Error(`cluster "${id.slice(0, 80)}" has two agent tokens (${before} and ${source}); give each cluster one`);
    where.set(id, source);
    all.push({ id, token });
  };
  for (const [id, token] of pairs(config.agentTokens)) add(id, token, "--agent-tokens");
  if (config.agentTokensFile) {
    const path = resolve(baseDir, config.agentTokensFile);
    for (const t of readAgentTokensFile(path, warn)) add(t.id, t.token, `${path} line ${t.line}`);
  }
  return all;
}
