/**
 * Kubently: real-time, read-only Kubernetes debugging for AI agents and people.
 * The library entry: `import { createKubently } from "kubently"`.
 */
export { createKubently, VERSION, type Kubently, type KubentlyOptions, type LocalAgentOptions } from "./kubently.ts";
export { memoryBackend, type MemoryBackendOptions } from "../adapters/memory/index.ts";
export { startAgent, backoffDelay, type AgentJob, type AgentOptions, type AgentTransport, type RunningAgent } from "./agent/agent.ts";
export { echoExecutor, kubectlExecutor, type ExecOptions, type ExecOutput, type Executor, type KubectlExecutorOptions } from "./agent/executors.ts";
export { autoExecutor, kubectlAvailable, nativeExecutor, type AutoExecutorOptions, type CoveringExecutor, type NativeExecutorOptions } from "./agent/native.ts";
export { httpTransport, localTransport, type HttpTransportOptions } from "./agent/transports.ts";
export { allow, createPipeline, definePolicy, deny, rewrite, type Policy, type PolicyContext, type PolicyDecision, type PolicyPipeline, type PolicySide } from "./policy.ts";
export { chainAuditEntry, verifyAuditChain, AUDIT_GENESIS, type AuditVerification } from "./audit.ts";
export { KubentlyError, ERROR_CODES, isKubentlyError, type ErrorCode } from "./errors.ts";
export { LIMITS } from "./limits.ts";
export { parseApiKeys, type ConfiguredKey } from "./identity.ts";
export { serve, type HttpServer, type ServeOptions } from "./http/serve.ts";
export type * from "./contracts.ts";
export type * from "./schemas.ts";
export type { ExecuteInput, ExecuteOutcome } from "./execute.ts";
export { httpClient, localClient, type CommandView, type ExecuteRequest, type HttpClientOptions, type KubentlyClient, type OnChunk, type SessionView, type StreamRequest } from "./client.ts";
export { createMcpServer, mcpHttpHandler, runMcpStdio, type McpCallTracker, type McpHost, type McpHttpOptions, type McpServerOptions, type McpStdioOptions } from "./mcp/index.ts";
export { createSigner, createVerifier, generateSigningKeyPem, type CommandSigner, type CommandVerifier } from "./signing.ts";
export { createA2AHandler, startA2AServer, type A2AHandler, type A2AOptions, type A2AServer, type A2AServerOptions } from "./a2a/index.ts";
export { RESULT_CODES, type ResultCode } from "./results.ts";
