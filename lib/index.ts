/**
 * Kubently: real-time, read-only Kubernetes debugging for AI agents and people.
 * The library entry: `import { createKubently } from "kubently"`. The MCP and
 * A2A servers are subpaths (`kubently/mcp`, `kubently/a2a`), so this entry
 * loads neither SDK; `createKubently` still serves both, loading each on
 * first use.
 */
export { createKubently, VERSION, type Kubently, type KubentlyOptions, type LocalAgentOptions } from "./kubently.ts";
// Logs (docs/operations.md#logs): the contract the instance and agents log through; a pino logger fits.
export { LOG_LEVELS, noopLogger, REDACTED, SECRET_KEYS, loggerFromCallback, scrubFields, type LogFields, type Logger, type LogLevel } from "./log/index.ts";
export { memoryBackend, type MemoryBackendOptions } from "../adapters/memory/index.ts";
export { startAgent, backoffDelay, type AgentJob, type AgentOptions, type AgentTransport, type RunningAgent } from "./agent/agent.ts";
export { echoExecutor, kubectlExecutor, type ExecOptions, type ExecOutput, type Executor, type KubectlExecutorOptions } from "./agent/executors.ts";
export { autoExecutor, kubectlAvailable, nativeExecutor, type AutoExecutorOptions, type CoveringExecutor, type NativeExecutorOptions } from "./agent/native.ts";
export { httpTransport, localTransport, type HttpTransportOptions } from "./agent/transports.ts";
export { allow, createPipeline, definePolicy, deny, rewrite, type Policy, type PolicyContext, type PolicyDecision, type PolicyPipeline, type PolicySide } from "./policy.ts";
export { chainAuditEntry, verifyAuditChain, AUDIT_GENESIS, type AuditVerification, type VerifyAuditOptions } from "./audit.ts";
export { KubentlyError, ERROR_CODES, isKubentlyError, type ErrorCode } from "./errors.ts";
export { LIMITS } from "./limits.ts";
export { parseApiKeys, type ConfiguredKey } from "./identity.ts";
export { nodeListener, serve, withBasePath, type HttpServer, type MountOptions, type ServeOptions } from "./http/serve.ts";
export type * from "./contracts.ts";
export type * from "./schemas.ts";
export type { ExecuteInput, ExecuteOutcome, FanoutInput } from "./execute.ts";
export { httpClient, localClient, type CommandView, type DiagnoseFanoutRequest, type DiagnoseFanoutView, type DiagnoseRequest, type DiagnoseView, type ExecuteRequest, type FanoutRequest, type FanoutView, type HttpClientOptions, type KubentlyClient, type OnChunk, type SessionView, type StreamRequest } from "./client.ts";
export { createSigner, createVerifier, generateSigningKeyPem, type CommandSigner, type CommandVerifier } from "./signing.ts";
export type { A2AServer, A2AServerOptions } from "./a2a/server.ts";
export { createServices, type KubentlyHost, type Services } from "./services.ts";
export { RESULT_CODES, type ResultCode } from "./results.ts";
// Diagnostics: the analyzer contract here; helpers, snapshots and the runner in `kubently/diagnose`.
export { defineAnalyzer, type Analyzer, type AnalyzeContext, type Diagnosis, type Finding, type Severity, type Snapshot, type SnapshotKind } from "./diagnose/index.ts";
// Events (docs/events.md): the bus type and what it carries; `kubently.services.events` subscribes within a caller's scope.
export { createEventBus, EVENT_TYPES, filterFor, type EventBus, type EventBusOptions, type EventInput, type EventSubscription, type EventType, type KubentlyEvent, type ResetReason, type SubscribeOptions } from "./events/index.ts";
// Human login (docs/login.md): options, the cookie and header names, password hashing; `kubently.services.login` holds the services.
export { CSRF_HEADER, SESSION_COOKIE, hashPassword, isSameOrigin, verifyPassword, type Login, type LoginOptions, type LoginRateLimit, type LoginService, type OidcOptions, type SessionView as ConsoleSessionView, type UserView } from "./login/index.ts";
