/**
 * Slack incoming-webhook messages (https://api.slack.com/messaging/webhooks):
 * `text` (the notification line, and what clients without blocks show) and
 * Block Kit `blocks`: the alerts, the cluster and namespace, the top findings
 * with their severity and a command that confirms each. Within Slack's
 * bounds: at most 50 blocks, section text at most 3,000 characters.
 */
import type { Finding } from "../../diagnose/analyzer.ts";
import type { AlertMessage } from "../message.ts";
import type { OutboundBody } from "./_body.ts";

/** Findings shown as their own blocks; the rest are counted. */
const SHOWN = 8;
const SECTION_MAX = 3000;

const ICON: Record<string, string> = { critical: ":red_circle:", warning: ":large_orange_circle:", info: ":large_blue_circle:" };
/** Slack's mrkdwn treats &, < and > as markup. */
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const where = (m: AlertMessage) => `${m.cluster_id}${m.namespace ? `/${m.namespace}` : ""}`;

/** `kubently exec CLUSTER -- ARGV` for a finding's first confirm command. */
export const confirmLine = (clusterId: string, f: Finding) => (f.confirm[0] ? `kubently exec ${clusterId} -- ${f.confirm[0].join(" ")}` : null);

function findingBlock(m: AlertMessage, f: Finding): object {
  const confirm = confirmLine(m.cluster_id, f);
  const text = `${ICON[f.severity] ?? ""} *${f.severity}* \`${f.code}\` ${esc(f.title)}${f.evidence[0] ? `\n> ${esc(cut(f.evidence[0], 300))}` : ""}${confirm ? `\n\`${esc(cut(confirm, 400))}\`` : ""}`;
  return { type: "section", text: { type: "mrkdwn", text: cut(text, SECTION_MAX) } };
}

/** The Slack body for a firing target (resolved targets are not sent to Slack). */
export function slackBody(m: AlertMessage): OutboundBody[] {
  if (m.status !== "firing") return [];
  const names = [...new Set(m.alerts.map((a) => a.alertname ?? "alert"))];
  const d = m.diagnosis;
  const tally = d && d.status === "success" ? `${d.summary.total} finding${d.summary.total === 1 ? "" : "s"} (${d.summary.critical} critical, ${d.summary.warning} warning)` : `diagnosis ${d?.status ?? "not run"}${d?.error ? `: ${d.error}` : ""}`;
  const text = cut(`[FIRING:${m.alerts.length}] ${names.join(", ")} on ${where(m)}: ${tally}`, SECTION_MAX);
  const blocks: object[] = [
    { type: "header", text: { type: "plain_text", text: cut(`${names.join(", ")} on ${where(m)}`, 150) } },
    {
      type: "section",
      text: {
        type: "mrkdwn",
        text: cut(
          [
            `*Cluster* ${esc(m.cluster_id)}   *Namespace* ${esc(m.namespace ?? "(all)")}${m.workloads.length ? `   *Workload* ${esc(m.workloads.map((w) => `${w.kind}/${w.name}`).join(", "))}` : ""}`,
            ...m.alerts.slice(0, 5).map((a) => `• ${esc(a.alertname ?? "alert")}${a.severity ? ` (${esc(a.severity)})` : ""}${a.annotations.summary ? `: ${esc(cut(a.annotations.summary, 300))}` : ""}`),
            `*Kubently:* ${esc(tally)}`,
          ].join("\n"),
          SECTION_MAX,
        ),
      },
    },
  ];
  if (d) {
    for (const f of d.findings.slice(0, SHOWN)) blocks.push(findingBlock(m, f));
    const more = d.findings.length - Math.min(d.findings.length, SHOWN);
    const also = d.also_seen.slice(0, 3);
    const lines = [
      ...(more > 0 ? [`…and ${more} more finding${more === 1 ? "" : "s"} about this workload`] : []),
      ...(also.length ? [`*Also seen in ${esc(where(m))}:* ${also.map((f) => `\`${f.code}\` ${esc(f.resource.kind)}/${esc(f.resource.name)}`).join(", ")}${d.also_seen_total > also.length ? ` and ${d.also_seen_total - also.length} more` : ""}`] : []),
      `Correlation id \`${d.correlation_id}\`${d.command_id ? `, command \`${d.command_id}\`` : ""}`,
    ];
    blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: cut(lines.join("\n"), SECTION_MAX) }] });
  }
  return [{ body: { text, blocks } }];
}
