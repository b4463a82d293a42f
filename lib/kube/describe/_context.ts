/** The contract every describer implements. */
import type { KubeObject, KubeReader } from "../_types.ts";

/** What a describer may use besides the object itself. */
export interface DescribeContext {
  /** Reads related objects (events, owned ReplicaSets, a node's pods...). */
  reader: KubeReader;
  /** The clock ages are computed against (epoch ms). */
  now: number;
  /** Whether to look up and print the Events section (`--show-events`). */
  showEvents: boolean;
  signal?: AbortSignal;
}

/**
 * Fetches what `object` needs from `ctx.reader`, then renders it with a pure
 * function of the data and `ctx.now`, the way kubectl's pkg/describe splits a
 * `Describer` from its `describeX` function.
 */
export type Describer = (object: KubeObject, ctx: DescribeContext) => Promise<string>;

/** Options of the reads a describer makes. */
export function readOptions(ctx: DescribeContext): { signal?: AbortSignal } {
  return ctx.signal ? { signal: ctx.signal } : {};
}
