/**
 * What every service function receives: the backend bundle, the API-side
 * policy pipeline, the authenticator, the metrics registry and the event bus.
 */
import type { Backend } from "./contracts.ts";
import type { EventBus } from "./events/bus.ts";
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
  /**
   * The instance's event bus (docs/events.md). In `createKubently`'s context,
   * `backend.audit` publishes the event of every entry it appends (see
   * `withPublishingAudit`); the cluster and diagnose services publish agent
   * and diagnosis events. Absent: `createServices` makes a bus of its own.
   */
  events?: EventBus;
}
