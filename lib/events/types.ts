/**
 * What the event bus carries: a small, closed set of event types about what
 * happens in Kubently (commands, sessions, agents, diagnoses), each with
 * facts about it and never command output (docs/events.md).
 */

/** Every event type, in the order docs/events.md lists them. */
export const EVENT_TYPES = [
  "command.queued",
  "command.finished",
  "command.denied",
  "command.lost",
  "session.started",
  "session.ended",
  "agent.connected",
  "agent.lost",
  "diagnosis.finished",
  "reset",
] as const;

/** One of {@link EVENT_TYPES}. */
export type EventType = (typeof EVENT_TYPES)[number];

/** Why a subscription got a `reset`: events it should have had are gone. */
export type ResetReason = "gap" | "slow consumer";

/**
 * One event. `id` increases by one per event published in this process
 * (relayed events from other replicas included); a `reset` carries the id
 * of the last event published when it was made, so resuming from it goes
 * on from there.
 */
export interface KubentlyEvent {
  id: number;
  type: EventType;
  /** When it happened, ISO 8601. */
  at: string;
  clusterId?: string;
  /** The namespace a command reads, when it reads one. */
  namespace?: string;
  /** Who acted (a command's requester, a session's creator); absent for agent events. */
  identity?: string;
  /** Facts of the event, snake_case, JSON data. Never command output or stderr. */
  data: Record<string, unknown>;
}

/** What a publisher hands the bus: an event without its id (and `at` defaults to now). */
export type EventInput = Omit<KubentlyEvent, "id" | "at"> & { at?: string };
