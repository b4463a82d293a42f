/**
 * Generic JSON webhooks: the message itself (`kubently.alert-diagnosis/v1`,
 * docs/alerts.md#the-json-message), for firing and resolved targets alike.
 */
import type { AlertMessage } from "../message.ts";
import type { OutboundBody } from "./_body.ts";

/** The generic body: the message as it is. */
export const jsonBodies = (m: AlertMessage): OutboundBody[] => [{ body: m }];
