/**
 * `kubently manifests`: the Kubernetes objects that run the agent in a
 * cluster, as YAML on stdout. The agent's RBAC is the read-only role of
 * docs/security.md (a test keeps the two equal); the agent token is never
 * written here, only a Secret to fill.
 */
import * as v from "valibot";
import { VERSION } from "../lib/version.ts";
import { ClusterIdSchema } from "../lib/schemas.ts";
import { EXIT, UsageError, noMore, print, type CliVerb } from "./_cli.ts";

const READ = ["get", "list", "watch"];

/**
 * The agent's ClusterRole rules: read-only, and no Secrets (the core group
 * lists its resources by name because `*` there would include them).
 */
export const AGENT_RULES = [
  {
    apiGroups: [""],
    resources: ["pods", "services", "endpoints", "events", "configmaps", "nodes", "namespaces", "persistentvolumeclaims", "persistentvolumes", "serviceaccounts", "replicationcontrollers", "resourcequotas", "limitranges"],
    verbs: READ,
  },
  {
    apiGroups: ["apps", "batch", "networking.k8s.io", "policy", "autoscaling", "discovery.k8s.io", "events.k8s.io", "storage.k8s.io", "rbac.authorization.k8s.io", "apiextensions.k8s.io", "metrics.k8s.io", "coordination.k8s.io"],
    resources: ["*"],
    verbs: READ,
  },
  { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
];

const NAME = "kubently-agent";
const ROLE = "kubently-agent-read";
const TOKEN_SECRET = "kubently-agent-token";
const KUBECONFIG_MAP = "kubently-agent-kubeconfig";
const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** What {@link agentManifests} needs. */
export interface ManifestOptions {
  /** The API URL the agent reaches (outbound). */
  apiUrl: string;
  clusterId: string;
  /** @default "kubently" */
  namespace: string;
  /** An image with `kubently` and `kubectl` on its PATH. */
  image: string;
}

/**
 * The agent's objects, each with a comment for the reader. kubectl gets an
 * explicit kubeconfig built from the pod's service-account token, so what it
 * talks to and as whom is written down here rather than implied by the pod's
 * environment (in-cluster config works too: the agent passes kubectl the
 * KUBERNETES_SERVICE_* address).
 */
export function agentManifests(o: ManifestOptions): { comment: string; object: Record<string, unknown> }[] {
  const labels = { "app.kubernetes.io/name": NAME, "app.kubernetes.io/part-of": "kubently", "app.kubernetes.io/version": VERSION };
  const meta = (name: string, namespaced = true) => ({ name, ...(namespaced ? { namespace: o.namespace } : {}), labels });
  const kubeconfig = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "in-cluster", cluster: { server: "https://kubernetes.default.svc", "certificate-authority": `${SA_DIR}/ca.crt` } }],
    users: [{ name: NAME, user: { tokenFile: `${SA_DIR}/token` } }],
    contexts: [{ name: "in-cluster", context: { cluster: "in-cluster", user: NAME } }],
    "current-context": "in-cluster",
  };
  return [
    { comment: "The agent's namespace.", object: { apiVersion: "v1", kind: "Namespace", metadata: { name: o.namespace, labels } } },
    { comment: "The agent's identity in the cluster.", object: { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(NAME) } },
    {
      comment: "Read-only access (get, list, watch), no Secrets: see docs/security.md, \"The agent's RBAC\".",
      object: { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: meta(ROLE, false), rules: AGENT_RULES },
    },
    {
      comment: "Grants the read-only role to the agent's ServiceAccount.",
      object: {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: meta(ROLE, false),
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: ROLE },
        subjects: [{ kind: "ServiceAccount", name: NAME, namespace: o.namespace }],
      },
    },
    {
      comment: [
        "The agent token: a placeholder with no data. Fill it once (the token never passes a command line):",
        `  kubently cluster token ${o.clusterId} | tr -d '\\n' | kubectl -n ${o.namespace} create secret generic ${TOKEN_SECRET} \\`,
        "    --from-file=token=/dev/stdin --dry-run=client -o yaml | kubectl replace -f -",
        `(use "kubently cluster rotate ${o.clusterId}" for a cluster that has a token). Applying this file again keeps the token.`,
      ].join("\n"),
      object: { apiVersion: "v1", kind: "Secret", metadata: meta(TOKEN_SECRET), type: "Opaque" },
    },
    {
      comment: "kubectl's kubeconfig: the API server with the pod's own service-account token and CA.",
      object: { apiVersion: "v1", kind: "ConfigMap", metadata: meta(KUBECONFIG_MAP), data: { kubeconfig: Bun.YAML.stringify(kubeconfig, null, 2) } },
    },
    {
      comment: `The agent: outbound only (long poll to ${o.apiUrl}), non-root, read-only root filesystem.`,
      object: {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: meta(NAME),
        spec: {
          replicas: 1,
          selector: { matchLabels: { "app.kubernetes.io/name": NAME } },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: NAME,
              // Long enough for commands in flight (at most 30 s) to finish and post their results.
              terminationGracePeriodSeconds: 45,
              securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
              containers: [
                {
                  name: "agent",
                  image: o.image,
                  command: ["kubently"],
                  args: ["agent"],
                  env: [
                    { name: "KUBENTLY_API_URL", value: o.apiUrl },
                    { name: "KUBENTLY_CLUSTER_ID", value: o.clusterId },
                    { name: "KUBENTLY_TOKEN", valueFrom: { secretKeyRef: { name: TOKEN_SECRET, key: "token" } } },
                    { name: "KUBENTLY_KUBECONFIG", value: "/etc/kubently/kubeconfig" },
                    // One JSON object per line: what cluster log collectors parse (docs/operations.md).
                    { name: "KUBENTLY_LOG_FORMAT", value: "json" },
                    // kubectl keeps its discovery cache under HOME: the only writable place.
                    { name: "HOME", value: "/tmp" },
                  ],
                  securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, privileged: false, capabilities: { drop: ["ALL"] } },
                  resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
                  volumeMounts: [
                    { name: "tmp", mountPath: "/tmp" },
                    { name: "kubeconfig", mountPath: "/etc/kubently", readOnly: true },
                  ],
                },
              ],
              volumes: [
                { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
                { name: "kubeconfig", configMap: { name: KUBECONFIG_MAP } },
              ],
            },
          },
        },
      },
    },
  ];
}

/** A double-quoted YAML scalar holding newlines, rewritten as a literal block (`|`) that reads as the file it holds. */
const MULTILINE = /^( *)([\w.-]+): ("(?:[^"\\]|\\.)*\\n(?:[^"\\]|\\.)*")$/gm;

/** The objects as one YAML stream, each document after its comment. */
export function toYaml(docs: ReturnType<typeof agentManifests>): string {
  const yaml = (object: unknown) =>
    // A JSON copy: shared sub-objects would otherwise come out as YAML anchors and aliases.
    Bun.YAML.stringify(JSON.parse(JSON.stringify(object)), null, 2)
      .trimEnd()
      .replace(MULTILINE, (_, indent: string, key: string, quoted: string) => {
        const lines = (JSON.parse(quoted) as string).trimEnd().split("\n");
        return `${indent}${key}: |\n${lines.map((l) => `${indent}  ${l}`).join("\n")}`;
      });
  return docs.map(({ comment, object }) => `${comment.split("\n").map((l) => `# ${l}`).join("\n")}\n${yaml(object)}\n`).join("---\n");
}

const MANIFESTS_USAGE = `Usage: kubently manifests --api-url URL --cluster-id ID [--namespace kubently] [--image IMAGE]

Prints the Kubernetes objects that run the agent for cluster ID: a Namespace,
a ServiceAccount, a read-only ClusterRole (get, list, watch; no Secrets) and
its binding, a Secret to fill with the agent token, kubectl's kubeconfig, and
the Deployment (non-root, read-only root filesystem, no privilege escalation).

  kubently cluster token prod | tr -d '\\n' > token      # with an admin key; see the Secret's comment
  kubently manifests --api-url https://kubently.example.com --cluster-id prod > agent.yaml
  kubectl apply -f agent.yaml

Flags:
  --api-url URL      the URL the agent reaches the API at, from inside the cluster (KUBENTLY_API_URL)
  --cluster-id ID    the cluster's id at the API (KUBENTLY_CLUSTER_ID)
  -n, --namespace NS where the agent runs (default kubently)
  --image IMAGE      an image with kubently and kubectl on its PATH (default kubently:${VERSION}; see docs/cli.md)`;

/** A DNS label, or a usage error naming the flag. */
function dnsLabel(flag: string, value: string): string {
  const r = v.safeParse(ClusterIdSchema, value);
  if (!r.success) throw new UsageError(`--${flag} ${r.issues[0].message} ("${value.slice(0, 80)}")`);
  return r.output;
}

/** `kubently manifests --api-url URL --cluster-id ID [--namespace NS] [--image IMAGE]` */
export const manifests: CliVerb = {
  summary: "Kubernetes YAML that runs the agent in a cluster",
  usage: MANIFESTS_USAGE,
  shared: ["api-url", "cluster-id"],
  flags: { namespace: { type: "string", short: "n" }, image: { type: "string" } },
  async run({ config, flags, args, rest }) {
    noMore([...args, ...rest], 0, "manifests");
    const missing = [config.apiUrl ? null : "--api-url", config.clusterId ? null : "--cluster-id"].filter(Boolean);
    if (missing.length > 0) throw new UsageError(`manifests needs ${missing.join(" and ")} (see kubently manifests --help)`);
    if (!/^https?:\/\/[^/\s]+/.test(config.apiUrl!) || !URL.canParse(config.apiUrl!)) throw new UsageError(`--api-url must be an http(s) URL, not "${config.apiUrl}"`);
    const docs = agentManifests({
      apiUrl: config.apiUrl!,
      clusterId: dnsLabel("cluster-id", config.clusterId!),
      namespace: dnsLabel("namespace", typeof flags.namespace === "string" ? flags.namespace : "kubently"),
      image: typeof flags.image === "string" && flags.image !== "" ? flags.image : `kubently:${VERSION}`,
    });
    await print(`# The Kubently agent (${VERSION}) for cluster "${config.clusterId}": kubently manifests --api-url ${config.apiUrl} --cluster-id ${config.clusterId}\n${toYaml(docs)}`);
    return EXIT.ok;
  },
};
