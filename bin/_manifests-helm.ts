/**
 * `kubently manifests helm`: a Helm chart for the API (with an optional
 * Redis) and the agent. The agent's objects are not written twice: its
 * ServiceAccount, read-only ClusterRole, binding, kubeconfig and Deployment
 * are {@link agentManifests}' objects with names, labels, image and token
 * reference turned into template expressions, and the API pod reuses the
 * agent pod's security contexts. Go templates are kept to `include`,
 * `required`, `default`, `quote`, `toYaml`, `nindent` and `if`.
 */
import { VERSION } from "../lib/version.ts";
import { AGENT_NAMES, agentManifests, yamlDocument } from "./_manifests-agent.ts";

/** {@link yamlDocument}, each line indented by `indent` spaces. */
const yamlOf = (object: unknown, indent = 0): string =>
  yamlDocument(object)
    .split("\n")
    .map((l) => " ".repeat(indent) + l)
    .join("\n");

/** Placeholders put into the agent's objects, then replaced by template expressions. */
const MARK = {
  agent: "__KUBENTLY_AGENT__",
  role: "__KUBENTLY_ROLE__",
  tokenSecret: "__KUBENTLY_SECRET__",
  kubeconfigMap: "__KUBENTLY_KUBECONFIG__",
  namespace: "__KUBENTLY_NAMESPACE__",
  apiUrl: "__KUBENTLY_API_URL__",
  clusterId: "__KUBENTLY_CLUSTER_ID__",
  image: "__KUBENTLY_IMAGE__",
  labels: "__KUBENTLY_LABELS__",
  selector: "__KUBENTLY_SELECTOR__",
  resources: "__KUBENTLY_RESOURCES__",
} as const;

const FULLNAME = `include "kubently.fullname" .`;

/** What each placeholder becomes in the chart. */
const EXPRESSIONS: Record<string, string> = {
  [MARK.agent]: `{{ ${FULLNAME} }}-agent`,
  [MARK.role]: `{{ ${FULLNAME} }}-agent-read`,
  [MARK.tokenSecret]: `{{ include "kubently.secretName" . }}`,
  [MARK.kubeconfigMap]: `{{ ${FULLNAME} }}-agent-kubeconfig`,
  [MARK.namespace]: "{{ .Release.Namespace }}",
  [MARK.apiUrl]: `{{ include "kubently.agentApiUrl" . | quote }}`,
  [MARK.clusterId]: "{{ .Values.agent.clusterId | quote }}",
  [MARK.image]: `{{ include "kubently.image" . | quote }}`,
};

/** Replaces names by placeholders and label maps by markers, deeply. */
function mark(value: unknown, key = ""): unknown {
  if (typeof value === "string") {
    const name = (Object.keys(AGENT_NAMES) as (keyof typeof AGENT_NAMES)[]).find((k) => AGENT_NAMES[k] === value);
    return name ? MARK[name] : value;
  }
  if (Array.isArray(value)) return value.map((v) => mark(v));
  if (value && typeof value === "object") {
    if (key === "labels") return MARK.labels;
    if (key === "matchLabels") return MARK.selector;
    if (key === "resources" && !Array.isArray(value)) return MARK.resources;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mark(v, k)]));
  }
  return value;
}

/** The agent's objects of `kubently manifests` as chart templates (the placeholder Secret and the Namespace are the chart's own). */
function agentTemplate(): string {
  const docs = agentManifests({ apiUrl: MARK.apiUrl, clusterId: MARK.clusterId, namespace: MARK.namespace, image: MARK.image })
    .map((d) => d.object as { kind: string })
    .filter((o) => o.kind !== "Namespace" && o.kind !== "Secret")
    .map((o) => {
      const marked = mark(o) as any;
      if (o.kind === "Deployment") {
        const env = marked.spec.template.spec.containers[0].env as { name: string; valueFrom?: { secretKeyRef: { key: string } } }[];
        env.find((e) => e.name === "KUBENTLY_TOKEN")!.valueFrom!.secretKeyRef.key = "agent-token";
      }
      return yamlOf(marked);
    });
  const body = docs
    .join("\n---\n")
    .replace(/^( *)labels: __KUBENTLY_LABELS__$/gm, (_, indent: string) => `${indent}labels:\n${indent}  {{- include "kubently.labels" (dict "root" . "component" "agent") | nindent ${indent.length + 2} }}`)
    .replace(/^( *)matchLabels: __KUBENTLY_SELECTOR__$/gm, (_, indent: string) => `${indent}matchLabels:\n${indent}  {{- include "kubently.selectorLabels" (dict "root" . "component" "agent") | nindent ${indent.length + 2} }}`)
    .replace(/^( *)resources: __KUBENTLY_RESOURCES__$/gm, (_, indent: string) => `${indent}resources:\n${indent}  {{- toYaml .Values.agent.resources | nindent ${indent.length + 2} }}`)
    .replace(/__KUBENTLY_[A-Z_]+__/g, (m) => {
      const expression = EXPRESSIONS[m];
      if (!expression) throw new Error(`no template expression for ${m}`);
      return expression;
    });
  return `{{- /* The agent: the objects of "kubently manifests" (same RBAC, same hardened pod), named per release. */}}
{{- if .Values.agent.enabled }}
${body}
{{- end }}
`;
}

/** The agent pod's security contexts, which the API and Redis pods share. */
function securityContexts(): { pod: unknown; container: unknown } {
  const deployment = agentManifests({ apiUrl: "http://x", clusterId: "x", namespace: "x", image: "x" }).find((d) => (d.object as { kind: string }).kind === "Deployment")!.object as any;
  const pod = deployment.spec.template.spec;
  return { pod: pod.securityContext, container: pod.containers[0].securityContext };
}

const CHART = `apiVersion: v2
name: kubently
description: Read-only Kubernetes debugging for AI agents and people - the Kubently API (with an optional Redis) and its in-cluster agent.
type: application
version: ${VERSION}
appVersion: "${VERSION}"
`;

const values = (clusterId: string): string => `# Values of the Kubently chart. Every value is optional unless marked required.
# Secrets never belong in a values file you commit: pass them with --set / --set-file,
# or create the Secret yourself and name it in secrets.existingSecret.

# The image for the API and the agent: it must have kubently and kubectl on its PATH
# (kubently manifests docker writes a Dockerfile for one).
image:
  repository: kubently
  # Defaults to the chart's appVersion.
  tag: ""
  pullPolicy: IfNotPresent

# The chart's name in the objects' names: they start with "<release>-<nameOverride or kubently>" (just the release
# name when it already contains that).
nameOverride: ""
# The whole prefix of the objects' names instead (at most 40 characters).
fullnameOverride: ""

# Keys and tokens: the chart's own Secret from these values, or yours.
secrets:
  # The name of a Secret you made, with the keys admin-key, agent-token and (with Redis) signing.pem.
  # When set, the chart makes no Secret and the three values below are ignored.
  existingSecret: ""
  # Required with api.enabled: the admin API key (for kubently cluster|key|user|audit), e.g. $(openssl rand -hex 24).
  adminKey: ""
  # Required with agent.enabled: the token the agent presents; the API accepts it for agent.clusterId.
  agentToken: ""
  # Required with Redis: the Ed25519 PKCS#8 PEM that signs commands, shared by every API replica
  # (kubently keygen > signing.pem 2> public.pem; --set-file secrets.signingKey=signing.pem).
  # Without Redis (memory backend) an empty value means a fresh key on every start.
  signingKey: ""

# The API: REST, MCP (/mcp), the console (/ui) and A2A.
api:
  # Run the API in this cluster. Turn off to install only the agent in a workload cluster (set agent.apiUrl).
  enabled: true
  # More than one replica needs Redis (redis.enabled or redis.url): the memory backend lives in one process.
  replicas: 1
  # Host names besides loopback that /mcp and the A2A WebSocket answer (KUBENTLY_ALLOWED_HOSTS), e.g. [kubently.example.com].
  allowedHosts: []
  # The URL the A2A agent card advertises (KUBENTLY_A2A_PUBLIC_URL); empty: http://localhost:8000/.
  a2aPublicUrl: ""
  # Log lines: json (one object a line, for a collector) or pretty.
  logFormat: json
  # The API's Service.
  service:
    type: ClusterIP
    # The REST API, MCP (/mcp) and the console (/ui).
    port: 8080
    # A2A.
    a2aPort: 8000
  # The API container's requests and limits.
  resources:
    requests: { cpu: 100m, memory: 128Mi }
    limits: { cpu: "1", memory: 512Mi }

# The API's backend.
redis:
  # Run a Redis in this cluster as the API's backend (no password, reachable in the namespace only through its Service;
  # add a NetworkPolicy in shared namespaces). Off with url empty: the memory backend (one replica, state ends with the pod).
  enabled: true
  image: redis:7-alpine
  # An external Redis instead (redis://host:6379 or rediss://...); takes precedence over enabled.
  url: ""
  # The Redis container's requests and limits.
  resources:
    requests: { cpu: 50m, memory: 64Mi }
    limits: { cpu: 500m, memory: 256Mi }

# The in-cluster agent: outbound long poll to the API, runs read-only kubectl.
agent:
  # Run the agent in this cluster (read-only ClusterRole: get, list, watch; no Secrets).
  enabled: true
  # The cluster's id at the API: a DNS label, what callers name in kubently exec ID.
  clusterId: ${clusterId}
  # Where the agent reaches the API; empty: this release's API Service.
  apiUrl: ""
  # The agent container's requests and limits (the agent plus up to four kubectl processes).
  resources:
    requests: { cpu: 100m, memory: 128Mi }
    limits: { cpu: "1", memory: 512Mi }
`;

const HELPERS = `{{/* The chart's name. */}}
{{- define "kubently.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 40 | trimSuffix "-" }}
{{- end }}

{{/* The prefix of every object's name: at most 40 characters, so suffixes fit in 63. */}}
{{- define "kubently.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else if contains (include "kubently.name" .) .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "kubently.name" .) | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* Labels of every object; takes (dict "root" . "component" NAME). */}}
{{- define "kubently.labels" -}}
{{ include "kubently.selectorLabels" . }}
app.kubernetes.io/part-of: kubently
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | quote }}
{{- end }}

{{/* The labels a component's Deployment selects its pods by. */}}
{{- define "kubently.selectorLabels" -}}
app.kubernetes.io/name: kubently
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "kubently.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{- define "kubently.secretName" -}}
{{ .Values.secrets.existingSecret | default (printf "%s-secrets" (include "kubently.fullname" .)) }}
{{- end }}

{{/* The Redis URL, empty for the memory backend. */}}
{{- define "kubently.redisUrl" -}}
{{- if .Values.redis.url }}{{ .Values.redis.url }}{{ else if .Values.redis.enabled }}redis://{{ include "kubently.fullname" . }}-redis:6379{{ end }}
{{- end }}

{{- define "kubently.agentApiUrl" -}}
{{ .Values.agent.apiUrl | default (printf "http://%s-api:%v" (include "kubently.fullname" .) .Values.api.service.port) }}
{{- end }}
`;

const SECRETS = `{{- /* The admin key, the agent token and the signing key, unless secrets.existingSecret names your own Secret. */}}
{{- if not .Values.secrets.existingSecret }}
apiVersion: v1
kind: Secret
metadata:
  name: {{ include "kubently.secretName" . }}
  labels:
    {{- include "kubently.labels" (dict "root" . "component" "secrets") | nindent 4 }}
type: Opaque
stringData:
  {{- if .Values.api.enabled }}
  admin-key: {{ required "secrets.adminKey is required with api.enabled (or name your Secret in secrets.existingSecret), e.g. --set secrets.adminKey=$(openssl rand -hex 24)" .Values.secrets.adminKey | quote }}
  {{- end }}
  {{- if .Values.agent.enabled }}
  agent-token: {{ required "secrets.agentToken is required with agent.enabled, e.g. --set secrets.agentToken=$(openssl rand -hex 32)" .Values.secrets.agentToken | quote }}
  {{- end }}
  {{- if and .Values.api.enabled (include "kubently.redisUrl" .) }}
  signing.pem: {{ required "secrets.signingKey is required with Redis (replicas share it): kubently keygen > signing.pem 2> public.pem; --set-file secrets.signingKey=signing.pem" .Values.secrets.signingKey | quote }}
  {{- else if and .Values.api.enabled .Values.secrets.signingKey }}
  signing.pem: {{ .Values.secrets.signingKey | quote }}
  {{- end }}
{{- end }}
`;

function apiTemplate(): string {
  const { pod, container } = securityContexts();
  return `{{- /* The API: REST, MCP and the console on the http port, A2A on a2a. */}}
{{- if .Values.api.enabled }}
{{- if and (gt (int .Values.api.replicas) 1) (not (include "kubently.redisUrl" .)) }}
{{- fail "api.replicas above 1 needs Redis (redis.enabled or redis.url): the memory backend lives in one process" }}
{{- end }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ ${FULLNAME} }}-api
  labels:
    {{- include "kubently.labels" (dict "root" . "component" "api") | nindent 4 }}
spec:
  replicas: {{ .Values.api.replicas }}
  selector:
    matchLabels:
      {{- include "kubently.selectorLabels" (dict "root" . "component" "api") | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "kubently.labels" (dict "root" . "component" "api") | nindent 8 }}
    spec:
      # Long enough for commands in flight and streams to end after SIGTERM (it drains).
      terminationGracePeriodSeconds: 45
      securityContext:
${yamlOf(pod, 8)}
      containers:
        - name: api
          image: {{ include "kubently.image" . | quote }}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          command: ["kubently"]
          args: ["api"]
          # The pod's endpoints go a few seconds after SIGTERM: serve on meanwhile (docs/replicas.md, rolling restarts).
          lifecycle:
            preStop:
              sleep:
                seconds: 5
          env:
            - name: KUBENTLY_HOST
              value: "0.0.0.0"
            - name: KUBENTLY_PORT
              value: "8080"
            - name: KUBENTLY_A2A_PORT
              value: "8000"
            - name: KUBENTLY_LOG_FORMAT
              value: {{ .Values.api.logFormat | quote }}
            - name: KUBENTLY_ADMIN_KEY
              valueFrom:
                secretKeyRef: { name: {{ include "kubently.secretName" . }}, key: admin-key }
            {{- if .Values.agent.enabled }}
            # Kubernetes expands $(AGENT_TOKEN) below: the token stays in the Secret.
            - name: AGENT_TOKEN
              valueFrom:
                secretKeyRef: { name: {{ include "kubently.secretName" . }}, key: agent-token }
            - name: KUBENTLY_AGENT_TOKENS
              value: {{ printf "%s:$(AGENT_TOKEN)" .Values.agent.clusterId | quote }}
            {{- end }}
            {{- if include "kubently.redisUrl" . }}
            - name: KUBENTLY_BACKEND
              value: redis
            - name: KUBENTLY_REDIS_URL
              value: {{ include "kubently.redisUrl" . | quote }}
            {{- end }}
            {{- if or (include "kubently.redisUrl" .) .Values.secrets.signingKey }}
            - name: KUBENTLY_SIGNING_KEY_FILE
              value: /etc/kubently/signing/signing.pem
            {{- end }}
            {{- with .Values.api.allowedHosts }}
            - name: KUBENTLY_ALLOWED_HOSTS
              value: {{ join "," . | quote }}
            {{- end }}
            {{- with .Values.api.a2aPublicUrl }}
            - name: KUBENTLY_A2A_PUBLIC_URL
              value: {{ . | quote }}
            {{- end }}
            - name: HOME
              value: /tmp
          ports:
            - { name: http, containerPort: 8080 }
            - { name: a2a, containerPort: 8000 }
          livenessProbe:
            httpGet: { path: /healthz, port: http }
            periodSeconds: 10
          readinessProbe:
            # Not ready while the backend does not answer or the API drains.
            httpGet: { path: /ready, port: http }
            periodSeconds: 5
          securityContext:
${yamlOf(container, 12)}
          resources:
            {{- toYaml .Values.api.resources | nindent 12 }}
          volumeMounts:
            - { name: tmp, mountPath: /tmp }
            {{- if or (include "kubently.redisUrl" .) .Values.secrets.signingKey }}
            - { name: signing, mountPath: /etc/kubently/signing, readOnly: true }
            {{- end }}
      volumes:
        - name: tmp
          emptyDir: { sizeLimit: 64Mi }
        {{- if or (include "kubently.redisUrl" .) .Values.secrets.signingKey }}
        - name: signing
          secret:
            secretName: {{ include "kubently.secretName" . }}
            items: [{ key: signing.pem, path: signing.pem }]
            # 0400: owner read-only (decimal, since YAML parsers disagree on leading-zero octal).
            defaultMode: 256
        {{- end }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ ${FULLNAME} }}-api
  labels:
    {{- include "kubently.labels" (dict "root" . "component" "api") | nindent 4 }}
spec:
  type: {{ .Values.api.service.type }}
  selector:
    {{- include "kubently.selectorLabels" (dict "root" . "component" "api") | nindent 4 }}
  ports:
    - { name: http, port: {{ .Values.api.service.port }}, targetPort: http }
    - { name: a2a, port: {{ .Values.api.service.a2aPort }}, targetPort: a2a }
{{- end }}
`;
}

function redisTemplate(): string {
  const { pod, container } = securityContexts();
  return `{{- /* An in-cluster Redis for the API (redis.enabled, unless redis.url names another). */}}
{{- if and .Values.api.enabled .Values.redis.enabled (not .Values.redis.url) }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ ${FULLNAME} }}-redis
  labels:
    {{- include "kubently.labels" (dict "root" . "component" "redis") | nindent 4 }}
spec:
  replicas: 1
  selector:
    matchLabels:
      {{- include "kubently.selectorLabels" (dict "root" . "component" "redis") | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "kubently.labels" (dict "root" . "component" "redis") | nindent 8 }}
    spec:
      securityContext:
${yamlOf(pod, 8)}
      containers:
        - name: redis
          image: {{ .Values.redis.image | quote }}
          # No snapshots: queued commands and sessions are short-lived; keys and the audit log need a persistent Redis (redis.url).
          args: ["--save", "", "--appendonly", "no"]
          ports:
            - { name: redis, containerPort: 6379 }
          readinessProbe:
            exec: { command: ["redis-cli", "ping"] }
            periodSeconds: 5
          livenessProbe:
            tcpSocket: { port: redis }
            periodSeconds: 10
          securityContext:
${yamlOf(container, 12)}
          resources:
            {{- toYaml .Values.redis.resources | nindent 12 }}
          volumeMounts:
            - { name: data, mountPath: /data }
      volumes:
        - name: data
          emptyDir: {}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ ${FULLNAME} }}-redis
  labels:
    {{- include "kubently.labels" (dict "root" . "component" "redis") | nindent 4 }}
spec:
  selector:
    {{- include "kubently.selectorLabels" (dict "root" . "component" "redis") | nindent 4 }}
  ports:
    - { name: redis, port: 6379, targetPort: redis }
{{- end }}
`;
}

const NOTES = `Kubently {{ .Chart.AppVersion }} is installed as "{{ .Release.Name }}" in {{ .Release.Namespace }}.
{{- if .Values.api.enabled }}

The API (REST, MCP at /mcp, the console at /ui):
  kubectl -n {{ .Release.Namespace }} port-forward svc/{{ include "kubently.fullname" . }}-api 8080:{{ .Values.api.service.port }}
  export KUBENTLY_API_URL=http://127.0.0.1:8080 KUBENTLY_API_KEY=<the admin key>
  kubently cluster list
Put it behind TLS (an Ingress) before anything outside the cluster reaches it.
{{- end }}
{{- if .Values.agent.enabled }}

The agent for cluster "{{ .Values.agent.clusterId }}" polls {{ include "kubently.agentApiUrl" . }}:
  kubently exec {{ .Values.agent.clusterId }} -- get pods -A
{{- end }}
`;

/** What {@link helmChart} needs. */
export interface HelmChartOptions {
  /** The default of `agent.clusterId` in values.yaml. */
  clusterId: string;
}

/** The chart's files, path -> file. */
export function helmChart(o: HelmChartOptions): Record<string, { content: string }> {
  const files: Record<string, string> = {
    "Chart.yaml": CHART,
    "values.yaml": values(o.clusterId),
    "templates/_helpers.tpl": HELPERS,
    "templates/secrets.yaml": SECRETS,
    "templates/api.yaml": apiTemplate(),
    "templates/redis.yaml": redisTemplate(),
    "templates/agent.yaml": agentTemplate(),
    "templates/NOTES.txt": NOTES,
  };
  return Object.fromEntries(Object.entries(files).map(([path, content]) => [path, { content }]));
}
