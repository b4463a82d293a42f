/**
 * The event channel on Redis: the backend's one pub/sub channel carries
 * events as `e:<message>` next to its wake-ups (`q:`, `r:`, `o:`), so events
 * cost no extra connection. PUBLISH goes on the command connection; every
 * replica's subscriber connection hears it (the publisher's own included:
 * the core skips its own by origin). Redis pub/sub is fire-and-forget: a
 * replica that is disconnected for a moment misses what was sent meanwhile,
 * and says so (`onGap`) once its subscriber is back (docs/events.md).
 */
import type { EventChannel } from "../../lib/contracts.ts";
import { guarded, type RuntimeSource } from "./_runtime.ts";

/** What the backend drives besides the contract. */
export interface RedisEvents extends EventChannel {
  /** Every message on the backend's channel (from any replica). */
  onMessage(message: string): void;
  /** The subscriber reconnected: messages sent meanwhile were lost. */
  onResubscribed(): void;
}

/** The Redis event channel; made by `redisBackend`. */
export function redisEvents(rt: RuntimeSource): RedisEvents {
  const listeners = new Set<(message: string) => void>();
  const gaps = new Set<() => void>();
  return {
    publish(message) {
      return guarded(async () => {
        const r = await rt();
        await r.redis.publish(r.channel, `e:${message}`);
      });
    },
    subscribe(listener, onGap) {
      listeners.add(listener);
      if (onGap) gaps.add(onGap);
      // Connect now: a replica that only listens must hear the others from the start.
      rt().catch(() => {});
      return () => {
        listeners.delete(listener);
        if (onGap) gaps.delete(onGap);
      };
    },
    onResubscribed() {
      for (const gap of gaps) gap();
    },
    onMessage(message) {
      if (!message.startsWith("e:") || listeners.size === 0) return;
      const event = message.slice(2);
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (e) {
          console.error("[kubently] an event listener failed:", e instanceof Error ? e.message : e);
        }
      }
    },
  };
}
