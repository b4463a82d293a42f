/**
 * Failing readiness and liveness probes, from the kubelet's Warning events
 * (reason `Unhealthy`, `Readiness probe failed: ...` / `Liveness probe
 * failed: ...`) about pods that still exist and are not done. One finding per
 * pod, probe and container (the container the event's fieldPath names).
 *
 * - `ReadinessProbeFailing` (warning): the pod is out of its Services'
 *   endpoints while it fails. Not reported for a container that is not
 *   running (crash-loop and the others own that).
 * - `LivenessProbeFailing` (critical): the kubelet restarts the container.
 *
 * A probe has recovered, and is not reported, when its failures all came
 * before the pod last turned Ready (a slow start), or when the container (all app
 * containers when the event names none) is ready now and the newest failure
 * is older than 10 minutes. The evidence shows the probe as the spec defines
 * it (with the kubelet's defaults), how many failures were reported, the
 * newest failure messages and, for liveness, the restart count.
 */
import type { KubeObject } from "../../lib/kube/index.ts";
import { condition, type ContainerStatus, type Finding, age, confirm, containerSpec, containerStatuses, defineAnalyzer, eventLine, eventTime, finding, isDone, warningsFor, sameObject } from "../../lib/diagnose/index.ts";

const ID = "probes";

/** A failure older than this, on a container that is ready now, has recovered. */
const RECOVERED_MS = 10 * 60_000;

/** Distinct failure messages shown per finding. */
const MAX_EVENTS = 3;

type Probe = "readiness" | "liveness";

export const probes = defineAnalyzer({
  id: ID,
  description: "Readiness and liveness probes failing now, with the probe definition and the kubelet's failure messages",
  codes: { ReadinessProbeFailing: "warning", LivenessProbeFailing: "critical" },
  kinds: ["pods", "events"],
  analyze(snapshot, ctx) {
    const out: Finding[] = [];
    for (const pod of snapshot.list("pods")) {
      if (isDone(pod)) continue;
      const namespace = pod.metadata.namespace ?? "";
      const name = pod.metadata.name;
      // Failure events grouped by probe and container, each group newest first (as eventsFor returns them).
      const groups = new Map<string, { probe: Probe; container: string; events: KubeObject[] }>();
      for (const e of warningsFor(snapshot, "Pod", pod)) {
        if (e.reason !== "Unhealthy" || !sameObject(e, pod)) continue;
        const m = /^(Readiness|Liveness) probe (?:failed|errored)/.exec(String(e.message ?? ""));
        if (!m) continue;
        const probe = m[1]!.toLowerCase() as Probe;
        const container = /\{([^}]+)\}/.exec((e.involvedObject as { fieldPath?: string } | undefined)?.fieldPath ?? "")?.[1] ?? "";
        const key = `${probe}|${container}`;
        const g = groups.get(key);
        if (g) g.events.push(e);
        else groups.set(key, { probe, container, events: [e] });
      }
      const statuses = containerStatuses(pod).filter((c) => !c.init);
      for (const { probe, container, events } of [...groups.values()].sort((a, b) => cmp(`${a.probe}|${a.container}`, `${b.probe}|${b.container}`))) {
        const field = `${probe}Probe`;
        // The container the probe belongs to: the one the event names, else the only app container defining this probe.
        const specs = ((pod.spec as { containers?: Record<string, unknown>[] } | undefined)?.containers ?? []).filter((c) => c?.[field]);
        const specName = container || (specs.length === 1 ? String(specs[0]!.name ?? "") : "");
        const status = statuses.find((c) => c.name === specName);
        const ready = status ? status.ready : statuses.length > 0 && statuses.every((c) => c.ready);
        const newest = eventTime(events[0]!);
        if (ready && ctx.now - newest > RECOVERED_MS) continue;
        // Failures from before the container last became ready (a slow start) are behind it.
        const readySince = Date.parse(String(condition(pod, "Ready")?.status === "True" ? (condition(pod, "Ready")?.lastTransitionTime ?? "") : ""));
        if (ready && Number.isFinite(readySince) && newest <= readySince) continue;
        if (probe === "readiness" && status && !status.state.running) continue;
        const definition = specName ? (containerSpec(pod, specName)?.[field] as Record<string, unknown> | undefined) : undefined;
        const failures = events.reduce((n, e) => n + (typeof e.count === "number" ? e.count : ((e.series as { count?: number } | undefined)?.count ?? 1)), 0);
        const seen = new Set<string>();
        const distinct = events.filter((e) => !seen.has(String(e.message)) && seen.add(String(e.message))).slice(0, MAX_EVENTS);
        const what = container ? `container ${container}` : specName ? `container ${specName}` : "a container";
        const evidence = [
          definition ? `${field}: ${describeProbe(definition)}` : `${field}: not in the container spec`,
          ...(status ? [`container ${status.name}: ${stateOf(status)}${probe === "liveness" ? `, ${plural(status.restartCount, "restart")}` : ""}`] : []),
          `${plural(failures, "failure")} reported, the newest ${age(ctx.now - newest)} ago`,
          ...distinct.map((e) => eventLine(e, ctx.now)),
        ];
        const liveness = probe === "liveness";
        out.push(
          finding(ID, {
            code: liveness ? "LivenessProbeFailing" : "ReadinessProbeFailing",
            severity: liveness ? "critical" : "warning",
            kind: "Pod",
            namespace,
            name,
            ...(container ? { detail: container } : {}),
            title: `Pod ${name}: ${what} fails its ${probe} probe${liveness && status ? ` (${plural(status.restartCount, "restart")})` : ""}`,
            evidence,
            confirm: [confirm.describe("pod", name, namespace), confirm.events("Pod", name, namespace), ...(liveness && specName ? [confirm.logs(name, specName, namespace, true)] : [])],
            hint: hintOf(probe, String(events[0]!.message ?? ""), definition),
          }),
        );
      }
    }
    return out;
  },
});

export default probes;

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

const stateOf = (c: ContainerStatus): string =>
  `${c.state.running ? "running" : c.state.waiting ? `waiting (${c.state.waiting.reason ?? "no reason"})` : c.state.terminated ? `terminated (${c.state.terminated.reason ?? "no reason"})` : "no state"}, ${c.ready ? "ready" : "not ready"}`;

/** `httpGet http :8080/healthz, period 10s, timeout 1s, failureThreshold 3` (absent fields read as the kubelet's defaults). */
function describeProbe(p: Record<string, unknown>): string {
  const http = p.httpGet as { path?: string; port?: unknown; scheme?: string; host?: string } | undefined;
  const tcp = p.tcpSocket as { port?: unknown } | undefined;
  const exec = p.exec as { command?: unknown[] } | undefined;
  const grpc = p.grpc as { port?: unknown; service?: string } | undefined;
  const action = http
    ? `httpGet ${(http.scheme ?? "HTTP").toLowerCase()} ${http.host ?? ""}:${String(http.port ?? "?")}${http.path ?? "/"}`
    : tcp
      ? `tcpSocket :${String(tcp.port ?? "?")}`
      : exec
        ? `exec ${(Array.isArray(exec.command) ? exec.command.map(String).join(" ") : "").slice(0, 120)}`
        : grpc
          ? `grpc :${String(grpc.port ?? "?")}${grpc.service ? ` service ${grpc.service}` : ""}`
          : "no handler";
  const num = (k: string, d: number) => (typeof p[k] === "number" ? (p[k] as number) : d);
  const delay = num("initialDelaySeconds", 0);
  return [action, ...(delay ? [`initialDelay ${delay}s`] : []), `period ${num("periodSeconds", 10)}s`, `timeout ${num("timeoutSeconds", 1)}s`, `failureThreshold ${num("failureThreshold", 3)}`].join(", ");
}

/** What the newest failure message points at, then what the failing probe does to the pod. */
function hintOf(probe: Probe, text: string, definition: Record<string, unknown> | undefined): string {
  const timeout = typeof definition?.timeoutSeconds === "number" ? definition.timeoutSeconds : 1;
  const status = /statuscode: (\d{3})/i.exec(text)?.[1];
  const cause = /connection refused/i.test(text)
    ? "Nothing answers on the probed port: check that the probe's port is the one the app listens on and that the app finished starting (a slow start wants a startupProbe or a longer initialDelaySeconds)."
    : /timeout|deadline exceeded|timed out/i.test(text)
      ? `The endpoint answers slower than timeoutSeconds (${timeout}s): check the app's load and what the health endpoint waits on, or raise timeoutSeconds.`
      : status === "404"
        ? "The probe's path does not exist (HTTP 404): fix httpGet.path to the app's health endpoint."
        : status && status >= "500"
          ? `The health endpoint answers HTTP ${status}: the app reports itself unhealthy, often because a dependency it checks (database, cache, another Service) is down; its logs say which.`
          : status
            ? `The health endpoint answers HTTP ${status} (only 200-399 pass).`
            : "The probe fails: the messages above carry the kubelet's reason (for an exec probe, the command's output).";
  return probe === "liveness"
    ? `${cause} After failureThreshold failures in a row the kubelet kills and restarts the container; a liveness probe should check only the process itself, not its dependencies, or it restarts healthy containers.`
    : `${cause} While it fails, the pod is left out of its Services' endpoints and receives no traffic.`;
}

