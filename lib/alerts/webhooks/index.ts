/**
 * The outbound formats, one small module each: what a webhook of each type
 * is sent for one target's message. The sender adds headers and secrets.
 */
import type { WebhookConfig } from "../config.ts";
import type { AlertMessage } from "../message.ts";
import { jsonBodies } from "./json.ts";
import { pagerdutyBodies } from "./pagerduty.ts";
import { slackBody } from "./slack.ts";

import type { OutboundBody } from "./_body.ts";

export type { OutboundBody } from "./_body.ts";

/** The bodies a webhook gets for a message (none: nothing to send, e.g. a resolved alert to Slack). */
export function bodiesFor(webhook: Pick<WebhookConfig, "type" | "sendResolved" | "routingKey">, message: AlertMessage): OutboundBody[] {
  switch (webhook.type) {
    case "slack":
      // Slack hears of firing targets only: Alertmanager's own receivers say what resolved.
      return slackBody(message);
    case "pagerduty":
      // The routing key goes in at the last moment: bodies are kept in dead letters without it.
      return pagerdutyBodies(message, { sendResolved: webhook.sendResolved ?? true });
    case "json":
      return message.status === "resolved" && !webhook.sendResolved ? [] : jsonBodies(message);
  }
}

export { jsonBodies, pagerdutyBodies, slackBody };
