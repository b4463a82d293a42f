/**
 * The `read-only` policy: only read-only kubectl commands pass, judged by a
 * real kubectl grammar (`lib/kubectl`) rather than by word matching. It runs
 * on both sides; the agent re-checks because it does not trust the API.
 */
import { DEFAULT_MAX_VERBOSITY, DEFAULT_RESTRICTED_RESOURCES, isStreaming, parseKubectl, resourceKey } from "../lib/kubectl/index.ts";
// Until lib/kubectl/index.ts re-exports them.
import { SECRETS_MODES, type SecretsMode } from "../lib/kubectl/secrets.ts";
import { allow, definePolicy, deny } from "../lib/policy.ts";
import { createRules, outputShape, redactResult } from "../lib/redact/index.ts";

export type { SecretsMode };

/** Options for {@link readOnly}. */
export interface ReadOnlyOptions {
  /**
   * Resources denied whatever their spelling (`secret`, `Secret/x`,
   * `secrets.v1.`...). Replaces the default list; include `"secrets"` to keep
   * Secrets restricted (then `secrets` says how).
   * @default ["secrets"]
   */
  restrictedResources?: string[];
  /**
   * How restricted Secrets are read. `"metadata"`: `get` as a table (default,
   * `-o wide`, `--show-labels`, `-L`, `-w`...) or `-o name`, and `describe`
   * (key names and byte counts; this policy masks the token kubectl prints
   * for service-account-token Secrets), so "secret not found" can be
   * debugged; `-o json|yaml`, templates, `--sort-by`/`--field-selector` on
   * content, other verbs and non-core spellings (`secrets.example.com`) stay
   * denied. `"deny"`: every command that names Secrets is denied.
   * @default "metadata"
   */
  secrets?: SecretsMode;
  /**
   * Allow commands that never end on their own (`logs -f`, `get -w`,
   * `--watch-only`, `rollout status` watching). When false they are denied
   * with rule `streaming`.
   * @default true
   */
  allowFollow?: boolean;
  /**
   * Highest `-v` level accepted; from 5 up kubectl logs request and
   * response bodies, Secrets included.
   * @default 4
   */
  maxVerbosity?: number;
}

/**
 * Creates the `read-only` policy. Denials read `<rule>: <reason>`, where
 * `<rule>` is one of the grammar's stable ids (`RULES` in `lib/kubectl`) or
 * `streaming`. An invalid `secrets` option throws a `TypeError` here.
 */
export const readOnly = (options: ReadOnlyOptions = {}) => {
  const restrictedResources = Object.freeze([...(options.restrictedResources ?? DEFAULT_RESTRICTED_RESOURCES)]);
  const maxVerbosity = options.maxVerbosity ?? DEFAULT_MAX_VERBOSITY;
  const allowFollow = options.allowFollow ?? true;
  const secrets = options.secrets ?? "metadata";
  if (!SECRETS_MODES.includes(secrets)) throw new TypeError(`read-only: secrets must be one of ${SECRETS_MODES.map((m) => JSON.stringify(m)).join(", ")}`);
  // The policy that lets Secret metadata through also guarantees no value leaves with it, whatever
  // other policies run: in the agent, output of a command that reads Secrets (kubectl's describe of a
  // service-account token, above all) is redacted here too, with the default rules.
  const guardsSecrets = secrets === "metadata" && restrictedResources.some((r) => resourceKey(r) === "secrets");
  const rules = guardsSecrets ? createRules() : null;
  return definePolicy({
    id: "read-only",
    description: "Allows only read-only kubectl commands, parsed with kubectl's own flag rules",
    before: (ctx) => {
      const parsed = parseKubectl(ctx.argv, { restrictedResources, maxVerbosity, secrets });
      if (!parsed.ok) return deny(`${parsed.rule}: ${parsed.reason}`);
      if (!allowFollow && isStreaming(parsed.command)) {
        return deny(`streaming: ${JSON.stringify(parsed.command.path.join(" "))} would not end on its own and streaming is disabled`);
      }
      return allow();
    },
    after: (ctx, result) => (rules && outputShape(ctx.argv).readsSecrets ? redactResult(result, rules, ctx.argv, "read-only") : result),
  });
};

export default readOnly;
