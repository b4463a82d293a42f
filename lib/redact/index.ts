/**
 * Secret redaction for kubectl output (DESIGN.md section 6, `redact-secrets`).
 *
 * `redactText` decides how to read an output from the argv that produced it
 * and from the text itself, then:
 * 1. template output (`jsonpath`, `go-template`, `custom-columns`...) of a
 *    command that reads Secrets has no structure to trust: every token is
 *    masked (a custom-columns header stays);
 * 2. JSON and YAML are redacted structurally (`_json.ts`, `_yaml.ts`), other
 *    text by describe's layout (`_describe.ts`);
 * 3. pattern rules run over everything (`_patterns.ts`).
 *
 * Every pass is linear in the input, never throws, and is idempotent: the
 * mask is a fixed point of every rule. `redactResult` applies it to a
 * command's result for the policies that redact (`redact-secrets`, and
 * `read-only` over what Secret metadata commands print).
 */
import type { Result } from "../schemas.ts";
import { outputShape, type OutputShape } from "./_argv.ts";
import { redactDescribe } from "./_describe.ts";
import { redactJson } from "./_json.ts";
import { redactPatterns } from "./_patterns.ts";
import type { RedactRules } from "./_shared.ts";
import { redactYaml } from "./_yaml.ts";

export type { OutputShape } from "./_argv.ts";
export type { RedactRules } from "./_shared.ts";
export { isSensitiveKey } from "./_shared.ts";
export { outputShape };

/** The default mask. */
export const DEFAULT_MASK = "[REDACTED]";

/**
 * Environment variable names whose values are masked by default: passwords,
 * secrets, tokens, API and access keys, private keys, credentials, auth
 * material, DSNs, salts, cookies, and any name with a `KEY` word.
 */
export const DEFAULT_SENSITIVE_ENV_NAMES =
  /PASSW(?:OR)?D|PASSPHRASE|PWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE|CREDENTIAL|AUTH|(?:^|[_.-])KEY(?:$|[_.-])|DSN|SALT|COOKIE|SIGNATURE|CONN(?:ECTION)?_?STR/i;

/** Options for {@link createRules}. */
export interface RedactRulesOptions {
  /** @default "[REDACTED]" */
  mask?: string;
  /** @default DEFAULT_SENSITIVE_ENV_NAMES */
  sensitiveEnvNames?: RegExp;
  /** @default [] */
  extraPatterns?: readonly RegExp[];
}

// No whitespace, quotes, backslash, `:`, `=`, `/` or `@`: the mask can then never form a key/value
// pair, a URL or a header that a rule would match again, so it is a fixed point of every rule.
const MASK_SHAPE = /^[A-Za-z0-9_\-[\]<>()*#.!~+|]{1,64}$/;

/** Without `g`/`y`, `test` keeps no state between calls. */
const stateless = (re: RegExp): RegExp => new RegExp(re.source, re.flags.replace(/[gy]/g, ""));
const global = (re: RegExp): RegExp => new RegExp(re.source, re.flags.includes("g") ? re.flags.replace("y", "") : `${re.flags.replace("y", "")}g`);

/**
 * Builds the rules the passes share. Throws a `TypeError` when the mask is
 * not 1-64 of `A-Z a-z 0-9 _ - [ ] < > ( ) * # . ! ~ + |` (it must read
 * the same in JSON, YAML and plain text, stay one token, and match no rule),
 * or when a pattern is not a RegExp.
 */
export function createRules(options: RedactRulesOptions = {}): RedactRules {
  const mask = options.mask ?? DEFAULT_MASK;
  if (typeof mask !== "string" || !MASK_SHAPE.test(mask)) {
    throw new TypeError("redact: mask must be 1-64 of the characters A-Z a-z 0-9 _ - [ ] < > ( ) * # . ! ~ + |");
  }
  const envNames = stateless(options.sensitiveEnvNames ?? DEFAULT_SENSITIVE_ENV_NAMES);
  const extraPatterns = (options.extraPatterns ?? []).map((re) => {
    if (!(re instanceof RegExp)) throw new TypeError("redact: extraPatterns must be regular expressions");
    return global(re);
  });
  return {
    mask,
    sensitiveEnvName: (name) => envNames.test(name.length > 256 ? name.slice(0, 256) : name),
    extraPatterns,
  };
}

/** Masks every non-blank token, keeping line structure (and a custom-columns header). */
function maskAll(text: string, mask: string, keepHeader: boolean): string {
  const lines = text.split("\n");
  const header = keepHeader ? lines.findIndex((l) => l.trim() !== "") : -1;
  return lines.map((line, i) => (i === header ? line : line.replace(/\S+/g, mask))).join("\n");
}

const SECRET_KIND_LINE = /^[ \t]*kind:[ \t]*["']?Secret["']?[ \t]*\r?$/m;
const looksLikeJson = (text: string): boolean => /^\s*[{[]/.test(text);
const looksLikeYaml = (text: string): boolean => /^(?:---\r?\n)?(?:apiVersion|kind|items|metadata):/.test(text);

/**
 * Redacts one output. `argv` (without the `kubectl` word) tells the printer
 * and whether Secrets were read; `shape` may be passed instead when known.
 * Returns the text itself when nothing was masked.
 */
export function redactText(text: string, rules: RedactRules, from: { argv?: readonly string[]; shape?: OutputShape } = {}): string {
  if (text === "") return text;
  const shape = from.shape ?? outputShape(from.argv ?? []);
  let current = redactOnce(text, rules, shape, from.argv);
  if (current === text) return text;
  // One pass's mask can expose a match to another rule (a line losing its key, say); repeat to a
  // fixed point so the result is idempotent. Real output settles on the second pass.
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const next = redactOnce(current, rules, shape, from.argv);
    if (next === current) return current;
    current = next;
  }
  // Still moving: give up on structure. Mask tokens match no rule, so this is a fixed point too.
  return maskAll(current, rules.mask, false);
}

const MAX_PASSES = 4;

function redactOnce(text: string, rules: RedactRules, shape: OutputShape, argv: readonly string[] | undefined): string {
  const { format, readsSecrets } = shape;
  if (readsSecrets && (format === "template" || format === "unknown")) {
    return maskAll(text, rules.mask, format === "template" && isCustomColumns(argv));
  }
  let out = text;
  let structured = false;
  // JSON or YAML from an unknown printer, or from the default one when Secrets were read (`get --raw .../secrets/x`).
  const sniff = format === "unknown" || (format === "default" && readsSecrets);
  if (format === "json" || (sniff && looksLikeJson(text))) {
    out = redactJson(out, rules);
    structured = true;
  } else if (format === "yaml" || (sniff && looksLikeYaml(text))) {
    out = redactYaml(out, rules);
    structured = true;
  } else {
    out = redactDescribe(out, rules);
    // A Secret manifest inside other text (a log that dumps one): read it as yaml too, best effort.
    if (SECRET_KIND_LINE.test(out)) out = redactYaml(out, rules);
  }
  return redactPatterns(out, rules, structured);
}

/** custom-columns prints a header of column names first, unless `--no-headers` (any spelling) is given. */
function isCustomColumns(argv: readonly string[] | undefined): boolean {
  if (!Array.isArray(argv)) return false;
  const strings = argv.filter((a): a is string => typeof a === "string");
  return strings.some((a) => a.includes("custom-columns")) && !strings.some((a) => /^--no[-_]headers/.test(a));
}

/**
 * Redacts a command's result: `output` by the argv that produced it, `error`
 * (stderr may hold request and response bodies, or a value quoted in an
 * error message) as plain text. The result gets `redacted: true` when
 * anything was masked and is returned untouched otherwise. Never throws: if
 * redaction itself fails, the result is a `POLICY_FAILED` failure naming
 * `policy`, with no output, so nothing unredacted leaves.
 */
export function redactResult(result: Result, rules: RedactRules, argv: readonly string[] | undefined, policy: string): Result {
  try {
    const shape = outputShape(argv);
    const output = typeof result.output === "string" ? result.output : String(result.output ?? "");
    const redactedOutput = redactText(output, rules, { argv, shape });
    const error = typeof result.error === "string" ? redactText(result.error, rules, { shape: { format: "default", readsSecrets: false } }) : result.error;
    if (redactedOutput === result.output && error === result.error) return result;
    return { ...result, output: redactedOutput, ...(error === undefined ? {} : { error }), redacted: true };
  } catch {
    // Unreachable by design; answered as the pipeline answers a failed after hook.
    return {
      ...result,
      status: "failure",
      output: "",
      code: "POLICY_FAILED",
      policy,
      error: `policy ${JSON.stringify(policy)} failed after execution; output withheld`,
      redacted: true,
    };
  }
}
