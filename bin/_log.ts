/**
 * The executable's logger (docs/operations.md#logs): pino, writing each line
 * synchronously to stderr (no transport, so no worker thread: the compiled
 * binary and a process that exits at once lose nothing). `json` is pino's
 * line as it is; `pretty` is the same record, after redaction, rendered by a
 * few lines here as `[kubently] level: message key=value ...` (pino-pretty
 * would be a transport and another dependency for one line format).
 */
import { writeSync } from "node:fs";
import pino from "pino";
import { REDACTED, SECRET_KEYS, formatFields, scrubFields, type LogLevel, type Logger } from "../lib/log/index.ts";
import { colorsOn, paint } from "./_cli.ts";

/** How lines are written. */
export type LogFormat = "pretty" | "json";

/** Options for {@link createLogger}. */
export interface CreateLoggerOptions {
  /** @default "pretty" */
  format?: LogFormat;
  /** The lowest level written. @default "info" */
  level?: LogLevel;
  /** Where lines go (tests); @default stderr, synchronously */
  write?: (line: string) => void;
  /** Colour warn and error in `pretty`. @default whether stderr takes colour ({@link colorsOn}) */
  color?: boolean;
}

/** pino redact paths for every secret key: at the top, one level down, and under `headers`. */
export const REDACT_PATHS: readonly string[] = SECRET_KEYS.flatMap((k) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(k) ? k : `["${k}"]`;
  const at = (parent: string) => (key.startsWith("[") ? `${parent}${key}` : `${parent}.${key}`);
  return [key, at("*"), at("headers")];
});

const LEVEL_COLORS = { warn: "yellow", error: "red" } as const;
const toStderr = (line: string) => void writeSync(2, line);

/** Renders one pino JSON line as the `pretty` format. */
export function prettyLine(json: string, color: boolean): string {
  const { level, time: _time, msg, ...fields } = JSON.parse(json) as { level: string; time?: unknown; msg?: string } & Record<string, unknown>;
  const rest = formatFields(fields);
  const line = `[kubently] ${level}: ${msg ?? ""}${rest ? ` ${rest}` : ""}`;
  const tint = LEVEL_COLORS[level as keyof typeof LEVEL_COLORS];
  return color && tint ? paint({ isTTY: true }, tint, line) : line;
}

/** The binary's logger: pino with the secret keys redacted, lines on stderr. */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const write = options.write ?? toStderr;
  const format = options.format ?? "pretty";
  const color = options.color ?? colorsOn(process.stderr);
  const destination =
    format === "json" && !options.write
      ? pino.destination({ fd: 2, sync: true })
      : { write: (line: string) => write(format === "json" ? line : `${prettyLine(line, color)}\n`) };
  return pino(
    {
      level: options.level ?? "info",
      base: null,
      messageKey: "msg",
      timestamp: pino.stdTimeFunctions.isoTime,
      // redact is pino's fast path for the names as written; scrubFields also catches other spellings (`Authorization`).
      formatters: { level: (label) => ({ level: label }), log: (fields) => scrubFields(fields) },
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    },
    destination,
  );
}
