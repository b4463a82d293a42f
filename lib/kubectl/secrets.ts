/**
 * Secret metadata: the forms in which a restricted `secrets` may still be
 * read when the grammar runs with `secrets: "metadata"`. They print names,
 * types, key counts, labels, sizes and ages, never a value:
 * - `get` as a table (default, `-o wide`, `--show-labels`, `-L`, `-w`...)
 *   or `-o name`: the server's Secret table has no column holding data, and
 *   without server printing kubectl prints only NAME and AGE;
 * - `describe`: key names and byte counts. kubectl skips the
 *   last-applied-configuration annotation there, but prints the `token` of a
 *   service-account-token Secret in clear, so `describe` is allowed only
 *   together with the read-only policy's own output guard (see
 *   `plugins/read-only.ts`).
 *
 * Everything else that names a Secret stays denied: `-o json|yaml` (they
 * hold `data` and the last-applied annotation), every template (`-o
 * jsonpath=`, `jsonpath-as-json=`, `custom-columns=`: Kubently evaluates
 * them on redacted objects, but a template over Secrets is never needed to
 * read metadata, and denying it keeps the rule "no template reads a Secret"
 * independent of redaction), `--sort-by` and `--field-selector` on anything but
 * metadata (an order or a match would leak values), other verbs (`events
 * --for`, `logs`, `rollout`), and any spelling that may name something
 * other than the core Secret (`secrets.example.com`, `secret.v1`), whose
 * printer columns could show anything. Fail closed: what this module does
 * not recognise is denied.
 */
import { resourceKey, splitTypeNameArgs } from "./resources.ts";
import { templateOutput } from "./spec.ts";

/**
 * How a restricted `secrets` is treated: `"metadata"` allows the forms above,
 * `"deny"` denies every command that names Secrets.
 */
export type SecretsMode = "metadata" | "deny";

/** Every {@link SecretsMode}, for option checks. */
export const SECRETS_MODES: readonly SecretsMode[] = Object.freeze(["metadata", "deny"]);

// The core Secret as kubectl resolves it (apimachinery ParseResourceArg): `secret`, `Secrets`,
// `secrets.` (empty group) and `secrets.v1.` (core v1). `secrets.v1` would be group "v1".
const CORE_SPELLING = /^[A-Za-z]+(\.|\.v1\.)?$/;
// `--sort-by` paths that order by metadata only; kubectl also accepts them in braces or without the dot.
const METADATA_SORT = /^\{?\.?(metadata\.(name|namespace|creationTimestamp)|type)\}?$/;
/** What the rule reads of a parsed command (a `ParsedCommand` will do). */
export interface SecretRead {
  path: readonly string[];
  positionals: readonly string[];
  flags: ReadonlyMap<string, string | true>;
  output?: string;
}

const METADATA_OUTPUTS: readonly (string | undefined)[] = [undefined, "wide", "name"];
// The fields kube-apiserver lets a Secret list select on; anything else would be an oracle on the
// values where a server allowed it (the simulated cluster does).
const METADATA_FIELDS: readonly string[] = ["metadata.name", "metadata.namespace", "type"];
const FIELD_TERM = /^\s*([^\s=!]+)\s*(?:==|=|!=)/;

const q = (s: string): string => JSON.stringify(s.length > 80 ? `${s.slice(0, 77)}...` : s);

/**
 * null when `command` reads Secrets only in a form that prints no Secret
 * value; otherwise why not, naming the offending token.
 */
export function secretMetadataProblem(command: SecretRead): string | null {
  const verb = command.path.join(" ");
  if (verb !== "get" && verb !== "describe") {
    return `${q(verb)} cannot read Secrets; only get (as a table or -o name) and describe may`;
  }
  const split = splitTypeNameArgs(command.positionals);
  if (!split.ok) return split.reason;
  for (const { type } of split.args) {
    if (resourceKey(type) === "secrets" && !CORE_SPELLING.test(type)) {
      return `${q(type)} may name a resource other than the core Secret; write secrets (or secrets.v1.)`;
    }
  }
  if (verb === "describe") return null;
  const template = templateOutput(command.output);
  if (template) {
    // The format only: the template may be long, and it is the caller's text, not the Secret's.
    return `-o ${template.format}=… is a template, and templates never read Secrets; Secrets are readable only as tables (default, -o wide) and -o name`;
  }
  if (!METADATA_OUTPUTS.includes(command.output)) {
    return `-o ${command.output} would print Secret values; Secrets are readable only as tables (default, -o wide) and -o name`;
  }
  const sortBy = command.flags.get("sort-by");
  if (typeof sortBy === "string" && !METADATA_SORT.test(sortBy)) {
    return `--sort-by ${q(sortBy)} would order Secrets by their content; sort by .metadata.name, .metadata.namespace, .metadata.creationTimestamp or .type`;
  }
  const fieldSelector = command.flags.get("field-selector");
  if (typeof fieldSelector === "string") {
    for (const term of fieldSelector.split(",")) {
      const field = FIELD_TERM.exec(term)?.[1];
      if (field === undefined || !METADATA_FIELDS.includes(field)) {
        // The field only: the value may be a caller's guess at a Secret value, and reasons are audited.
        return `--field-selector on ${q(field ?? term.trim())} would test Secrets' content; select on metadata.name, metadata.namespace or type`;
      }
    }
  }
  return null;
}
