/** The library's version, reported by `/health`, agents, A2A and MCP. */
export const VERSION = "0.1.0";
