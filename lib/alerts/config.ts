/**
 * The `alerts` configuration: where findings go (outbound webhooks) and how
 * alerts map to clusters, with the bounds of the work they start. One valibot
 * schema, used by `createKubently` and the executable's config file, so a bad
 * value stops start-up with a message naming the field. Messages never quote
 * a value: a Slack webhook URL and a PagerDuty routing key are secrets.
 */
import * as v from "valibot";
import { KubentlyError } from "../errors.ts";
import { LIMITS } from "../limits.ts";
import { describeIssues } from "../schemas.ts";

/** The outbound formats (docs/alerts.md#outbound-webhooks). */
export const WEBHOOK_TYPES = ["slack", "pagerduty", "json"] as const;
/** Where PagerDuty events go unless a webhook names another URL. */
export const PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";

const ID = /^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;
const intIn = (min: number, max: number) => v.pipe(v.number("must be a number"), v.integer("must be an integer"), v.minValue(min, `must be at least ${min}`), v.maxValue(max, `must be at most ${max}`));
// No default valibot message here: they quote the value received, and these values are secrets.
const httpUrl = v.pipe(
  v.string("must be a string"),
  v.check((s) => {
    try {
      return ["http:", "https:"].includes(new URL(s).protocol);
    } catch {
      return false;
    }
  }, "must be an http(s) URL"),
);

/** One outbound webhook. */
export const WebhookConfigSchema = v.strictObject({
  /** Names the webhook in metrics (`webhook`), logs, dead letters and its breaker (`webhook:<id>`). */
  id: v.pipe(v.string("must be a string"), v.regex(ID, "must be kebab-case (lowercase letters, digits and '-', at most 64)")),
  type: v.picklist(WEBHOOK_TYPES, `must be one of ${WEBHOOK_TYPES.join(", ")}`),
  /** Slack: the incoming-webhook URL (a secret); PagerDuty: the Events v2 endpoint (default the public one); json: where to POST. */
  url: v.optional(httpUrl),
  /** PagerDuty only: the integration's routing key (a secret). */
  routingKey: v.optional(v.pipe(v.string("must be a string"), v.minLength(1, "must not be empty"), v.maxLength(256, "must be at most 256 characters"))),
  /** Extra request headers (an `Authorization` for a generic receiver). Values are treated as secrets. */
  headers: v.optional(v.pipe(v.record(v.string(), v.pipe(v.string("must be a string"), v.maxLength(4096, "must be at most 4096 characters"))), v.check((h) => Object.keys(h).every((k) => HEADER_NAME.test(k)), "header names must be HTTP tokens"), v.check((h) => Object.keys(h).length <= 16, "at most 16 headers"))),
  /** Forward resolved alerts (PagerDuty: a `resolve` event per alert, same dedup_key; json: the message without a diagnosis). Slack never gets them. @default true for pagerduty, false for json */
  sendResolved: v.optional(v.boolean("must be true or false")),
});

/** The `alerts` option of `createKubently` and of the config file. */
export const AlertsConfigSchema = v.pipe(
  v.strictObject({
    webhooks: v.optional(v.pipe(v.array(WebhookConfigSchema), v.maxLength(16, "at most 16 webhooks"))),
    /** The alert label naming the cluster. @default "cluster" */
    clusterLabel: v.optional(v.pipe(v.string(), v.regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,127}$/, "must be a Prometheus label name"))),
    /** The cluster of alerts without that label; absent: such alerts are refused. */
    defaultCluster: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(LIMITS.maxIdLength))),
    /** Diagnoses (cluster, namespace targets) one request may start; further targets are skipped. @default LIMITS.maxAlertTargetsPerRequest */
    maxTargets: v.optional(intIn(1, 100)),
    /** Targets waiting or running at once; past it a request is refused 503 `ALERTS_BUSY`. @default LIMITS.alertQueueSize */
    queueSize: v.optional(intIn(1, 10_000)),
    /** Targets diagnosed and delivered at once. @default LIMITS.alertConcurrency */
    concurrency: v.optional(intIn(1, 64)),
    /** The diagnosis' `timeout_seconds`. @default LIMITS.defaultTimeoutSeconds */
    diagnoseTimeoutSeconds: v.optional(intIn(LIMITS.minTimeoutSeconds, LIMITS.maxTimeoutSeconds)),
    delivery: v.optional(
      v.strictObject({
        /** One attempt's time budget (connect to last byte). @default LIMITS.webhookTimeoutMs */
        timeoutMs: v.optional(intIn(100, 60_000)),
        /** Attempts in all, the first included. @default LIMITS.webhookAttempts */
        attempts: v.optional(intIn(1, 10)),
        /** Backoff before the first retry, doubling (with jitter) up to `maxDelayMs`. @default LIMITS.webhookRetryInitialMs */
        initialDelayMs: v.optional(intIn(1, 60_000)),
        /** @default LIMITS.webhookRetryMaxMs */
        maxDelayMs: v.optional(intIn(1, 300_000)),
      }),
    ),
    breaker: v.optional(
      v.strictObject({
        /** Failed attempts in a row that open a webhook's circuit. @default 5 */
        failures: v.optional(intIn(1, 1000)),
        halfOpenAfterMs: v.optional(v.strictObject({ initial: intIn(1, 600_000), max: intIn(1, 3_600_000) })),
      }),
    ),
    /** Dead letters kept (the newest). @default LIMITS.alertDeadLetters */
    deadLetters: v.optional(intIn(0, 10_000)),
  }),
  v.check((c) => new Set((c.webhooks ?? []).map((w) => w.id)).size === (c.webhooks ?? []).length, "webhook ids must be unique"),
  v.check((c) => (c.webhooks ?? []).every((w) => w.type === "pagerduty" || w.url !== undefined), "every slack and json webhook needs a url"),
  v.check((c) => (c.webhooks ?? []).every((w) => (w.type === "pagerduty") === (w.routingKey !== undefined)), "a pagerduty webhook needs a routingKey, and only a pagerduty webhook takes one"),
);

/** The `alerts` option. */
export type AlertsConfig = v.InferInput<typeof AlertsConfigSchema>;
/** One outbound webhook, as configured. */
export type WebhookConfig = v.InferOutput<typeof WebhookConfigSchema>;

/** The configuration with every default filled in. */
export interface ResolvedAlertsConfig {
  webhooks: (WebhookConfig & { url: string })[];
  clusterLabel: string;
  defaultCluster?: string;
  maxTargets: number;
  queueSize: number;
  concurrency: number;
  diagnoseTimeoutSeconds: number;
  delivery: { timeoutMs: number; attempts: number; initialDelayMs: number; maxDelayMs: number };
  breaker: { failures: number; halfOpenAfterMs?: { initial: number; max: number } };
  deadLetters: number;
}

/** Validates `input` (throws `VALIDATION_FAILED` naming the field, never its value) and fills the defaults. */
export function resolveAlertsConfig(input: AlertsConfig = {}): ResolvedAlertsConfig {
  const parsed = v.safeParse(AlertsConfigSchema, input);
  if (!parsed.success) throw new KubentlyError("VALIDATION_FAILED", `alerts: ${describeIssues(parsed.issues)}`);
  const c = parsed.output;
  return {
    webhooks: (c.webhooks ?? []).map((w) => ({ ...w, url: w.url ?? PAGERDUTY_EVENTS_URL })),
    clusterLabel: c.clusterLabel ?? "cluster",
    ...(c.defaultCluster ? { defaultCluster: c.defaultCluster } : {}),
    maxTargets: c.maxTargets ?? LIMITS.maxAlertTargetsPerRequest,
    queueSize: c.queueSize ?? LIMITS.alertQueueSize,
    concurrency: c.concurrency ?? LIMITS.alertConcurrency,
    diagnoseTimeoutSeconds: c.diagnoseTimeoutSeconds ?? LIMITS.defaultTimeoutSeconds,
    delivery: {
      timeoutMs: c.delivery?.timeoutMs ?? LIMITS.webhookTimeoutMs,
      attempts: c.delivery?.attempts ?? LIMITS.webhookAttempts,
      initialDelayMs: c.delivery?.initialDelayMs ?? LIMITS.webhookRetryInitialMs,
      maxDelayMs: c.delivery?.maxDelayMs ?? LIMITS.webhookRetryMaxMs,
    },
    breaker: { failures: c.breaker?.failures ?? 5, ...(c.breaker?.halfOpenAfterMs ? { halfOpenAfterMs: c.breaker.halfOpenAfterMs } : {}) },
    deadLetters: c.deadLetters ?? LIMITS.alertDeadLetters,
  };
}
