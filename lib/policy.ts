/**
 * Command policies (DESIGN.md section 6). A policy is a plain object
 * `{ id, before?, after? }`; policies run in registration order on the API
 * side (before queueing) and again on the agent side (before executing, and
 * `after` hooks there so redacted data never leaves the cluster).
 *
 * The pipeline fails closed: a `before` hook that throws or returns something
 * that is not a decision denies the command; an `after` hook that throws
 * replaces the result with a failure carrying no output.
 */
import * as v from "valibot";
import { KubentlyError } from "./errors.ts";
import type { Identity, Result } from "./schemas.ts";

/** Where a policy runs. */
export type PolicySide = "api" | "agent";

/** What a `before` hook sees. */
export interface PolicyContext {
  side: PolicySide;
  /** kubectl arguments without the `kubectl` word, after earlier rewrites. */
  argv: readonly string[];
  clusterId: string;
  /** The caller (API side) — on the agent side only `requestedBy` is known. */
  identity?: Identity;
  /** Name of the identity that asked for the command. */
  requestedBy: string;
  sessionId?: string;
  commandId?: string;
  /**
   * A dry run (`POST /debug/policy/explain`): decide as for a real command,
   * but spend nothing a real command would (rate-limit quota).
   */
  dryRun?: boolean;
}

/** A `before` hook's answer. */
export type PolicyDecision =
  | { effect: "allow" }
  | { effect: "deny"; reason: string; code?: DenyCode; retryAfterMs?: number }
  | { effect: "rewrite"; argv: string[]; reason?: string };

/** Lets the command through (to the next policy). */
export const allow = (): PolicyDecision => ({ effect: "allow" });
/**
 * How a denial is answered: `POLICY_DENIED` (default) is a result with
 * status `denied`; `RATE_LIMITED` is an HTTP 429 with `Retry-After`.
 */
export type DenyCode = "POLICY_DENIED" | "RATE_LIMITED";

/** Stops the command; `reason` is shown to the caller and audited. */
export const deny = (reason: string, extra: { code?: DenyCode; retryAfterMs?: number } = {}): PolicyDecision => ({ effect: "deny", reason, ...extra });
/** Replaces argv for the policies after this one and for execution. */
export const rewrite = (argv: string[], reason?: string): PolicyDecision =>
  reason === undefined ? { effect: "rewrite", argv } : { effect: "rewrite", argv, reason };

/** A command policy. `id` is kebab-case and unique within a pipeline. */
export interface Policy {
  id: string;
  /** One line for docs and `explain`. */
  description?: string;
  /** Sides this policy runs on. @default ["api", "agent"] */
  sides?: readonly PolicySide[];
  /** Decides before execution; returning nothing means allow. */
  before?(ctx: PolicyContext): PolicyDecision | void | Promise<PolicyDecision | void>;
  /** Transforms the result (agent side, after execution); returning nothing keeps it. */
  after?(ctx: PolicyContext, result: Result): Result | void | Promise<Result | void>;
}

/** Returns its argument typed as a policy. */
export const definePolicy = <P extends Policy>(policy: P): P => policy;

const DecisionSchema = v.variant("effect", [
  v.object({ effect: v.literal("allow") }),
  v.object({
    effect: v.literal("deny"),
    reason: v.pipe(v.string(), v.minLength(1)),
    code: v.optional(v.picklist(["POLICY_DENIED", "RATE_LIMITED"])),
    retryAfterMs: v.optional(v.pipe(v.number(), v.minValue(0))),
  }),
  v.object({
    effect: v.literal("rewrite"),
    argv: v.pipe(v.array(v.string()), v.minLength(1)),
    reason: v.optional(v.string()),
  }),
]);

/** The outcome of running every `before` hook. */
export interface PipelineDecision {
  allowed: boolean;
  /** The argv to execute (after rewrites). */
  argv: string[];
  /** The policy that denied (or the last that rewrote). */
  policy?: string;
  reason?: string;
  /** Each rewrite, in order, for audit and explain. */
  rewrites: { policy: string; argv: string[]; reason?: string }[];
  /** How a denial is answered (see {@link DenyCode}). */
  code?: DenyCode;
  retryAfterMs?: number;
}

/** An ordered set of policies for one side. */
export interface PolicyPipeline {
  readonly policies: readonly Policy[];
  before(ctx: Omit<PolicyContext, "side">): Promise<PipelineDecision>;
  after(ctx: Omit<PolicyContext, "side">, result: Result): Promise<Result>;
}

const ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * Builds the pipeline for one side. Throws `BAD_REQUEST` when an id is
 * missing, not kebab-case, or registered twice.
 */
export function createPipeline(policies: readonly Policy[], side: PolicySide): PolicyPipeline {
  const seen = new Set<string>();
  for (const p of policies) {
    if (!p || typeof p.id !== "string" || !ID.test(p.id)) {
      throw new KubentlyError("BAD_REQUEST", `policy id ${JSON.stringify(p?.id)} must be kebab-case`);
    }
    if (seen.has(p.id)) throw new KubentlyError("BAD_REQUEST", `policy id "${p.id}" is registered twice`);
    seen.add(p.id);
  }
  const active = policies.filter((p) => (p.sides ?? ["api", "agent"]).includes(side));

  return {
    policies: active,
    async before(base) {
      let argv = [...base.argv];
      const rewrites: PipelineDecision["rewrites"] = [];
      for (const policy of active) {
        if (!policy.before) continue;
        let raw: unknown;
        try {
          raw = (await policy.before({ ...base, side, argv: Object.freeze([...argv]) })) ?? allow();
        } catch (err) {
          return { allowed: false, argv, policy: policy.id, reason: `policy failed: ${(err as Error)?.message ?? err}`, rewrites };
        }
        const parsed = v.safeParse(DecisionSchema, raw);
        if (!parsed.success) {
          return { allowed: false, argv, policy: policy.id, reason: "policy returned an invalid decision", rewrites };
        }
        const decision = parsed.output;
        if (decision.effect === "deny") {
          return {
            allowed: false,
            argv,
            policy: policy.id,
            reason: decision.reason,
            rewrites,
            ...(decision.code ? { code: decision.code } : {}),
            ...(decision.retryAfterMs !== undefined ? { retryAfterMs: decision.retryAfterMs } : {}),
          };
        }
        if (decision.effect === "rewrite") {
          argv = [...decision.argv];
          rewrites.push({ policy: policy.id, argv, ...(decision.reason ? { reason: decision.reason } : {}) });
        }
      }
      return { allowed: true, argv, rewrites };
    },
    async after(base, result) {
      let current = result;
      for (const policy of active) {
        if (!policy.after) continue;
        try {
          current = (await policy.after({ ...base, side }, current)) ?? current;
        } catch (err) {
          return {
            ...current,
            status: "failure",
            output: "",
            code: "POLICY_FAILED",
            policy: policy.id,
            error: `policy "${policy.id}" failed after execution; output withheld: ${(err as Error)?.message ?? err}`,
          };
        }
      }
      return current;
    },
  };
}
