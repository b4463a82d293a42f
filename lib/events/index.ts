/**
 * The event bus and its streams (docs/events.md): what happens in Kubently
 * (commands queued, finished, denied, lost; sessions; agents connecting and
 * going away; diagnoses), published in process, shared between replicas on
 * a backend with an {@link EventChannel} (Redis), and read by subscribers
 * within the caller's scope: `GET /events` (SSE), `/events/ws` (WebSocket;
 * their wire forms are in lib/wire/events.ts and lib/wire/websocket.ts),
 * and in-process code through `services.events`. Never command output.
 */
export type { EventChannel } from "../contracts.ts";
export { createEventBus, type EventBus, type EventBusOptions, type EventBusStats, type EventSubscription, type SubscribeOptions } from "./bus.ts";
export { EVENT_TYPES, type EventInput, type EventType, type KubentlyEvent, type ResetReason } from "./types.ts";
export { eventOfAudit, namespaceOfArgv, publishingAuditLog, withEventContext, withPublishingAudit, type AuditEventContext } from "./audit.ts";
export { filterFor, selectionFilter, type EventSelection } from "./scope.ts";
export { watchAgents, type AgentWatch, type AgentWatchOptions } from "./agents.ts";
export { eventService, type EventService, type EventSubscribeInput } from "./service.ts";
