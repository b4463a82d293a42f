/**
 * The A2A task store: in memory, scoped by caller (and A2A tenant), with a
 * cap on how many tasks are kept and an idle TTL. A task is forgotten
 * `ttlMs` after its last update, or earlier when `maxTasks` newer tasks
 * push it out; `tasks/get` then answers "task not found". Tasks never hold
 * more than the command output the caller already received.
 */
import type { ListTasksRequest, ListTasksResponse, Task } from "@a2a-js/sdk";
import { RequestMalformedError } from "@a2a-js/sdk/errors";
import type { ServerCallContext, TaskStore } from "@a2a-js/sdk/server";
import { BoundedMap } from "./_bounded-map.ts";

/** Options for {@link boundedTaskStore}. */
export interface BoundedTaskStoreOptions {
  /** Tasks kept at most, across all callers; the least recently updated go first. @default 10000 */
  maxTasks?: number;
  /** How long a task is kept after its last update, in ms. @default 3600000 (one hour) */
  ttlMs?: number;
}

/** Who owns a task: the caller's service identity (tasks are never visible to other identities). */
export const taskOwner = (context: ServerCallContext): string => (context.user?.isAuthenticated ? context.user.userName : "");

const scopeKey = (context: ServerCallContext) => `${context.tenant ?? ""}\n${taskOwner(context)}\n`;

/** A capped, expiring, caller-scoped {@link TaskStore}. */
export function boundedTaskStore(options: BoundedTaskStoreOptions = {}): TaskStore & { readonly size: number; clear(): void } {
  const tasks = new BoundedMap<string, Task>({ max: options.maxTasks ?? 10_000, ttlMs: options.ttlMs ?? 3_600_000 });
  return {
    get size() {
      return tasks.size;
    },
    clear() {
      tasks.clear();
    },
    async load(taskId, context) {
      const task = tasks.get(scopeKey(context) + taskId);
      return task ? structuredClone(task) : undefined;
    },
    async save(task, context) {
      // A caller that is not authenticated never gets here (the transport refuses it first); refuse anyway.
      if (!taskOwner(context)) throw new Error("refusing to store a task for an unauthenticated caller");
      tasks.set(scopeKey(context) + task.id, structuredClone(task));
    },
    async list(params: ListTasksRequest, context): Promise<ListTasksResponse> {
      const prefix = scopeKey(context);
      const pageSize = params.pageSize ?? 50;
      let list: Task[] = [];
      for (const [key, task] of tasks.entries()) if (key.startsWith(prefix)) list.push(task);
      if (params.contextId) list = list.filter((t) => t.contextId === params.contextId);
      if (params.status) list = list.filter((t) => t.status?.state === params.status);
      if (params.statusTimestampAfter) {
        const after = Date.parse(params.statusTimestampAfter);
        list = list.filter((t) => t.status?.timestamp !== undefined && Date.parse(t.status.timestamp) > after);
      }
      // Newest first; ties broken by id so pages are stable.
      list.sort((a, b) => (b.status?.timestamp ?? "").localeCompare(a.status?.timestamp ?? "") || b.id.localeCompare(a.id));
      const totalSize = list.length;
      if (params.pageToken) {
        const cursor = decodeCursor(params.pageToken);
        const at = list.findIndex((t) => (t.status?.timestamp ?? "") === cursor.timestamp && t.id === cursor.id);
        list = at < 0 ? [] : list.slice(at + 1);
      }
      const page = list.slice(0, pageSize);
      const last = page.at(-1);
      return {
        tasks: page.map((t) => {
          const copy = structuredClone(t);
          if (!params.includeArtifacts) copy.artifacts = [];
          return copy;
        }),
        nextPageToken: last && list.length > page.length ? Buffer.from(`${last.status?.timestamp ?? ""}|${last.id}`).toString("base64url") : "",
        pageSize,
        totalSize,
      };
    },
  };
}

function decodeCursor(token: string): { timestamp: string; id: string } {
  const text = Buffer.from(token, "base64url").toString("utf8");
  const bar = text.indexOf("|");
  if (bar < 0) throw new RequestMalformedError("invalid page token");
  return { timestamp: text.slice(0, bar), id: text.slice(bar + 1) };
}
