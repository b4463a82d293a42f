/**
 * The events service: what `GET /events`, `/events/ws` (and, later, the
 * console and terminal) call. It checks what a subscriber asked for and
 * hands it a subscription of the instance's bus, filtered by the caller's
 * scope.
 */
import { KubentlyError } from "../errors.ts";
import type { Identity } from "../schemas.ts";
import type { EventBus, EventSubscription } from "./bus.ts";
import { selectionFilter } from "./scope.ts";
import { EVENT_TYPES, type EventType } from "./types.ts";

/** What a subscriber asks for. */
export interface EventSubscribeInput {
  /** Resume after this event id (see `SubscribeOptions.from`). */
  from?: number;
  /** Only these types (a `reset` always comes through). */
  types?: readonly string[];
  /** Only events of this cluster. */
  clusterId?: string;
  /** Ends the subscription. */
  signal?: AbortSignal;
}

/** Event types a subscriber may name: all but `reset`, which is not chosen. */
const SELECTABLE: ReadonlySet<string> = new Set(EVENT_TYPES.filter((t) => t !== "reset"));

/** The events service of one instance. */
export function eventService(ctx: { events: EventBus }) {
  const bus: EventBus = ctx.events;
  return {
    /** The instance's bus (to publish; subscribers go through {@link subscribe}). */
    bus,

    /**
     * The events `identity` may see from now (or from `from`), narrowed to
     * `types` and `clusterId`. `VALIDATION_FAILED` names an unknown type.
     */
    subscribe(identity: Identity, input: EventSubscribeInput = {}): EventSubscription {
      const unknown = (input.types ?? []).filter((t) => !SELECTABLE.has(t));
      if (unknown.length) {
        throw new KubentlyError("VALIDATION_FAILED", `unknown event type ${unknown.map((t) => JSON.stringify(t.slice(0, 40))).join(", ")}; known: ${[...SELECTABLE].join(", ")}`, {
          details: { fields: [{ field: "types", message: "unknown event type" }] },
        });
      }
      const filter = selectionFilter(identity, {
        ...(input.types?.length ? { types: input.types as EventType[] } : {}),
        ...(input.clusterId !== undefined ? { clusterId: input.clusterId } : {}),
      });
      return bus.subscribe({ filter, ...(input.from !== undefined ? { from: input.from } : {}), ...(input.signal ? { signal: input.signal } : {}) });
    },
  };
}

/** The events service type. */
export type EventService = ReturnType<typeof eventService>;
