/**
 * Events on the wire: snake_case JSON (as every REST answer), as
 * Server-Sent Events and as WebSocket text frames, and the query both
 * routes read.
 */
import { assertClusterId } from "../schemas.ts";
import { KubentlyError } from "../errors.ts";
import type { SseEvent } from "./sse.ts";
import type { EventSubscription } from "../events/bus.ts";
import type { EventSubscribeInput } from "../events/service.ts";
import type { KubentlyEvent } from "../events/types.ts";

/** One event as JSON: `{id, type, at, cluster_id?, namespace?, identity?, data}`. */
export function eventJson(e: KubentlyEvent): Record<string, unknown> {
  return {
    id: e.id,
    type: e.type,
    at: e.at,
    ...(e.clusterId !== undefined ? { cluster_id: e.clusterId } : {}),
    ...(e.namespace !== undefined ? { namespace: e.namespace } : {}),
    ...(e.identity !== undefined ? { identity: e.identity } : {}),
    data: e.data,
  };
}

/** Most event types one `types=` may name. */
const MAX_TYPES = 16;

/** An event id given by a client: a non-negative safe integer. */
function eventId(name: string, value: string): number {
  const n = /^\d{1,16}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n)) throw new KubentlyError("VALIDATION_FAILED", `${name} must be an event id (a non-negative integer)`, { details: { fields: [{ field: name, message: "not an event id" }] } });
  return n;
}

/**
 * What a subscriber asks for, from its request: `Last-Event-ID` (sent by
 * a reconnecting EventSource) or `?from=` to resume, `?types=a,b`,
 * `?cluster_id=`. A bad value is `VALIDATION_FAILED` naming it.
 */
export function eventQuery(request: Request, query: Record<string, string | undefined>): Omit<EventSubscribeInput, "signal"> {
  const resume = request.headers.get("last-event-id");
  const from = resume !== null && resume !== "" ? eventId("Last-Event-ID", resume) : query.from !== undefined && query.from !== "" ? eventId("from", query.from) : undefined;
  const types = query.types === undefined || query.types === "" ? undefined : query.types.split(",").map((t) => t.trim()).filter(Boolean);
  if (types && types.length > MAX_TYPES) throw new KubentlyError("VALIDATION_FAILED", `types may name at most ${MAX_TYPES} event types`);
  const clusterId = query.cluster_id === undefined || query.cluster_id === "" ? undefined : assertClusterId(query.cluster_id);
  return { ...(from !== undefined ? { from } : {}), ...(types ? { types } : {}), ...(clusterId !== undefined ? { clusterId } : {}) };
}

/** A subscription as SSE events: unnamed (`message`) events, the event id as the SSE id. */
export function sseEventsOf(subscription: EventSubscription): AsyncIterable<SseEvent> {
  return {
    [Symbol.asyncIterator]() {
      return {
        async next() {
          const r = await subscription.next();
          return r.done ? { done: true, value: undefined } : { done: false, value: { id: r.value.id, data: eventJson(r.value) } };
        },
        async return() {
          await subscription.return();
          return { done: true, value: undefined };
        },
      };
    },
  };
}

/**
 * `subscription`, ended when `stillValid` (the caller's credential checked
 * again, every `everyMs`) is refused: a revoked key or a signed-out session
 * stops receiving events within that time. A check that fails otherwise
 * (the backend does not answer now) is tried again next time.
 */
export function withRecheck(subscription: EventSubscription, stillValid: () => Promise<unknown>, everyMs: number): EventSubscription {
  const timer = setInterval(() => {
    stillValid().catch((e: unknown) => {
      if (e instanceof KubentlyError && (e.status === 401 || e.status === 403)) void subscription.return();
    });
  }, everyMs);
  (timer as { unref?: () => void }).unref?.();
  const wrapped: EventSubscription = {
    async next() {
      const r = await subscription.next();
      if (r.done) clearInterval(timer);
      return r;
    },
    return() {
      clearInterval(timer);
      return subscription.return();
    },
    [Symbol.asyncIterator]() {
      return wrapped;
    },
  };
  return wrapped;
}
