/**
 * Alerts (docs/alerts.md): Alertmanager webhooks in, diagnoses run, findings
 * out to Slack, PagerDuty and generic JSON webhooks.
 */
export { alertsService, type AlertsDeps, type AlertsReceipt, type AlertsService, type TargetView } from "./service.ts";
export { AlertsConfigSchema, PAGERDUTY_EVENTS_URL, WEBHOOK_TYPES, WebhookConfigSchema, resolveAlertsConfig, type AlertsConfig, type ResolvedAlertsConfig, type WebhookConfig } from "./config.ts";
export { AlertmanagerPayloadSchema, fingerprintOf, parseAlertmanagerPayload, targetsOf, workloadsOf, type Alert, type AlertTarget, type AlertmanagerPayload, type Workload } from "./payload.ts";
export { MESSAGE_SCHEMA, buildMessage, findingIsAbout, splitFindings, type AlertMessage, type MessageAlert, type MessageDiagnosis } from "./message.ts";
export { deadLetterStore, type DeadLetter, type DeadLetterStore } from "./dead-letters.ts";
export { DeliveryError, deliver, retryAfterMs, type DeliverOptions, type DeliveryOutcome, type DeliveryTarget } from "./deliver.ts";
export { bodiesFor, type OutboundBody } from "./webhooks/index.ts";
