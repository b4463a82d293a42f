/**
 * The A2A (agent-to-agent) server: agent card, JSON-RPC with SSE streaming
 * (A2A v1.0 and v0.3 method names), and a WebSocket endpoint under Bun.
 * Every command runs through `localClient` as the caller, so policy, audit
 * and limits apply exactly as for REST. See docs/a2a.md.
 *
 * @example
 * const a2a = await startA2AServer(kubently, { publicUrl: "http://localhost:8000/", port: 8000 });
 */
export { createA2AHandler, checkPublicUrl, AGENT_CARD_PATHS, WEBSOCKET_PATH, type A2AHandler, type A2AOptions } from "./handler.ts";
export { startA2AServer, type A2AServer, type A2AServerOptions } from "./server.ts";
export { buildAgentCard, type CardCluster, type CardInfo } from "./card.ts";
export { parseTextRequest, parseClusterReply, TEXT_EXAMPLES, type TextRequest, type TextRequestResult } from "./text-request.ts";
export { splitCommandLine, MAX_COMMAND_LINE_LENGTH, type SplitResult } from "../kubectl/index.ts";
export { readMessage, CommandDataSchema, type MessageIntent, type ReadResult } from "./input.ts";
export { boundedTaskStore, type BoundedTaskStoreOptions } from "./task-store.ts";
export { KubentlyUser, type CallMeta } from "./executor.ts";
export { WEBSOCKET_SUBPROTOCOL, WEBSOCKET_KEY_PREFIX, webSocketProtocols, type BunServerLike, type BunWebSocketHandler } from "./websocket.ts";
