/**
 * The agent's Kubernetes objects (Namespace, ServiceAccount, the read-only
 * ClusterRole and its binding, the token Secret, kubectl's kubeconfig, the
 * Deployment) and their YAML: one source for `kubently manifests`, the Helm
 * chart of `manifests helm` and `cluster add --manifest`. The agent's RBAC
 * is the read-only role of docs/security.md (a test keeps the two equal).
 */
import { VERSION } from "../lib/version.ts";

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

/** The names of the agent's objects (the chart of `manifests helm` renames them per release). */
export const AGENT_NAMES = { agent: "kubently-agent", role: "kubently-agent-read", tokenSecret: "kubently-agent-token", kubeconfigMap: "kubently-agent-kubeconfig" } as const;
const { agent: NAME, role: ROLE, tokenSecret: TOKEN_SECRET, kubeconfigMap: KUBECONFIG_MAP } = AGENT_NAMES;
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

/** One object as a YAML document (no trailing newline), multi-line strings as literal blocks. */
export const yamlDocument = (object: unknown): string =>
  // A JSON copy: shared sub-objects would otherwise come out as YAML anchors and aliases.
  Bun.YAML.stringify(JSON.parse(JSON.stringify(object)), null, 2)
    .trimEnd()
    .replace(MULTILINE, (_, indent: string, key: string, quoted: string) => {
      const lines = (JSON.parse(quoted) as string).trimEnd().split("\n");
      return `${indent}${key}: |\n${lines.map((l) => `${indent}  ${l}`).join("\n")}`;
    });

/** The objects as one YAML stream, each document after its comment. */
export function toYaml(docs: ReturnType<typeof agentManifests>): string {
  return docs.map(({ comment, object }) => `${comment.split("\n").map((l) => `# ${l}`).join("\n")}\n${yamlDocument(object)}\n`).join("---\n");
}
