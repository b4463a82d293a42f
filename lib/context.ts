/**
 * What every service function receives: the backend bundle, the API-side
 * policy pipeline, the authenticator and the metrics registry.
 */
import type { Backend } from "./contracts.ts";
import type { Authenticator } from "./identity.ts";
import type { Metrics } from "./metrics.ts";
import type { PolicyPipeline } from "./policy.ts";
import type { CommandSigner } from "./signing.ts";

/** Shared state of one Kubently instance. */
export interface CoreContext {
  backend: Backend;
  /** Policies run before a command is queued. */
  pipeline: PolicyPipeline;
  authenticator: Authenticator;
  metrics: Metrics;
  /** Signs every queued command; agents verify before running. A kept key's signer throws `BACKEND_UNAVAILABLE` until `ready()` has loaded it. */
  signer: CommandSigner;
}
