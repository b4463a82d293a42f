/**
 * Containers that cannot start because their image cannot be pulled: waiting
 * with reason `ImagePullBackOff`, `ErrImagePull` or `InvalidImageName` (the
 * code is the reason). One finding per pod and container, with the image, the
 * kubelet's message and the pull errors from the pod's Warning events.
 *
 * The hint tells the usual causes apart from the registry's own words: a tag
 * or repository that does not exist, credentials refused (naming the pod's
 * imagePullSecrets, or their absence), a registry the node cannot reach, or a
 * pull rate limit. Secrets are never read: only their names in the pod spec.
 */
import type { KubeObject } from "../../lib/kube/index.ts";
import { type Finding, aboutContainer, confirm, containerSpec, defineAnalyzer, eventLine, finding, sameObject, waitingContainers, warningsFor } from "../../lib/diagnose/index.ts";

const ID = "image-pull";

const REASONS = ["ImagePullBackOff", "ErrImagePull", "InvalidImageName"] as const;
type Reason = (typeof REASONS)[number];

/** Event reasons the kubelet uses for pull failures. */
const PULL_EVENTS = new Set(["Failed", "BackOff", "InspectFailed", "ErrImageNeverPull"]);

/** Pull-error events kept per finding. */
const MAX_EVENTS = 3;

export const imagePull = defineAnalyzer({
  id: ID,
  description: "Containers waiting on an image that cannot be pulled (missing tag, refused credentials, unreachable registry, invalid name)",
  codes: { ImagePullBackOff: "critical", ErrImagePull: "critical", InvalidImageName: "critical" },
  kinds: ["pods", "events"],
  analyze(snapshot, ctx) {
    const out: Finding[] = [];
    for (const { pod, container: c, reason } of waitingContainers(snapshot, REASONS)) {
      const namespace = pod.metadata.namespace ?? "";
      const name = pod.metadata.name;
      const code = reason as Reason;
      const spec = containerSpec(pod, c.name);
      const image = typeof spec?.image === "string" && spec.image ? spec.image : c.image;
      const message = c.state.waiting?.message ?? "";
      const events = pullEvents(warningsFor(snapshot, "Pod", pod), pod, c.name);
      const text = [message, ...events.map((e) => String(e.message ?? ""))].join("\n");
      const what = `${c.init ? "init container" : "container"} ${c.name}`;
      out.push(
        finding(ID, {
          code,
          severity: "critical",
          kind: "Pod",
          namespace,
          name,
          detail: c.name,
          title: code === "InvalidImageName" ? `Pod ${name}: ${what} has an invalid image name "${image}"` : `Pod ${name}: ${what} cannot pull image ${image} (${code})`,
          evidence: [`image: ${image || "(none)"}`, ...(message ? [`waiting: ${code}: ${message}`] : []), ...events.map((e) => eventLine(e, ctx.now))],
          confirm: [confirm.describe("pod", name, namespace), confirm.events("Pod", name, namespace)],
          hint: hintFor(code, text, pullSecrets(pod), image),
        }),
      );
    }
    return out;
  },
});

export default imagePull;

/** The container's pull-failure events, newest first: those carrying the registry's error when there are any (the bare `Error: ImagePullBackOff` ones say nothing more). */
function pullEvents(warnings: readonly KubeObject[], pod: KubeObject, container: string): KubeObject[] {
  const mine = warnings.filter((e) => PULL_EVENTS.has(String(e.reason ?? "")) && aboutContainer(e, container) && sameObject(e, pod));
  const telling = mine.filter((e) => !/^Error: /.test(String(e.message ?? "")));
  return (telling.length ? telling : mine).slice(0, MAX_EVENTS);
}

const pullSecrets = (pod: KubeObject): string[] =>
  ((pod.spec as { imagePullSecrets?: { name?: string }[] } | undefined)?.imagePullSecrets ?? []).map((s) => s?.name ?? "").filter(Boolean);

/** The likely cause, read from the kubelet's and the registry's messages. */
function hintFor(code: Reason, text: string, secrets: string[], image: string): string {
  if (code === "InvalidImageName") return `The image reference "${image}" is not valid: fix the image field (lower-case [registry/]repository[:tag][@sha256:digest], no scheme, no spaces); the pod template has to change for the pod to start.`;
  const secretsText = secrets.length ? `the pod pulls with imagePullSecrets ${secrets.join(", ")}: check that they exist in the namespace and hold credentials valid for this registry` : "the pod names no imagePullSecrets (nor, perhaps, its service account): add a docker-registry Secret and reference it";
  if (/unauthori[sz]ed|authentication required|access denied|denied:|forbidden|insufficient_scope|authorization failed|no basic auth credentials/i.test(text))
    return `The registry refused the pull (credentials): ${secretsText}. If the repository name is wrong the registry may also answer this way.`;
  if (/manifest unknown|not found|notfound|does not exist|name unknown/i.test(text))
    return `The image or tag does not exist in the registry: check the tag for a typo and that it was pushed (for a private registry, also that ${secrets.length ? `imagePullSecrets ${secrets.join(", ")} grant access` : "the pod has imagePullSecrets"}).`;
  if (/toomanyrequests|rate limit/i.test(text)) return "The registry rate-limits pulls: authenticate pulls with imagePullSecrets, use a mirror, or wait for the limit to reset.";
  if (/no such host|i\/o timeout|connection refused|dial tcp|network is unreachable|tls handshake timeout|context deadline exceeded|x509|certificate/i.test(text))
    return "The node cannot reach the registry (DNS, network policy or egress firewall, proxy, TLS certificate): check from the node that the registry host resolves and answers.";
  return `The image could not be pulled: the Warning events above carry the registry's error; check the image name and tag, the registry's availability and ${secrets.length ? `imagePullSecrets ${secrets.join(", ")}` : "whether the registry needs imagePullSecrets"}.`;
}

