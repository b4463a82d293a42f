/**
 * The services of one Kubently instance, built over its context: what every
 * protocol edge (REST, MCP, A2A, in-process clients) calls, so policy, audit
 * and limits apply the same whatever the caller speaks.
 */
import { auditService, type AuditService } from "./audit-service.ts";
import { clusterService, type ClusterService } from "./clusters.ts";
import type { CoreContext } from "./context.ts";
import { diagnoseService, type DiagnoseService } from "./diagnose/service.ts";
import { createEventBus, type EventBus } from "./events/bus.ts";
import { eventService, type EventService } from "./events/service.ts";
import { executeService, type ExecuteService } from "./execute.ts";
import { keyService, type KeyService } from "./keys.ts";
import { createLogin, type Login, type LoginOptions } from "./login/index.ts";
import { sessionService, type SessionService } from "./sessions.ts";

/** The services. */
export interface Services {
  clusters: ClusterService;
  sessions: SessionService;
  execute: ExecuteService;
  diagnose: DiagnoseService;
  keys: KeyService;
  audit: AuditService;
  /** Subscriptions to the event bus within the caller's scope (docs/events.md). */
  events: EventService;
  /**
   * Human login (docs/login.md): console users, sessions, OIDC, and
   * `login.authenticate(request)`, the one way every route learns who a
   * request is (API key or bearer, else the session cookie with its CSRF rule).
   */
  login: Login;
}

/** What a protocol edge needs of a Kubently instance: its context and services. */
export interface KubentlyHost {
  readonly context: CoreContext;
  readonly services: Services;
}

/** Builds the services over `context` (given no event bus, they publish on one of their own). */
export function createServices(given: CoreContext, options: { login?: LoginOptions } = {}): Services {
  const context: CoreContext & { events: EventBus } = given.events ? (given as CoreContext & { events: EventBus }) : { ...given, events: createEventBus() };
  const clusters = clusterService(context);
  const sessions = sessionService(context, clusters);
  const execute = executeService(context, clusters, sessions);
  return {
    clusters,
    sessions,
    execute,
    diagnose: diagnoseService(execute, clusters, context.events),
    keys: keyService(context, clusters),
    audit: auditService(context),
    events: eventService(context),
    login: createLogin(context, options.login),
  };
}
