/**
 * Agent presence as events. `agent.connected` and a graceful
 * `agent.lost` are published where the cluster service sees them (a poll
 * or heartbeat from an agent unseen for `LIMITS.agentStaleMs`; a goodbye
 * heartbeat). An agent that vanishes says nothing, so a watch lists the
 * clusters every `LIMITS.agentStaleCheckMs` and publishes `agent.lost`
 * for each one it saw connected that has gone stale.
 *
 * Every replica on a shared backend watches. An `agent.lost` names the
 * `last_seen_at` it is about, and a replica that already has that loss
 * (its own or relayed from another) does not publish it again, so one
 * crash is one event unless two replicas notice it within the same
 * moment.
 */
import type { AuthStore } from "../contracts.ts";
import { LIMITS } from "../limits.ts";
import type { EventBus } from "./bus.ts";

/** The watch of one instance. */
export interface AgentWatch {
  /** One pass now (the timer runs them too). */
  check(now?: number): Promise<void>;
  /** Stops the timer and the subscription. */
  stop(): void;
}

/** Options for {@link watchAgents}. */
export interface AgentWatchOptions {
  /** Time between passes; 0: no timer (call `check`). @default LIMITS.agentStaleCheckMs */
  intervalMs?: number;
}

/** Starts watching the clusters of `auth` for agents that went stale. */
export function watchAgents(auth: Pick<AuthStore, "listClusters">, bus: EventBus, options: AgentWatchOptions = {}): AgentWatch {
  /** Clusters seen connected at the last pass, with the lastSeenAt they had. */
  let connected: Map<string, number> | undefined;
  /** Per cluster, the lastSeenAt of the last loss published (here or on another replica). */
  const announced = new Map<string, number>();
  let stopped = false;
  let running: Promise<void> | undefined;

  const leave = bus.observe((e) => {
    const seen = e.data.last_seen_at;
    if (e.type === "agent.lost" && e.clusterId !== undefined && typeof seen === "number") announced.set(e.clusterId, seen);
  });

  async function pass(now: number): Promise<void> {
    const clusters = await auth.listClusters();
    const next = new Map<string, number>();
    for (const c of clusters) {
      const seen = c.lastSeenAt ?? 0;
      if (seen > 0 && now - seen < LIMITS.agentStaleMs) {
        next.set(c.id, seen);
        continue;
      }
      // Only a loss seen here: a graceful stop (lastSeenAt 0) was published by whoever took the goodbye.
      if (!connected?.has(c.id) || seen === 0 || announced.get(c.id) === seen) continue;
      announced.set(c.id, seen);
      bus.publish({ type: "agent.lost", clusterId: c.id, data: { reason: "stale", last_seen_at: seen, ...(c.agent?.agentId ? { agent_id: c.agent.agentId } : {}) } });
    }
    for (const id of announced.keys()) if (next.has(id)) announced.delete(id);
    connected = next;
  }

  const check = (now = Date.now()): Promise<void> =>
    (running ??= pass(now)
      .catch((e: unknown) => console.error("[kubently] agent watch:", e instanceof Error ? e.message : e))
      .finally(() => (running = undefined)));

  const intervalMs = options.intervalMs ?? LIMITS.agentStaleCheckMs;
  const timer = intervalMs > 0 ? setInterval(() => void (stopped || check()), intervalMs) : undefined;
  (timer as { unref?: () => void } | undefined)?.unref?.();
  void check();

  return {
    check,
    stop() {
      stopped = true;
      clearInterval(timer);
      leave();
    },
  };
}
