/**
 * The alerts service: an Alertmanager webhook batch becomes one diagnosis per
 * (cluster, namespace) target, run in the background as the identity whose
 * key posted the batch (so its role and scope bound what an alert may
 * diagnose, and the diagnosis is queued, policed and audited like any
 * command), and the findings go to the configured outbound webhooks.
 *
 * Guarantees:
 * - `receive` answers once the targets are queued, never after a diagnosis:
 *   Alertmanager's webhook timeout is short.
 * - Work is bounded: at most `maxTargets` diagnoses per request (more are
 *   skipped and listed), at most `queueSize` targets waiting or running
 *   (past it the whole request is refused 503 `ALERTS_BUSY` with a
 *   `retry_after`, so Alertmanager sends it again), `concurrency` at once.
 * - Every delivery goes through its webhook's breaker and retry policy
 *   (./deliver.ts); what is still undelivered after the last attempt is a
 *   dead letter (bounded, newest kept), logged, counted and audited.
 * - Secrets (a Slack URL, a routing key, header values) are never logged,
 *   kept in a dead letter, or answered.
 */
import { createBreaker, type Breaker, type BreakerSnapshot } from "../breaker.ts";
import type { ClusterService } from "../clusters.ts";
import type { AuditLog } from "../contracts.ts";
import type { ClusterDiagnosis, DiagnoseService } from "../diagnose/service.ts";
import { KubentlyError, isKubentlyError, type ErrorCode } from "../errors.ts";
import { requireRole } from "../identity.ts";
import { noopLogger, type Logger } from "../log/index.ts";
import type { Metrics } from "../metrics.ts";
import type { Identity } from "../schemas.ts";
import { newId } from "../_utils.ts";
import { resolveAlertsConfig, type AlertsConfig, type ResolvedAlertsConfig } from "./config.ts";
import { deadLetterStore, type DeadLetter } from "./dead-letters.ts";
import { deliver, isWebhookFailure } from "./deliver.ts";
import { buildMessage, targetWorkloads, type AlertMessage } from "./message.ts";
import { parseAlertmanagerPayload, targetsOf, type AlertTarget } from "./payload.ts";
import { bodiesFor } from "./webhooks/index.ts";

/** What the alerts service uses of the instance. */
export interface AlertsDeps {
  diagnose: DiagnoseService;
  clusters: Pick<ClusterService, "get">;
  audit: Pick<AuditLog, "append">;
  metrics: Pick<Metrics, "inc" | "add">;
  logger?: Logger;
  /** For tests: the fetch deliveries use. @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** A target as `POST /alerts/alertmanager` answers it. */
export interface TargetView {
  id: string;
  cluster_id: string;
  namespace: string | null;
  alerts: string[];
  workloads: string[];
}

/** The answer to one batch. */
export interface AlertsReceipt {
  status: "accepted";
  receiver: string;
  /** Firing targets queued for a diagnosis; `id` is the diagnosis' correlation id. */
  accepted: TargetView[];
  /** Resolved targets queued for delivery (no diagnosis). */
  resolved: TargetView[];
  /** Targets past `maxTargets`: not diagnosed. */
  skipped: (Omit<TargetView, "id"> & { reason: string })[];
  /** Alerts refused: no cluster, a cluster or namespace out of the key's scope. */
  refused: { alertname: string | null; fingerprint: string; cluster_id: string | null; namespace: string | null; code: ErrorCode; error: string }[];
  /** Webhooks the findings go to. */
  webhooks: string[];
}

interface Job {
  id: string;
  identity: Identity;
  target: AlertTarget;
  receiver: string;
  externalUrl?: string;
  onBehalfOf: string;
  firing: boolean;
}

const names = (t: AlertTarget) => [...new Set(t.alerts.map((a) => a.labels.alertname ?? a.fingerprint))];
const viewOf = (id: string, t: AlertTarget): TargetView => ({ id, cluster_id: t.clusterId, namespace: t.namespace, alerts: names(t), workloads: targetWorkloads(t).map((w) => `${w.kind}/${w.name}`) });
const withoutId = ({ id: _id, ...rest }: TargetView) => rest;
/** The host of a URL, the only part of a webhook's address that is logged. */
const hostOf = (url: string) => {
  try {
    return new URL(url).host;
  } catch {
    return "?";
  }
};

/** Creates the alerts service; `config` is validated here (`VALIDATION_FAILED` naming the field). */
export function alertsService(deps: AlertsDeps, config: AlertsConfig = {}) {
  const cfg: ResolvedAlertsConfig = resolveAlertsConfig(config);
  const logger = deps.logger ?? noopLogger;
  const dead = deadLetterStore(cfg.deadLetters);
  const breakers = new Map<string, Breaker>(
    cfg.webhooks.map((w) => [
      w.id,
      createBreaker({
        name: `webhook:${w.id}`,
        failures: cfg.breaker.failures,
        ...(cfg.breaker.halfOpenAfterMs ? { halfOpenAfterMs: cfg.breaker.halfOpenAfterMs } : {}),
        isFailure: isWebhookFailure,
        onStateChange: (s: BreakerSnapshot) => logger[s.state === "open" ? "warn" : "info"]({ breaker: s.name, state: s.state }, `webhook ${w.id}: circuit ${s.state}${s.state === "open" ? ` (last: ${s.lastFailure ?? "?"})` : ""}`),
      }),
    ]),
  );
  const queue: Job[] = [];
  const inflight = new Set<Promise<void>>();
  const idleWaiters: (() => void)[] = [];
  let running = 0;
  const closing = new AbortController();

  /** Diagnoses a firing target as the identity that posted it; a failure to start becomes the diagnosis' error. */
  async function diagnosisOf(job: Job): Promise<ClusterDiagnosis> {
    try {
      return await deps.diagnose.diagnose(job.identity, {
        clusterId: job.target.clusterId,
        ...(job.target.namespace ? { namespace: job.target.namespace } : {}),
        correlationId: job.id,
        timeoutSeconds: cfg.diagnoseTimeoutSeconds,
        signal: closing.signal,
        onBehalfOf: job.onBehalfOf,
      });
    } catch (e) {
      const code = isKubentlyError(e) ? e.code : "INTERNAL";
      return { outcome: { commandId: "", clusterId: job.target.clusterId, correlationId: job.id, status: "failure", argv: [] }, error: { code, message: (e as Error).message } };
    }
  }

  /** Sends a message to one webhook; undelivered bodies become dead letters. */
  async function send(webhook: ResolvedAlertsConfig["webhooks"][number], message: AlertMessage, job: Job): Promise<void> {
    const breaker = breakers.get(webhook.id)!;
    const headers = { ...webhook.headers };
    for (const out of bodiesFor(webhook, message)) {
      const body = webhook.type === "pagerduty" ? { routing_key: webhook.routingKey, ...out.body } : out.body;
      const r = await deliver({ url: webhook.url, headers, breaker }, body, {
        ...cfg.delivery,
        signal: closing.signal,
        onRetry: () => deps.metrics.inc("kubently_webhook_retries_total", { webhook: webhook.id }),
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      });
      const fields = { webhook: webhook.id, type: webhook.type, host: hostOf(webhook.url), target: job.id, cluster: job.target.clusterId, attempts: r.attempts, status: r.status };
      if (r.ok) {
        deps.metrics.inc("kubently_webhook_deliveries_total", { webhook: webhook.id, outcome: "delivered" });
        logger.info(fields, `alert ${job.id} delivered to webhook ${webhook.id}`);
        continue;
      }
      if (closing.signal.aborted) return;
      const outcome = r.breakerOpen ? "circuit_open" : "failed";
      deps.metrics.inc("kubently_webhook_deliveries_total", { webhook: webhook.id, outcome });
      deps.metrics.inc("kubently_webhook_dead_letters_total", { webhook: webhook.id });
      const letter: DeadLetter = {
        id: newId(),
        at: Date.now(),
        webhook: webhook.id,
        type: webhook.type,
        target: { id: job.id, cluster_id: job.target.clusterId, namespace: job.target.namespace },
        ...(out.key ? { key: out.key } : {}),
        attempts: r.attempts,
        error: r.error,
        status: r.status,
        message,
      };
      dead.add(letter);
      logger.warn({ ...fields, error: r.error }, `alert ${job.id}: webhook ${webhook.id} failed after ${r.attempts} attempt${r.attempts === 1 ? "" : "s"}; dead-lettered`);
      await deps.audit
        .append({ at: letter.at, eventType: "alert.dead_lettered", identity: job.identity.name, role: job.identity.role, clusterId: job.target.clusterId, correlationId: job.id, reason: `webhook ${webhook.id}: ${r.error}`.slice(0, 500), outcome: outcome })
        .catch((e: unknown) => logger.error({ target: job.id }, `audit of a dead letter failed: ${(e as Error).message}`));
    }
  }

  async function run(job: Job): Promise<void> {
    const diagnosis = job.firing ? await diagnosisOf(job) : undefined;
    if (diagnosis) deps.metrics.inc("kubently_alert_diagnoses_total", { status: diagnosis.outcome.status });
    if (closing.signal.aborted) return;
    const message = buildMessage({ id: job.id, receiver: job.receiver, externalUrl: job.externalUrl, target: job.target, ...(diagnosis ? { diagnosis } : {}) });
    await Promise.all(cfg.webhooks.map((w) => send(w, message, job)));
  }

  function pump(): void {
    while (running < cfg.concurrency && queue.length > 0 && !closing.signal.aborted) {
      const job = queue.shift()!;
      running += 1;
      const p: Promise<void> = run(job)
        .catch((e: unknown) => logger.error({ target: job.id }, `alert ${job.id} failed: ${(e as Error).message}`))
        .finally(() => {
          running -= 1;
          inflight.delete(p);
          pump();
          if (running === 0 && queue.length === 0) for (const w of idleWaiters.splice(0)) w();
        });
      inflight.add(p);
    }
  }

  /** Why `identity` may not diagnose `t`, or null. */
  async function refusal(identity: Identity, t: AlertTarget): Promise<{ code: ErrorCode; message: string } | null> {
    try {
      await deps.clusters.get(identity, t.clusterId);
    } catch (e) {
      if (isKubentlyError(e)) return { code: e.code, message: e.message };
      throw e;
    }
    const scope = identity.namespaces;
    if (scope && t.namespace && !scope.includes(t.namespace)) return { code: "FORBIDDEN", message: `this key is scoped to namespaces ${scope.join(", ")}, not ${t.namespace}` };
    if (scope && !t.namespace && scope.length !== 1) return { code: "VALIDATION_FAILED", message: `the alert names no namespace and this key reads only ${scope.join(", ")}: add a namespace label` };
    return null;
  }

  return {
    /**
     * Takes one Alertmanager webhook body: validates it, refuses what the
     * identity may not diagnose, queues one diagnosis per firing target and
     * answers at once. A batch where every alert was refused answers the
     * first refusal's error; one that does not fit the queue, `ALERTS_BUSY`.
     */
    async receive(identity: Identity, body: unknown, options: { onBehalfOf?: string } = {}): Promise<AlertsReceipt> {
      requireRole(identity, ["admin", "operator"], "post alerts (each one runs a diagnosis)");
      if (closing.signal.aborted) throw new KubentlyError("SHUTTING_DOWN", "the API is shutting down; alerts are not taken");
      const payload = parseAlertmanagerPayload(body);
      for (const a of payload.alerts) deps.metrics.inc("kubently_alerts_received_total", { status: a.status });
      const grouped = targetsOf(payload.alerts, cfg);
      const refused: AlertsReceipt["refused"] = grouped.refused.map((r) => ({ alertname: r.alert.labels.alertname ?? null, fingerprint: r.alert.fingerprint, cluster_id: null, namespace: r.alert.labels.namespace || null, code: r.code, error: r.message }));
      const allowed = async (targets: AlertTarget[]) => {
        const ok: AlertTarget[] = [];
        for (const t of targets) {
          const why = await refusal(identity, t);
          if (!why) ok.push(t);
          else for (const a of t.alerts) refused.push({ alertname: a.labels.alertname ?? null, fingerprint: a.fingerprint, cluster_id: t.clusterId, namespace: t.namespace, code: why.code, error: why.message });
        }
        return ok;
      };
      const firing = await allowed(grouped.targets);
      const resolved = await allowed(grouped.resolved);
      const accepted = firing.slice(0, cfg.maxTargets);
      const skipped = firing.slice(cfg.maxTargets);
      if (accepted.length === 0 && resolved.length === 0 && refused.length > 0) {
        const first = refused[0]!;
        throw new KubentlyError(first.code, `no alert in this batch may be diagnosed: ${first.error}`, { details: { refused } });
      }
      const jobs = accepted.length + (cfg.webhooks.length ? resolved.length : 0);
      if (queue.length + running + jobs > cfg.queueSize) {
        deps.metrics.inc("kubently_alerts_busy_total");
        throw new KubentlyError("ALERTS_BUSY", `${queue.length + running} alert targets are waiting or running (at most ${cfg.queueSize}); send the batch again later`, { details: { retry_after: 5, queued: queue.length + running, queue_size: cfg.queueSize } });
      }
      const onBehalfOf = options.onBehalfOf ?? `alertmanager:${payload.receiver}`.slice(0, 128);
      const base = { identity, receiver: payload.receiver, ...(payload.externalURL ? { externalUrl: payload.externalURL } : {}), onBehalfOf };
      const receipt: AlertsReceipt = { status: "accepted", receiver: payload.receiver, accepted: [], resolved: [], skipped: skipped.map((t) => ({ ...withoutId(viewOf("", t)), reason: `over ${cfg.maxTargets} targets in one request` })), refused, webhooks: cfg.webhooks.map((w) => w.id) };
      for (const [list, firingJob] of [[accepted, true], [cfg.webhooks.length ? resolved : [], false]] as const) {
        for (const target of list) {
          const id = newId();
          (firingJob ? receipt.accepted : receipt.resolved).push(viewOf(id, target));
          await deps.audit.append({ at: Date.now(), eventType: "alert.received", identity: identity.name, role: identity.role, clusterId: target.clusterId, correlationId: id, onBehalfOf, reason: `${target.alerts[0]!.status} ${names(target).join(", ")}${target.namespace ? ` in ${target.namespace}` : ""}`.slice(0, 500) });
          queue.push({ ...base, id, target, firing: firingJob });
        }
      }
      deps.metrics.add("kubently_alert_targets_total", receipt.accepted.length, { outcome: "accepted" });
      deps.metrics.add("kubently_alert_targets_total", receipt.skipped.length, { outcome: "skipped" });
      deps.metrics.add("kubently_alert_targets_total", refused.length, { outcome: "refused" });
      pump();
      return receipt;
    },

    /** Dead letters, newest first, with the store's counts (admins only). */
    deadLetters(identity: Identity): { dead_letters: DeadLetter[]; count: number; dropped: number; total: number; max: number } {
      requireRole(identity, ["admin"], "read dead letters");
      const s = dead.stats();
      return { dead_letters: dead.list(), count: s.kept, dropped: s.dropped, total: s.total, max: s.max };
    },

    /** One breaker per configured webhook (`webhook:<id>`), for `/ready` and metrics. */
    breakers(): Breaker[] {
      return [...breakers.values()];
    },

    /** Targets waiting and running now. */
    stats(): { queued: number; running: number; deadLetters: number } {
      return { queued: queue.length, running, deadLetters: dead.stats().kept };
    },

    /** Resolves when nothing is queued or running (tests, and a drain). */
    idle(): Promise<void> {
      if (running === 0 && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },

    /** Stops taking alerts, drops what waits, cancels what runs (its diagnosis and deliveries) and waits for it to end. */
    async close(): Promise<void> {
      closing.abort();
      if (queue.length) logger.warn({ dropped: queue.length }, `alerts: ${queue.length} queued target(s) dropped at shutdown`);
      queue.length = 0;
      await Promise.allSettled([...inflight]);
      for (const w of idleWaiters.splice(0)) w();
    },
  };
}

/** The alerts service's type. */
export type AlertsService = ReturnType<typeof alertsService>;
