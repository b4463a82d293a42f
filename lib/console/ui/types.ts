/**
 * The API's answers as the console reads them (docs/rest-api.md,
 * docs/diagnostics.md). Written out here rather than imported from the
 * server's views so the browser code stays free of server modules; a type
 * that lib/schemas.ts defines (which imports nothing server-side) is
 * imported as a type instead of copied.
 */

// Types only, erased from the bundle: the entry shape is the server's own (lib/schemas.ts imports nothing server-side).
import type { AuditEntry } from "../../schemas.ts";

/** `GET /ui/session`, and `POST /ui/login` (without `expires_at`). */
export interface SessionInfo {
  username: string;
  role: string;
  csrf_token: string;
  expires_at?: string;
}

/** What an agent reports about itself. */
export interface AgentInfo {
  agentId?: string;
  version?: string;
  kubectlVersion?: string;
  kubernetesVersion?: string;
  executor?: string;
  capabilities?: string[];
  nativeCommands?: string[];
  analyzers?: string[];
  activeSessions?: number;
  state?: "running" | "stopped";
  concurrency?: number;
}

/** `GET /debug/clusters/{id}`. */
export interface ClusterView {
  cluster_id: string;
  connected: boolean;
  created_at: string | null;
  last_seen: string | null;
  agent: AgentInfo | null;
  active_sessions: number;
  queue_depth: number;
  has_token: boolean;
}

/** `POST /debug/execute`, `GET /debug/result/{id}`. */
export interface CommandView {
  command_id: string;
  session_id: string | null;
  cluster_id: string;
  argv?: string[];
  status: string;
  success: boolean;
  correlation_id: string;
  output: string;
  error: string | null;
  code: string | null;
  policy: string | null;
  exit_code: number | null;
  truncated: boolean;
  redacted: boolean;
  execution_time_ms: number | null;
  executed_at: string | null;
}

/** One diagnostics finding. */
export interface Finding {
  id: string;
  analyzer: string;
  code: string;
  severity: "critical" | "warning" | "info";
  namespace?: string | null;
  resource: { kind: string; name: string };
  title: string;
  evidence: string[];
  confirm: string[][];
  hint?: string;
}

/** `POST /debug/diagnose`. */
export interface DiagnoseView {
  cluster_id: string;
  command_id: string;
  correlation_id: string;
  status: string;
  success: boolean;
  findings: Finding[];
  summary: { critical: number; warning: number; info: number; total: number };
  analyzed: { namespace?: string | null; kinds?: string[]; objects?: number; analyzers?: string[]; unavailable?: unknown[] } | null;
  errors?: unknown[];
  truncated: boolean;
  redacted: boolean;
  duration_ms: number | null;
  error: string | null;
  code: string | null;
  policy: string | null;
}

/** One entry of `GET /audit` (camelCase, as stored, plus `timestamp`). */
export type AuditEntryView = AuditEntry & { timestamp: string };

/** `GET /audit/verify`. */
export interface VerifyView {
  ok: boolean;
  count: number;
  firstSeq?: number;
  lastSeq?: number;
  partial: boolean;
  brokenAt?: number;
  reason?: string;
}

/** `GET /admin/keys` entries. */
export interface KeyView {
  id: string;
  name: string;
  role: string;
  clusters: string[] | null;
  namespaces: string[] | null;
  created_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** `GET /admin/agents` entries. */
export interface AgentView {
  id: string;
  connected: boolean;
  lastSeen: string | null;
}
