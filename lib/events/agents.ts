/**
 * Agent presence as events. `agent.connected` and a graceful
 * `agent.lost` are published where the cluster service sees them (a poll
 * or heartbeat from an agent unseen for `LIMITS.agentStaleMs`; a goodbye
 * heartbeat). An agent that vanishes says nothing, so a watch looks every
 * `LIMITS.agentStaleCheckMs` for the clusters whose agent went stale since
 * its last look (last seen in the window that crossed the stale threshold
 * in between) and publishes `agent.lost` for each. With a store that has
 * `listClustersSeen` (Redis) a look reads only those clusters, so its cost
 * follows the agents that vanish, not the fleet.
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
export function watchAgents(auth: Pick<AuthStore, "listClusters" | "listClustersSeen">, bus: EventBus, options: AgentWatchOptions = {}): AgentWatch {
  /** The stale threshold at the last pass: clusters last seen before it were stale then already. */
  let lastThreshold: number | undefined;
  /** Per cluster, the lastSeenAt of the last loss published (here or on another replica). */
  const announced = new Map<string, number>();
  let stopped = false;
  let running: Promise<void> | undefined;

  const leave = bus.observe((e) => {
    const seen = e.data.last_seen_at;
    if (e.type === "agent.lost" && e.clusterId !== undefined && typeof seen === "number") announced.set(e.clusterId, seen);
  });

  async function pass(now: number): Promise<void> {
    const threshold = now - LIMITS.agentStaleMs;
    // The first pass only sets the threshold: what was stale before this process watched is not news.
    const from = lastThreshold;
    lastThreshold = threshold;
    if (from === undefined || threshold <= from) return;
    // Last seen in [from, threshold): connected at the last pass, stale now. A graceful stop (lastSeenAt 0)
    // is outside every window: whoever took the goodbye published it.
    const crossed = auth.listClustersSeen
      ? await auth.listClustersSeen(from, threshold)
      : (await auth.listClusters()).filter((c) => c.lastSeenAt !== undefined && c.lastSeenAt >= from && c.lastSeenAt < threshold);
    for (const c of crossed) {
      const seen = c.lastSeenAt!;
      if (seen <= 0 || announced.get(c.id) === seen) continue;
      announced.set(c.id, seen);
      bus.publish({ type: "agent.lost", clusterId: c.id, data: { reason: "stale", last_seen_at: seen, ...(c.agent?.agentId ? { agent_id: c.agent.agentId } : {}) } });
    }
    // A loss is remembered only as long as it can be reported again: past its window, it cannot.
    for (const [id, seen] of announced) if (seen < from) announced.delete(id);
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
