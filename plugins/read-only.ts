/**
 * The `read-only` policy: only read-only kubectl commands pass, judged by a
 * real kubectl grammar (`lib/kubectl`) rather than by word matching. It runs
 * on both sides; the agent re-checks because it does not trust the API.
 */
import { DEFAULT_MAX_VERBOSITY, DEFAULT_RESTRICTED_RESOURCES, isStreaming, parseKubectl } from "../lib/kubectl/index.ts";
import { allow, definePolicy, deny } from "../lib/policy.ts";

/** Options for {@link readOnly}. */
export interface ReadOnlyOptions {
  /**
   * Resources denied whatever their spelling (`secret`, `Secret/x`,
   * `secrets.v1.`...). Replaces the default list; include `"secrets"` to keep it.
   * @default ["secrets"]
   */
  restrictedResources?: string[];
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
 * `streaming`.
 */
export const readOnly = (options: ReadOnlyOptions = {}) => {
  const restrictedResources = Object.freeze([...(options.restrictedResources ?? DEFAULT_RESTRICTED_RESOURCES)]);
  const maxVerbosity = options.maxVerbosity ?? DEFAULT_MAX_VERBOSITY;
  const allowFollow = options.allowFollow ?? true;
  return definePolicy({
    id: "read-only",
    description: "Allows only read-only kubectl commands, parsed with kubectl's own flag rules",
    before: (ctx) => {
      const parsed = parseKubectl(ctx.argv, { restrictedResources, maxVerbosity });
      if (!parsed.ok) return deny(`${parsed.rule}: ${parsed.reason}`);
      if (!allowFollow && isStreaming(parsed.command)) {
        return deny(`streaming: ${JSON.stringify(parsed.command.path.join(" "))} would not end on its own and streaming is disabled`);
      }
      return allow();
    },
  });
};

export default readOnly;
