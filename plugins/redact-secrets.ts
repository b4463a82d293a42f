/**
 * The `redact-secrets` policy: masks Secret values in command output before
 * it leaves the cluster. It runs only on the agent side, as an `after` hook,
 * so what it masks never reaches the API, its queue, or the caller.
 *
 * Structural where the output has structure (Secret `data`/`stringData` and
 * the last-applied-configuration annotation in `-o json`/`-o yaml` and
 * Lists, sensitive `env` values, describe's `Data` and `Environment:`
 * sections), by pattern everywhere (bearer tokens, JWTs, private keys,
 * `password=`-style pairs, credentials in URLs, cloud and SaaS tokens); see
 * `docs/redaction.md` for the rules and their limits.
 */
import { definePolicy } from "../lib/policy.ts";
import { DEFAULT_MASK, DEFAULT_SENSITIVE_ENV_NAMES, createRules, redactResult } from "../lib/redact/index.ts";
import type { Result } from "../lib/schemas.ts";

export { DEFAULT_MASK, DEFAULT_SENSITIVE_ENV_NAMES };

/** Options for {@link redactSecrets}. */
export interface RedactSecretsOptions {
  /**
   * What replaces a secret value. 1-64 printable ASCII characters without
   * whitespace, quotes or backslash, so it reads the same in JSON, YAML and
   * text and the policy stays idempotent.
   * @default "[REDACTED]"
   */
  mask?: string;
  /**
   * Environment variable names whose literal values are masked (in `-o
   * yaml/json` `env` lists, describe's `Environment:` section, and JSON
   * `{"name","value"}` pairs). References (`valueFrom`) carry no value and
   * stay.
   * @default /PASSW(?:OR)?D|PASSPHRASE|PWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE|CREDENTIAL|AUTH|(?:^|[_.-])KEY(?:$|[_.-])|DSN|SALT|COOKIE|SIGNATURE|CONN(?:ECTION)?_?STR/i
   */
  sensitiveEnvNames?: RegExp;
  /**
   * More patterns to mask in any output, after the built-in ones; each whole
   * match becomes the mask. Keep them linear (no nested quantifiers): they
   * run over up to the output cap.
   * @default []
   */
  extraPatterns?: RegExp[];
}

/**
 * Creates the `redact-secrets` policy. The result gets `redacted: true` when
 * anything was masked (in `output` or `error`) and is returned untouched
 * otherwise. Invalid options throw a `TypeError` here, never during a run.
 */
export const redactSecrets = (options: RedactSecretsOptions = {}) => {
  const rules = createRules(options);
  return definePolicy({
    id: "redact-secrets",
    description: "Masks Secret data, tokens, keys and passwords in command output before it leaves the cluster",
    sides: ["agent"] as const,
    after: (ctx, result): Result => redactResult(result, rules, ctx?.argv, "redact-secrets"),
  });
};

export default redactSecrets;
