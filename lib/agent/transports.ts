/**
 * How an agent reaches the API: over HTTP (the normal, outbound-only case) or
 * in-process (`kubently all`, tests, library hosts running both halves).
 */
import { currentCarrier } from "../trace.ts";
import type { ClusterService } from "../clusters.ts";
import { KubentlyError } from "../errors.ts";
import type { AgentInfo, Result } from "../schemas.ts";
import type { AgentJob, AgentTransport } from "./agent.ts";

/** Options for {@link httpTransport}. */
export interface HttpTransportOptions {
  /** Base URL of the API, e.g. "https://kubently.example.com". */
  apiUrl: string;
  clusterId: string;
  /** The cluster's agent token. */
  token: string;
  agentId: string;
}

/** An error the agent should not retry (the API rejected what it sent). */
class PermanentError extends Error {
  readonly permanent = true;
}

/** Talks to the API's `/agent/*` endpoints. */
export function httpTransport(options: HttpTransportOptions): AgentTransport {
  const base = options.apiUrl.replace(/\/+$/, "");
  const headers = {
    authorization: `Bearer ${options.token}`,
    "x-cluster-id": options.clusterId,
    "x-agent-id": options.agentId,
  };
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method: "POST",
      // The active trace context (the command's span, when tracing): the API's span for this post joins the trace.
      headers: { ...headers, "content-type": "application/json", ...currentCarrier() },
      body: JSON.stringify(body),
    });
    if (res.ok) return res;
    const text = await res.text();
    const Err = res.status >= 400 && res.status < 500 && res.status !== 429 ? PermanentError : Error;
    throw new Err(`${path} answered ${res.status}: ${text.slice(0, 300)}`);
  };
  return {
    async config() {
      const res = await fetch(`${base}/agent/config`, { headers });
      if (!res.ok) throw new Error(`/agent/config answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
      const body = (await res.json()) as { public_keys: string[] };
      return { publicKeys: body.public_keys };
    },
    async lease({ waitMs, signal }) {
      const res = await fetch(`${base}/agent/commands?wait=${Math.ceil(waitMs / 1000)}`, { headers, signal });
      if (res.status === 204) return null;
      if (!res.ok) throw new Error(`/agent/commands answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
      const body = (await res.json()) as { lease_id: string; attempt: number; budget_ms: number; command: AgentJob["command"] };
      return { leaseId: body.lease_id, attempt: body.attempt, budgetMs: body.budget_ms, command: body.command };
    },
    async submit(job, result) {
      await post("/agent/results", { lease_id: job.leaseId, result });
    },
    async extend(job) {
      const res = await post("/agent/extend", { lease_id: job.leaseId, command_id: job.command.id });
      return ((await res.json()) as { active: boolean }).active;
    },
    async heartbeat(info) {
      await post("/agent/heartbeat", info);
    },
    async stream(job, chunk) {
      try {
        const res = await post("/agent/stream", { lease_id: job.leaseId, command_id: job.command.id, seq: chunk.seq, data: chunk.data });
        return ((await res.json()) as { active: boolean }).active;
      } catch (e) {
        if (e instanceof PermanentError) return false; // the API refused the chunk: stop
        throw e;
      }
    },
  };
}

/**
 * Calls the cluster service directly; the caller vouches for the agent.
 * `publicKeys` are the keys commands must be signed with, or a function
 * answering them when the agent first asks (a key still being loaded).
 */
export function localTransport(
  clusters: ClusterService,
  clusterId: string,
  agentId: string,
  publicKeys: readonly string[] | (() => Promise<readonly string[]>),
): AgentTransport {
  return {
    async config() {
      return { publicKeys: [...(typeof publicKeys === "function" ? await publicKeys() : publicKeys)] };
    },
    async lease({ waitMs, signal }) {
      const lease = await clusters.lease(clusterId, { waitMs, signal, agentId });
      return lease && { leaseId: lease.leaseId, attempt: lease.attempt, command: lease.command, budgetMs: lease.command.deadline - Date.now() };
    },
    async submit(job: AgentJob, result: Result) {
      try {
        await clusters.submitResult(clusterId, job.leaseId, result);
      } catch (e) {
        if (e instanceof KubentlyError && e.status < 500) Object.assign(e, { permanent: true });
        throw e;
      }
    },
    async heartbeat(info: AgentInfo) {
      await clusters.heartbeat(clusterId, info);
    },
    extend(job: AgentJob) {
      return clusters.extend(clusterId, job.leaseId, job.command.id);
    },
    async stream(job: AgentJob, chunk) {
      try {
        return await clusters.appendChunk(clusterId, job.leaseId, job.command.id, chunk);
      } catch (e) {
        if (e instanceof KubentlyError && e.status < 500) return false; // refused: stop, as over HTTP
        throw e;
      }
    },
  };
}
