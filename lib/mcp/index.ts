/**
 * The Kubently MCP server: the same tools over streamable HTTP (mounted at
 * `/mcp` on the API) and over stdio (`kubently mcp`). See docs/mcp.md.
 */
export { createMcpServer, type McpCallTracker, type McpServerOptions } from "./server.ts";
export { mcpHttpHandler, type McpHost, type McpHttpOptions } from "./http.ts";
export { runMcpStdio, type McpStdioOptions, type McpStdioServer } from "./stdio.ts";
export { MCP_TOOL_NAMES, toolDefinitions, type McpToolName } from "./tools.ts";
