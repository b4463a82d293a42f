/**
 * Containers the kubelet cannot create: waiting with reason
 * `CreateContainerConfigError` (the container's configuration cannot be
 * built: a missing Secret, ConfigMap or key its env names, runAsNonRoot with
 * a root image) or `CreateContainerError` (the runtime refused it). One
 * finding per pod and container.
 *
 * The kubelet's message is parsed so the title names what is missing (`Pod
 * web-1 cannot start: Secret db-credentials not found`) and the evidence names
 * the env entries of the container that reference it. Secrets are never read:
 * only their names as the pod spec and the message give them, and the confirm
 * commands show Secret metadata only (a table, or describe's key names and sizes).
 */
import type { KubeObject } from "../../lib/kube/index.ts";
import { type Finding, aboutContainer, confirm, containerSpec, defineAnalyzer, eventLine, finding, sameObject, waitingContainers, warningsFor } from "../../lib/diagnose/index.ts";

const ID = "container-config";

const REASONS = ["CreateContainerConfigError", "CreateContainerError"] as const;
type Reason = (typeof REASONS)[number];

/** What the kubelet's message says is wrong. */
type Cause =
  | { type: "missing"; kind: "Secret" | "ConfigMap"; name: string }
  | { type: "key"; kind: "Secret" | "ConfigMap"; name: string; key: string }
  | { type: "root"; nonNumeric: boolean }
  | { type: "cache"; kind: "Secret" | "ConfigMap" }
  | { type: "other" };

export const containerConfig = defineAnalyzer({
  id: ID,
  description: "Containers that cannot be created: a missing Secret, ConfigMap or key, runAsNonRoot with a root image, runtime errors",
  codes: { CreateContainerConfigError: "critical", CreateContainerError: "critical" },
  kinds: ["pods", "events"],
  analyze(snapshot, ctx) {
    const out: Finding[] = [];
    for (const { pod, container: c, reason } of waitingContainers(snapshot, REASONS)) {
      const namespace = pod.metadata.namespace ?? "";
      const name = pod.metadata.name;
      const code = reason as Reason;
      const message = (c.state.waiting?.message ?? "").trim();
      const cause = parse(message);
      const what = `${c.init ? "init container" : "container"} ${c.name}`;
      const refs = cause.type === "missing" || cause.type === "key" ? references(containerSpec(pod, c.name), cause.kind, cause.name, cause.type === "key" ? cause.key : undefined) : [];
      const events = warningsFor(snapshot, "Pod", pod).filter((e) => e.reason === "Failed" && aboutContainer(e, c.name) && sameObject(e, pod));
      const object = cause.type === "missing" || cause.type === "key" ? (cause.kind === "Secret" ? "secret" : "configmap") : undefined;
      out.push(
        finding(ID, {
          code,
          severity: "critical",
          kind: "Pod",
          namespace,
          name,
          detail: c.name,
          title: `Pod ${name} cannot start: ${titleOf(cause, what, code)}`,
          evidence: [`${what}: ${code}${message ? `: ${message}` : ""}`, ...refs.map((r) => `referenced by ${r}`), ...events.slice(0, 2).map((e) => eventLine(e, ctx.now))],
          confirm: [
            confirm.describe("pod", name, namespace),
            // A missing object: is it there (a table, no values)? A missing key: describe lists key names and sizes, never values.
            ...(object && cause.type === "missing" ? [confirm.get(object, cause.name, namespace)] : []),
            ...(object && cause.type === "key" ? [confirm.describe(object, cause.name, namespace)] : []),
            confirm.events("Pod", name, namespace),
          ],
          hint: hintOf(cause, namespace, refs),
        }),
      );
    }
    return out;
  },
});

export default containerConfig;

const kindOf = (word: string): "Secret" | "ConfigMap" => (word.toLowerCase() === "secret" ? "Secret" : "ConfigMap");

/** Reads the kubelet's message (pkg/kubelet/kubelet_pods.go and the runAsNonRoot check). */
function parse(message: string): Cause {
  let m = /couldn't find key (\S+) in (Secret|ConfigMap) (?:[^/\s]+\/)?([^\s/]+)/i.exec(message);
  if (m) return { type: "key", kind: kindOf(m[2]!), name: m[3]!, key: m[1]! };
  m = /\b(secret|configmap)s? "([^"]+)" not found/i.exec(message);
  if (m) return { type: "missing", kind: kindOf(m[1]!), name: m[2]! };
  if (/runAsNonRoot/.test(message)) return { type: "root", nonNumeric: /non-numeric user/.test(message) };
  m = /failed to sync (secret|configmap) cache/i.exec(message);
  if (m) return { type: "cache", kind: kindOf(m[1]!) };
  return { type: "other" };
}

function titleOf(cause: Cause, what: string, code: Reason): string {
  switch (cause.type) {
    case "missing":
      return `${cause.kind} ${cause.name} not found`;
    case "key":
      return `key ${cause.key} not found in ${cause.kind} ${cause.name}`;
    case "root":
      return cause.nonNumeric ? `${what} sets runAsNonRoot but its image's user is not numeric` : `${what} sets runAsNonRoot but its image runs as root`;
    case "cache":
      return `the kubelet could not read ${cause.kind}s for ${what}`;
    default:
      return `${what} could not be created (${code})`;
  }
}

function hintOf(cause: Cause, namespace: string, refs: string[]): string {
  const where = refs.length ? ` (${refs.join("; ")})` : "";
  switch (cause.type) {
    case "missing":
      return `Create ${cause.kind} ${cause.name} in namespace ${namespace}, or fix the name in the reference${where}. The kubelet retries on its own and starts the container once it exists; a reference that may be absent can be marked optional: true.`;
    case "key":
      return `${cause.kind} ${cause.name} exists but has no key ${cause.key}: add the key, or fix the key name in the reference${where}. \`kubectl describe ${cause.kind.toLowerCase()} ${cause.name}\` lists its keys${cause.kind === "Secret" ? " (names and sizes, not values)" : ""}.`;
    case "root":
      return cause.nonNumeric
        ? "runAsNonRoot can only be verified for a numeric user: set securityContext.runAsUser to a non-zero UID, or build the image with a numeric USER."
        : "The image runs as root (UID 0) while runAsNonRoot is set: set securityContext.runAsUser to a non-zero UID, or use an image built with a non-root USER.";
    case "cache":
      return `The kubelet timed out reading the ${cause.kind} from the API server (API server load, or the node's access to it); this usually clears on retry: check the API server and the node if it persists.`;
    default:
      return "The container runtime refused to create the container; the message names why (a subPath or mount source that does not exist, a name left by an earlier instance, a runtime error). Check the pod's volume mounts and the node's container runtime.";
  }
}

/** The container's env entries that use the object (and key): `env DB_PASSWORD (secretKeyRef db-credentials/password)`, `envFrom secretRef db-credentials`. */
function references(spec: Record<string, unknown> | undefined, kind: "Secret" | "ConfigMap", name: string, key: string | undefined): string[] {
  if (!spec) return [];
  const refField = kind === "Secret" ? "secretKeyRef" : "configMapKeyRef";
  const out: string[] = [];
  for (const e of Array.isArray(spec.env) ? (spec.env as { name?: string; valueFrom?: Record<string, { name?: string; key?: string } | undefined> }[]) : []) {
    const ref = e?.valueFrom?.[refField];
    if (ref?.name === name && (key === undefined || ref.key === key)) out.push(`env ${e.name ?? "?"} (${refField} ${name}/${ref.key ?? "?"})`);
  }
  if (key === undefined) {
    const fromField = kind === "Secret" ? "secretRef" : "configMapRef";
    for (const e of Array.isArray(spec.envFrom) ? (spec.envFrom as Record<string, { name?: string } | undefined>[]) : []) {
      if (e?.[fromField]?.name === name) out.push(`envFrom ${fromField} ${name}`);
    }
  }
  return out.slice(0, 4);
}

