/**
 * The services of one Kubently instance, built over its context: what every
 * protocol edge (REST, MCP, A2A, in-process clients) calls, so policy, audit
 * and limits apply the same whatever the caller speaks.
 */
import { auditService, type AuditService } from "./audit-service.ts";
import { clusterService, type ClusterService } from "./clusters.ts";
import type { CoreContext } from "./context.ts";
import { diagnoseService, type DiagnoseService } from "./diagnose/service.ts";
import { executeService, type ExecuteService } from "./execute.ts";
import { keyService, type KeyService } from "./keys.ts";
import { sessionService, type SessionService } from "./sessions.ts";

/** The services. */
export interface Services {
  clusters: ClusterService;
  sessions: SessionService;
  execute: ExecuteService;
  diagnose: DiagnoseService;
  keys: KeyService;
  audit: AuditService;
}

/** What a protocol edge needs of a Kubently instance: its context and services. */
export interface KubentlyHost {
  readonly context: CoreContext;
  readonly services: Services;
}

/** Builds the services over `context`. */
export function createServices(context: CoreContext): Services {
  const clusters = clusterService(context);
  const sessions = sessionService(context, clusters);
  const execute = executeService(context, clusters, sessions);
  return {
    clusters,
    sessions,
    execute,
    diagnose: diagnoseService(execute, clusters),
    keys: keyService(context, clusters),
    audit: auditService(context),
  };
}
