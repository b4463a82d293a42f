/**
 * The in-process event bus: `publish` numbers an event and hands it to every
 * subscriber at once (no polling), keeps the newest `windowSize` for
 * resuming, and, given a backend's {@link EventChannel}, shares the events
 * this process originates with every other process on that backend and
 * relays theirs in (each under a local id).
 *
 * A subscription is an async iterator that stops at once: `return()` (or its
 * abort signal) settles a pending `next()` with `done` the moment it is
 * called. It is a hand-written iterator on purpose: an `async function*`
 * cannot run its `finally` while it awaits (emittery's lesson). Memory is
 * bounded: the window is a ring, and a subscriber holds at most
 * `subscriberBuffer` undelivered events; one that falls further behind gets
 * one last `reset` ("slow consumer") and ends.
 */
import type { EventChannel } from "../contracts.ts";
import { newId } from "../_utils.ts";
import { EVENT_TYPES, type EventInput, type KubentlyEvent, type ResetReason } from "./types.ts";

/** Options for {@link createEventBus}. */
export interface EventBusOptions {
  /** Newest events kept for a resume (`from`). @default 1000 */
  windowSize?: number;
  /** Events one subscriber may have waiting before it is reset as a slow consumer. @default 256 */
  subscriberBuffer?: number;
  /**
   * The backend's broadcast channel: events published here go to every
   * other process on it, and theirs are relayed into this bus.
   * @default undefined (this process only)
   */
  channel?: EventChannel;
}

/** Options for {@link EventBus.subscribe}. */
export interface SubscribeOptions {
  /**
   * The id of the last event the subscriber saw: the kept events after it
   * are replayed first. One older than the window, or one this process
   * never issued, yields a `reset` ("gap") and then live events.
   * @default undefined (live events only)
   */
  from?: number;
  /** Which events this subscriber gets (a `reset` always comes through). @default every event */
  filter?: (event: KubentlyEvent) => boolean;
  /** Ends the subscription like `return()`. */
  signal?: AbortSignal;
}

/** A live subscription: an async iterator of events that stops the moment `return()` is called. */
export interface EventSubscription extends AsyncIterableIterator<KubentlyEvent> {
  next(): Promise<IteratorResult<KubentlyEvent, undefined>>;
  /** Unsubscribes and settles every pending `next()` with `done`, at once. */
  return(): Promise<IteratorResult<KubentlyEvent, undefined>>;
}

/** What a bus counts. */
export interface EventBusStats {
  /** Events published since start (relayed ones included). */
  published: number;
  /** Open subscriptions. */
  subscribers: number;
  /** Events kept in the window. */
  kept: number;
  /** Resets handed out, per reason. */
  resets: Record<ResetReason, number>;
}

/** The bus of one Kubently instance. */
export interface EventBus {
  /** Numbers the event, keeps it in the window, hands it to subscribers, and (with a channel) sends it to the other processes. */
  publish(event: EventInput): KubentlyEvent;
  /** A subscription from now, or from `from` (see {@link SubscribeOptions}). */
  subscribe(options?: SubscribeOptions): EventSubscription;
  /**
   * Calls `listener` synchronously with every event as it is published (no
   * buffer, no reset): for the core's own bookkeeping, which must be quick
   * and never throw. The function returned stops it.
   */
  observe(listener: (event: KubentlyEvent) => void): () => void;
  /** The id of the newest event; below the first id until one is published. */
  readonly lastId: number;
  stats(): EventBusStats;
  /** Ends every subscription and leaves the channel. */
  close(): void;
}


/** Largest channel message relayed; anything bigger is not an event we sent. */
const MAX_MESSAGE_CHARS = 256 * 1024;
const KNOWN_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES.filter((t) => t !== "reset"));
const isText = (v: unknown) => v === undefined || typeof v === "string";

/**
 * The event in a channel message, or null when it is not one (our own, or
 * junk). A message is `<origin> <event JSON without id>`: the origin first,
 * so a process skips its own without parsing them.
 */
function relayed(message: string, origin: string): (EventInput & { at: string }) | null {
  if (message.length > MAX_MESSAGE_CHARS || message.startsWith(`${origin} `)) return null;
  const space = message.indexOf(" ");
  if (space < 1) return null;
  let e: EventInput & { at: string };
  try {
    e = JSON.parse(message.slice(space + 1)) as EventInput & { at: string };
  } catch {
    return null;
  }
  if (!e || typeof e !== "object") return null;
  if (!KNOWN_TYPES.has(e.type) || typeof e.at !== "string" || !isText(e.clusterId) || !isText(e.namespace) || !isText(e.identity)) return null;
  if (!e.data || typeof e.data !== "object" || Array.isArray(e.data)) return null;
  return { type: e.type, at: e.at, data: e.data, ...(e.clusterId ? { clusterId: e.clusterId } : {}), ...(e.namespace ? { namespace: e.namespace } : {}), ...(e.identity ? { identity: e.identity } : {}) };
}

interface Subscriber {
  deliver(event: KubentlyEvent): void;
  /** Hands over a reset whatever the filter (events were missed). */
  reset(reason: ResetReason): void;
  end(): void;
}

/** Creates an event bus. */
export function createEventBus(options: EventBusOptions = {}): EventBus {
  const windowSize = Math.max(1, Math.floor(options.windowSize ?? 1000));
  const bufferSize = Math.max(1, Math.floor(options.subscriberBuffer ?? 256));
  const ring: (KubentlyEvent | undefined)[] = new Array(windowSize);
  // Ids start at the start time (ms): an id a previous process issued is below every id of this one
  // (unless it published more than 1,000 events a second on average), so resuming with it reads as a gap.
  const firstId = Date.now();
  let lastId = firstId - 1;
  let kept = 0;
  let published = 0;
  const resets: Record<ResetReason, number> = { gap: 0, "slow consumer": 0 };
  const subscribers = new Set<Subscriber>();
  const observers = new Set<(event: KubentlyEvent) => void>();
  const origin = newId();
  let closed = false;
  let warnedAt = 0;

  const resetEvent = (reason: ResetReason): KubentlyEvent => {
    resets[reason]++;
    return { id: lastId, type: "reset", at: new Date().toISOString(), data: { reason } };
  };

  function deliver(input: EventInput): KubentlyEvent {
    const event: KubentlyEvent = { id: ++lastId, ...input, at: input.at ?? new Date().toISOString() };
    ring[event.id % windowSize] = event;
    if (kept < windowSize) kept++;
    published++;
    for (const observe of observers) {
      try {
        observe(event);
      } catch (e) {
        console.error("[kubently] an event observer failed:", e instanceof Error ? e.message : e);
      }
    }
    for (const s of subscribers) s.deliver(event);
    return event;
  }

  const channel = options.channel;
  const leave = channel?.subscribe(
    (message) => {
      if (closed) return;
      const event = relayed(message, origin);
      if (event) deliver(event);
    },
    // The other processes' events sent while this one was cut off are lost: every subscriber is told.
    () => {
      for (const s of [...subscribers]) s.reset("gap");
    },
  );

  /** The kept events after `from` (oldest first), or "gap" when some of them are gone or `from` was never issued here. */
  function replay(from: number): KubentlyEvent[] | "gap" {
    const oldest = lastId - kept + 1;
    if (from > lastId || from < oldest - 1) return "gap";
    const out: KubentlyEvent[] = [];
    for (let id = from + 1; id <= lastId; id++) out.push(ring[id % windowSize]!);
    return out;
  }

  const bus: EventBus = {
    publish(input) {
      const event = deliver(input);
      if (channel && !closed) {
        const message = `${origin} ${JSON.stringify({ ...input, at: event.at })}`;
        channel.publish(message).catch((e: unknown) => {
          // Local subscribers have the event; the other replicas miss it. Said once a minute at most.
          if (Date.now() - warnedAt < 60_000) return;
          warnedAt = Date.now();
          console.error("[kubently] could not share an event with the other replicas:", e instanceof Error ? e.message : e);
        });
      }
      return event;
    },

    subscribe(subOptions = {}) {
      const given = subOptions.filter;
      // A filter that throws hides the event from this subscriber only, never from the others.
      const filter = given
        ? (event: KubentlyEvent) => {
            try {
              return given(event);
            } catch {
              return false;
            }
          }
        : () => true;
      let backlog: KubentlyEvent[] = [];
      let backlogAt = 0;
      let queue: KubentlyEvent[] = [];
      let final: KubentlyEvent | undefined;
      let ended = false;
      const waiting: ((r: IteratorResult<KubentlyEvent, undefined>) => void)[] = [];
      const done = (): IteratorResult<KubentlyEvent, undefined> => ({ done: true, value: undefined });

      const stop = () => {
        if (ended) return;
        ended = true;
        subscribers.delete(subscriber);
        subOptions.signal?.removeEventListener("abort", onAbort);
        backlog = [];
        queue = [];
        for (const resolve of waiting.splice(0)) resolve(done());
      };
      const onAbort = () => stop();

      const enqueue = (event: KubentlyEvent) => {
        if (waiting.length > 0 && backlogAt >= backlog.length && queue.length === 0) return waiting.shift()!({ done: false, value: event });
        queue.push(event);
        if (queue.length <= bufferSize) return;
        // Fell too far behind: drop what waits, say so once, and end.
        subscribers.delete(subscriber);
        backlog = [];
        queue = [];
        final = resetEvent("slow consumer");
      };
      const subscriber: Subscriber = {
        deliver(event) {
          if (!ended && !final && filter(event)) enqueue(event);
        },
        reset(reason) {
          if (!ended && !final) enqueue(resetEvent(reason));
        },
        end: stop,
      };

      if (subOptions.from !== undefined && !closed) {
        const r = replay(subOptions.from);
        if (r === "gap") queue.push(resetEvent("gap"));
        else backlog = r.filter(filter);
      }
      if (closed) ended = true;
      else subscribers.add(subscriber);
      if (subOptions.signal?.aborted) stop();
      else subOptions.signal?.addEventListener("abort", onAbort, { once: true });

      const iterator: EventSubscription = {
        next() {
          if (ended) return Promise.resolve(done());
          if (backlogAt < backlog.length) {
            const value = backlog[backlogAt++]!;
            if (backlogAt === backlog.length) (backlog = []), (backlogAt = 0);
            return Promise.resolve({ done: false, value });
          }
          if (queue.length > 0) return Promise.resolve({ done: false, value: queue.shift()! });
          if (final) {
            const value = final;
            stop();
            return Promise.resolve({ done: false, value });
          }
          return new Promise((resolve) => waiting.push(resolve));
        },
        return() {
          stop();
          return Promise.resolve(done());
        },
        [Symbol.asyncIterator]() {
          return iterator;
        },
      };
      return iterator;
    },

    observe(listener) {
      if (closed) return () => {};
      observers.add(listener);
      return () => void observers.delete(listener);
    },

    get lastId() {
      return lastId;
    },

    stats() {
      return { published, subscribers: subscribers.size, kept, resets: { ...resets } };
    },

    close() {
      if (closed) return;
      closed = true;
      leave?.();
      observers.clear();
      for (const s of [...subscribers]) s.end();
    },
  };
  return bus;
}
