/**
 * Reading the audit log, with its access rule in one place: admins read and
 * verify every entry; any other identity reads only the entries it made.
 */
import { verifyAuditChain, type VerifyAuditOptions } from "./audit.ts";
import type { CoreContext } from "./context.ts";
import type { AuditQuery } from "./contracts.ts";
import { requireRole } from "./identity.ts";
import type { Identity } from "./schemas.ts";

/** Audit reads for one Kubently instance. */
export function auditService(ctx: CoreContext) {
  const log = ctx.backend.audit;
  return {
    /** Matching entries, newest first; a caller who is not an admin sees only its own. */
    async query(identity: Identity, filter: Omit<AuditQuery, "identity"> = {}) {
      return log.query({ ...filter, ...(identity.role === "admin" ? {} : { identity: identity.name }) });
    },
    /** Checks the hash chain (admins only). */
    async verify(identity: Identity, options: VerifyAuditOptions = {}) {
      requireRole(identity, ["admin"], "verify the audit log");
      return verifyAuditChain(log, options);
    },
  };
}

/** The audit service type. */
export type AuditService = ReturnType<typeof auditService>;
