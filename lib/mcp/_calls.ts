/**
 * Tool calls in flight on the stateless MCP endpoint, per caller. An MCP
 * client cancels a request with `notifications/cancelled`, which arrives as
 * a new POST (a new server); the registry lets it stop the POST that runs
 * the call. Request ids are chosen by clients, so they are scoped by the
 * caller's identity, and a cancel that matches several calls of one caller
 * (clients sharing a key) stops none: it never stops a call it cannot tell
 * apart.
 */
import type { RequestId } from "@modelcontextprotocol/sdk/types.js";
import type { McpCallTracker } from "./server.ts";

/** The calls of one MCP endpoint (one API replica). */
export function callRegistry(): { for(owner: string, stop: () => void): McpCallTracker } {
  const running = new Map<string, Set<() => void>>();
  const keyOf = (owner: string, id: RequestId) => `${owner}\n${typeof id}:${id}`;
  return {
    /** The tracker of one POST by `owner`; `stop` ends that POST (its calls are cancelled, nothing is answered). */
    for(owner, stop) {
      return {
        begin(requestId) {
          const key = keyOf(owner, requestId);
          const calls = running.get(key) ?? new Set();
          running.set(key, calls.add(stop));
          return () => {
            calls.delete(stop);
            if (calls.size === 0 && running.get(key) === calls) running.delete(key);
          };
        },
        cancel(requestId) {
          const calls = running.get(keyOf(owner, requestId));
          if (calls?.size === 1) for (const s of calls) s();
        },
      };
    },
  };
}
