/** Builders for workload controllers: Deployments, ReplicaSets, DaemonSets, StatefulSets. */
import { type KubeObject, hexOf } from "./_k8s.ts";
import { type BuildContext, type ContainerInput, ago, containerSpec, controllerRef, objectMeta } from "./_objects.ts";

/** Inputs of {@link deployment}. */
export interface DeploymentInput {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  replicas: number;
  createdAgo: number;
  revision: number;
  containers: ContainerInput[];
  strategy?: "RollingUpdate" | "Recreate";
  status: { replicas: number; updated: number; ready: number; available: number };
  /** Extra or replacement conditions; defaults describe a finished, available rollout. */
  conditions?: object[];
  serviceAccountName?: string;
  annotations?: Record<string, string>;
  volumes?: object[];
}

function podTemplate(labels: Record<string, string>, containers: ContainerInput[], extra: Record<string, unknown> = {}): object {
  return {
    metadata: { creationTimestamp: null, labels },
    spec: {
      containers: containers.map(containerSpec),
      dnsPolicy: "ClusterFirst",
      restartPolicy: "Always",
      schedulerName: "default-scheduler",
      securityContext: {},
      terminationGracePeriodSeconds: 30,
      ...extra,
    },
  };
}

/** A Deployment; conditions default to Available and NewReplicaSetAvailable. */
export function deployment(ctx: BuildContext, d: DeploymentInput): KubeObject {
  const unavailable = d.replicas - d.status.available;
  const defaultConditions = [
    { type: "Available", status: "True", lastUpdateTime: ago(ctx, d.createdAgo - 20), lastTransitionTime: ago(ctx, d.createdAgo - 20), reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability." },
    { type: "Progressing", status: "True", lastUpdateTime: ago(ctx, d.createdAgo - 20), lastTransitionTime: ago(ctx, d.createdAgo), reason: "NewReplicaSetAvailable", message: `ReplicaSet "${d.name}" has successfully progressed.` },
  ];
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: objectMeta(ctx, "Deployment", d.name, d.namespace, d.createdAgo, {
      generation: d.revision,
      labels: d.labels,
      annotations: { "deployment.kubernetes.io/revision": String(d.revision), ...d.annotations },
    }),
    spec: {
      progressDeadlineSeconds: 600,
      replicas: d.replicas,
      revisionHistoryLimit: 10,
      selector: { matchLabels: d.labels },
      strategy: d.strategy === "Recreate" ? { type: "Recreate" } : { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      template: podTemplate(d.labels, d.containers, {
        ...(d.serviceAccountName ? { serviceAccount: d.serviceAccountName, serviceAccountName: d.serviceAccountName } : {}),
        ...(d.volumes ? { volumes: d.volumes } : {}),
      }),
    },
    status: {
      availableReplicas: d.status.available || undefined,
      conditions: d.conditions ?? defaultConditions,
      observedGeneration: d.revision,
      readyReplicas: d.status.ready || undefined,
      replicas: d.status.replicas,
      ...(unavailable > 0 ? { unavailableReplicas: unavailable } : {}),
      updatedReplicas: d.status.updated,
    },
  };
}

/** Inputs of {@link replicaSet}. */
export interface ReplicaSetInput {
  owner: KubeObject;
  hash: string;
  createdAgo: number;
  revision: number;
  replicas: number;
  ready: number;
  available: number;
  containers: ContainerInput[];
}

/** A ReplicaSet `<deployment>-<hash>` owned by its Deployment. */
export function replicaSet(ctx: BuildContext, r: ReplicaSetInput): KubeObject {
  const labels = { ...(r.owner.metadata.labels ?? {}), "pod-template-hash": r.hash };
  const deploySpec = r.owner.spec as { replicas: number; selector: { matchLabels: Record<string, string> }; template: { spec: object } };
  // The Deployment controller finds its new ReplicaSet by template equality, so copy the template verbatim.
  const template = { metadata: { creationTimestamp: null, labels }, spec: { ...deploySpec.template.spec, containers: r.containers.map(containerSpec) } };
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: objectMeta(ctx, "ReplicaSet", `${r.owner.metadata.name}-${r.hash}`, r.owner.metadata.namespace, r.createdAgo, {
      generation: r.replicas === 0 ? 2 : 1,
      labels,
      annotations: {
        "deployment.kubernetes.io/desired-replicas": String(deploySpec.replicas),
        "deployment.kubernetes.io/max-replicas": String(deploySpec.replicas + 1),
        "deployment.kubernetes.io/revision": String(r.revision),
      },
      ownerReferences: [controllerRef(r.owner)],
    }),
    spec: {
      replicas: r.replicas,
      selector: { matchLabels: { ...deploySpec.selector.matchLabels, "pod-template-hash": r.hash } },
      template,
    },
    status: {
      ...(r.available ? { availableReplicas: r.available } : {}),
      fullyLabeledReplicas: r.replicas || undefined,
      observedGeneration: r.replicas === 0 ? 2 : 1,
      ...(r.ready ? { readyReplicas: r.ready } : {}),
      replicas: r.replicas,
    },
  };
}

/** Inputs of {@link daemonSet}. */
export interface DaemonSetInput {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  createdAgo: number;
  containers: ContainerInput[];
  scheduled: number;
  nodeSelector: Record<string, string>;
}

/** A fully rolled-out DaemonSet. */
export function daemonSet(ctx: BuildContext, d: DaemonSetInput): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: objectMeta(ctx, "DaemonSet", d.name, d.namespace, d.createdAgo, { generation: 1, labels: d.labels, annotations: { "deprecated.daemonset.template.generation": "1" } }),
    spec: {
      revisionHistoryLimit: 10,
      selector: { matchLabels: d.labels },
      template: podTemplate(d.labels, d.containers, { nodeSelector: d.nodeSelector, hostNetwork: true, priorityClassName: "system-node-critical" }),
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
    },
    status: {
      currentNumberScheduled: d.scheduled,
      desiredNumberScheduled: d.scheduled,
      numberAvailable: d.scheduled,
      numberMisscheduled: 0,
      numberReady: d.scheduled,
      observedGeneration: 1,
      updatedNumberScheduled: d.scheduled,
    },
  };
}

/** Inputs of {@link statefulSet}. */
export interface StatefulSetInput {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  createdAgo: number;
  replicas: number;
  ready: number;
  serviceName: string;
  containers: ContainerInput[];
  generation: number;
}

/** A StatefulSet. */
export function statefulSet(ctx: BuildContext, s: StatefulSetInput): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: objectMeta(ctx, "StatefulSet", s.name, s.namespace, s.createdAgo, { generation: s.generation, labels: s.labels }),
    spec: {
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
      podManagementPolicy: "OrderedReady",
      replicas: s.replicas,
      revisionHistoryLimit: 10,
      selector: { matchLabels: s.labels },
      serviceName: s.serviceName,
      template: podTemplate(s.labels, s.containers),
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
    },
    status: {
      availableReplicas: s.ready,
      collisionCount: 0,
      currentRevision: `${s.name}-${hexOf(`rev:${s.name}`, 10)}`,
      observedGeneration: s.generation,
      readyReplicas: s.ready || undefined,
      replicas: s.ready,
      updateRevision: `${s.name}-${hexOf(`rev:${s.name}`, 10)}`,
      updatedReplicas: s.ready || undefined,
    },
  };
}
