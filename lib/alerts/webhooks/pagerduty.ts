/**
 * PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/):
 * one event per alert, `dedup_key` = the alert's fingerprint, so each alert is
 * one incident that its resolve closes. A trigger carries the findings in
 * `custom_details`; the routing key is added by the sender and never logged.
 */
import type { AlertMessage, MessageAlert } from "../message.ts";
import type { OutboundBody } from "./_body.ts";

/** PagerDuty's severities. */
type PdSeverity = "critical" | "error" | "warning" | "info";

/** The alert's `severity` label when PagerDuty knows it, else the worst finding's, else `error`. */
function severityOf(a: MessageAlert, m: AlertMessage): PdSeverity {
  const label = a.severity?.toLowerCase();
  if (label === "critical" || label === "error" || label === "warning" || label === "info") return label;
  if (label === "page") return "critical";
  const worst = m.diagnosis?.findings[0]?.severity;
  return worst === "critical" ? "critical" : worst === "warning" ? "warning" : worst === "info" ? "info" : "error";
}

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** The PagerDuty events (without `routing_key`) for a target: a trigger per firing alert, a resolve per resolved one. */
export function pagerdutyBodies(m: AlertMessage, options: { sendResolved: boolean }): OutboundBody[] {
  const where = `${m.cluster_id}${m.namespace ? `/${m.namespace}` : ""}`;
  return m.alerts.flatMap((a): OutboundBody[] => {
    if (a.status === "resolved") return options.sendResolved ? [{ body: { event_action: "resolve", dedup_key: a.fingerprint }, key: a.fingerprint }] : [];
    const d = m.diagnosis;
    const top = d?.findings[0];
    const summary = `${a.alertname ?? "alert"} on ${where}${top ? `: ${top.title}` : d && d.status !== "success" ? ` (diagnosis ${d.status})` : ""}`;
    return [
      {
        key: a.fingerprint,
        body: {
          event_action: "trigger",
          dedup_key: a.fingerprint,
          client: "Kubently",
          ...(m.external_url ? { client_url: m.external_url } : {}),
          payload: {
            summary: cut(summary, 1024),
            severity: severityOf(a, m),
            source: where,
            ...(m.workloads[0] ? { component: `${m.workloads[0].kind}/${m.workloads[0].name}` } : {}),
            ...(m.namespace ? { group: m.namespace } : {}),
            ...(a.alertname ? { class: a.alertname } : {}),
            ...(a.starts_at ? { timestamp: a.starts_at } : {}),
            custom_details: {
              alert: { labels: a.labels, annotations: a.annotations },
              diagnosis: d
                ? { status: d.status, error: d.error, summary: d.summary, correlation_id: d.correlation_id, command_id: d.command_id, findings: d.findings, also_seen: d.also_seen.map((f) => ({ severity: f.severity, code: f.code, resource: f.resource, title: f.title })), also_seen_total: d.also_seen_total, truncated: d.truncated }
                : null,
            },
          },
          ...(a.generator_url ? { links: [{ href: a.generator_url, text: "Source" }] } : {}),
        },
      },
    ];
  });
}
