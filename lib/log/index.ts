/**
 * The logger contract the library logs through (docs/operations.md#logs).
 * A library prints nothing unless asked: every option defaults to
 * {@link noopLogger}. A pino logger satisfies {@link Logger} as it is
 * (`createKubently({ logger: pino() })`); the executable passes its own
 * (bin/_log.ts). Field names are snake_case and stable: `request_id`,
 * `correlation_id`, `command_id`, `cluster`, `session_id`, `identity`,
 * `duration_ms`.
 */

/** A log line's structured fields. Never a secret: see {@link SECRET_KEYS}. */
export type LogFields = Record<string, unknown>;

/** A log level, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** The levels, lowest first. */
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/** Where the library writes its log lines: pino's `(fields, message)` call shape. */
export interface Logger {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
}

/** A logger that drops everything: the library's default. */
export const noopLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Field names whose value is never logged, at any depth a logger looks
 * (pino `redact` paths in the executable, {@link scrubFields} here). Header
 * names as sent (`authorization`, `x-api-key`, `cookie`) and the option names
 * that carry credentials.
 */
export const SECRET_KEYS: readonly string[] = [
  "authorization",
  "proxy-authorization",
  "x-api-key",
  "cookie",
  "set-cookie",
  "token",
  "access_token",
  "refresh_token",
  "id_token",
  "password",
  "secret",
  "client_secret",
  "clientSecret",
  "session_secret",
  "sessionSecret",
  "api_key",
  "apiKey",
  "admin_key",
  "adminKey",
  "signing_key",
  "signingKey",
];

/** What a redacted value is replaced with. */
export const REDACTED = "[redacted]";

const SECRET = new Set(SECRET_KEYS.map((k) => k.toLowerCase()));

/** `fields` with the value of every {@link SECRET_KEYS} key replaced by {@link REDACTED} (two levels deep, as pino's paths). */
export function scrubFields(fields: LogFields, depth = 2): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) {
    out[k] = SECRET.has(k.toLowerCase()) ? REDACTED : depth > 1 && v && typeof v === "object" && !Array.isArray(v) ? scrubFields(v as LogFields, depth - 1) : v;
  }
  return out;
}

/** `key=value` pairs for a one-line rendering; strings with spaces or quotes are JSON-quoted. */
export function formatFields(fields: LogFields): string {
  return Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === "string" ? (/^[^\s"=]+$/.test(v) ? v : JSON.stringify(v)) : JSON.stringify(v)}`)
    .join(" ");
}

/** The older `log(level, message)` callback (agent options `log`), as a {@link Logger}: fields (scrubbed) follow the message. */
export function loggerFromCallback(log: (level: "info" | "warn" | "error", message: string) => void): Logger {
  const line = (level: "info" | "warn" | "error") => (fields: LogFields, message: string) => {
    const rest = formatFields(scrubFields(fields));
    log(level, rest ? `${message} ${rest}` : message);
  };
  // The callback never had a debug level: debug lines are dropped.
  return { debug() {}, info: line("info"), warn: line("warn"), error: line("error") };
}
