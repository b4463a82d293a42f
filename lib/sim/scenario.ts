/**
 * The objects and container logs a simulated cluster serves.
 *
 * The default scenario tells one coherent story on a 3-node cluster:
 * - `shop/web`: healthy nginx frontend, 3 ready pods behind service `web`;
 * - `shop/checkout`: CrashLoopBackOff, because statefulset `postgres` was scaled
 *   to 0 and `postgres:5432` refuses connections (web logs 502s for it);
 * - `shop/recommendations`: OOMKilled at its 128Mi memory limit;
 * - `payments/payments-api`: a rollout stuck on ImagePullBackOff for the tag
 *   `registry.example.com/payments:v2.3.1-typo` while the old pods serve;
 * - `payments/ledger-reconciler`: Pending, it requests 64Gi and no node fits;
 * - Secrets `shop/db-credentials`, `shop/ci-deployer-token` (a service-account
 *   token), `payments/gateway-api-key` (applied: its last-applied annotation
 *   holds the values) and `payments/registry-credentials`, ConfigMaps,
 *   CoreDNS and kube-proxy in `kube-system`, `default/kubernetes`.
 */
import { Buffer } from "node:buffer";
import { type KubeObject, uidOf } from "./_k8s.ts";
import { endpointSliceFor, endpointsFor, service } from "./_networking.ts";
import {
  type BuildContext,
  type ContainerInput,
  type ContainerLogs,
  ago,
  buildContext,
  configMap,
  event,
  namespace,
  node,
  nodeLease,
  pod,
  secret,
  serviceAccount,
} from "./_objects.ts";
import {
  checkoutCrashLogs,
  corednsLogs,
  kubeProxyLogs,
  nginxAccessLine,
  nginxLogs,
  paymentsApiLine,
  paymentsApiLogs,
  recommenderLogs,
  seeded,
} from "./_scenario-logs.ts";
import { daemonSet, deployment, replicaSet, statefulSet } from "./_workloads.ts";

export type { ContainerLogs, LogLine } from "./_objects.ts";

/** Everything a simulated cluster serves. */
export interface Scenario {
  /** Server start (epoch ms); all timestamps are relative to it. */
  startedAt: number;
  objects: KubeObject[];
  /** Container logs keyed by `<namespace>/<pod>/<container>`. */
  logs: Map<string, ContainerLogs>;
}

/** Names of the scenarios {@link buildScenario} knows. */
export type ScenarioName = "default" | "empty";

const MIN = 60;
const HOUR = 3600;
const DAY = 86400;

const NODES = [
  { name: "node-1", ip: "10.0.1.11", zone: "eu-west-1a", podCIDR: "10.244.1.0/24" },
  { name: "node-2", ip: "10.0.1.12", zone: "eu-west-1b", podCIDR: "10.244.2.0/24" },
  { name: "node-3", ip: "10.0.1.13", zone: "eu-west-1c", podCIDR: "10.244.3.0/24" },
] as const;
type NodeName = (typeof NODES)[number]["name"];
const nodeRef = (name: NodeName) => {
  const n = NODES.find((x) => x.name === name) ?? NODES[0];
  return { name: n.name, ip: n.ip };
};

const FAKE_CA = [
  "-----BEGIN CERTIFICATE-----",
  "MIIDBTCCAe2gAwIBAgIIRmNgJ0e5q2owDQYJKoZIhvcNAQELBQAwFTETMBEGA1UE",
  "AxMKa3ViZXJuZXRlczAeFw0yNTEwMjcwOTAxMTJaFw0zNTEwMjUwOTA2MTJaMBUx",
  "EzARBgNVBAMTCmt1YmVybmV0ZXMwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEK",
  "AoIBAQDKubently0sim0not0a0real0certificate0do0not0trust0it0x0x0",
  "-----END CERTIFICATE-----",
  "",
].join("\n");

/** Builds the named scenario anchored at `now`. `empty` has only the namespaces and nodes. */
export function buildScenario(name: ScenarioName = "default", now = Date.now()): Scenario {
  const ctx = buildContext(now);
  const objects: KubeObject[] = [];
  const logs = new Map<string, ContainerLogs>();
  const add = <T extends KubeObject>(o: T): T => {
    objects.push(o);
    return o;
  };
  base(ctx, add, name === "default" ? ["shop", "payments"] : []);
  if (name === "default") {
    kubeSystem(ctx, add, logs);
    shop(ctx, add, logs);
    payments(ctx, add, logs);
  }
  const services = objects.filter((o) => o.kind === "Service");
  for (const ep of objects.filter((o) => o.kind === "Endpoints")) {
    const svc = services.find((s) => s.metadata.namespace === ep.metadata.namespace && s.metadata.name === ep.metadata.name);
    if (svc) objects.push(endpointSliceFor(ctx, svc, ep));
  }
  return { startedAt: now, objects, logs };
}

type Add = <T extends KubeObject>(o: T) => T;

function base(ctx: BuildContext, add: Add, appNamespaces: string[]): void {
  for (const ns of ["default", "kube-node-lease", "kube-public", "kube-system"]) add(namespace(ctx, ns, 27 * DAY));
  for (const ns of appNamespaces) add(namespace(ctx, ns, 19 * DAY + 3 * HOUR));
  for (const n of NODES) {
    const created = 27 * DAY - NODES.indexOf(n) * 40;
    const nodeObj = add(node(ctx, { name: n.name, internalIP: n.ip, zone: n.zone, podCIDR: n.podCIDR, createdAgo: created }));
    add(nodeLease(ctx, nodeObj));
  }
  for (const ns of ["default", "kube-node-lease", "kube-public", "kube-system", ...appNamespaces]) {
    const created = ns === "shop" || ns === "payments" ? 19 * DAY + 3 * HOUR : 27 * DAY;
    add(configMap(ctx, ns, "kube-root-ca.crt", created, { "ca.crt": FAKE_CA }));
    add(serviceAccount(ctx, ns, "default", created));
  }
  const kubernetes = add(service(ctx, {
    namespace: "default", name: "kubernetes", createdAgo: 27 * DAY, clusterIP: "10.96.0.1",
    labels: { component: "apiserver", provider: "kubernetes" },
    ports: [{ name: "https", port: 443, targetPort: 6443 }],
  }));
  add(endpointsFor(ctx, kubernetes, [], [{ ip: "10.0.1.10", port: 6443, name: "https" }]));
}

function kubeSystem(ctx: BuildContext, add: Add, logs: Map<string, ContainerLogs>): void {
  const created = 27 * DAY;
  const ns = "kube-system";
  for (const sa of ["coredns", "kube-proxy"]) add(serviceAccount(ctx, ns, sa, created));
  add(configMap(ctx, ns, "coredns", created, {
    Corefile: [
      ".:53 {",
      "    errors",
      "    health {",
      "       lameduck 5s",
      "    }",
      "    ready",
      "    kubernetes cluster.local in-addr.arpa ip6.arpa {",
      "       pods insecure",
      "       fallthrough in-addr.arpa ip6.arpa",
      "       ttl 30",
      "    }",
      "    prometheus :9153",
      "    forward . /etc/resolv.conf {",
      "       max_concurrent 1000",
      "    }",
      "    cache 30",
      "    loop",
      "    reload",
      "    loadbalance",
      "}",
      "",
    ].join("\n"),
  }));
  const coredns: ContainerInput = {
    name: "coredns",
    image: "registry.k8s.io/coredns/coredns:v1.11.3",
    args: ["-conf", "/etc/coredns/Corefile"],
    ports: [
      { name: "dns", containerPort: 53, protocol: "UDP" },
      { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
      { name: "metrics", containerPort: 9153, protocol: "TCP" },
    ],
    requests: { cpu: "100m", memory: "70Mi" },
    limits: { memory: "170Mi" },
    livenessProbe: { httpGet: { path: "/health", port: 8080, scheme: "HTTP" }, initialDelaySeconds: 60, periodSeconds: 10 },
    readinessProbe: { httpGet: { path: "/ready", port: 8181, scheme: "HTTP" }, periodSeconds: 10 },
    volumeMounts: [{ name: "config-volume", mountPath: "/etc/coredns", readOnly: true }],
  };
  const labels = { "k8s-app": "kube-dns" };
  const volumes = [{ name: "config-volume", configMap: { name: "coredns", defaultMode: 420, items: [{ key: "Corefile", path: "Corefile" }] } }];
  const dep = add(deployment(ctx, {
    namespace: ns, name: "coredns", labels, replicas: 2, createdAgo: created, revision: 1, containers: [coredns], volumes,
    status: { replicas: 2, updated: 2, ready: 2, available: 2 }, serviceAccountName: "coredns",
  }));
  const rs = add(replicaSet(ctx, { owner: dep, hash: "668d6bf9bc", createdAgo: created, revision: 1, replicas: 2, ready: 2, available: 2, containers: [coredns] }));
  const pods = (
    [["7xk2p", "node-1", "10.244.1.2"], ["m4n8r", "node-2", "10.244.2.2"]] as const
  ).map(([suffix, nodeName, ip], i) => {
    const name = `coredns-668d6bf9bc-${suffix}`;
    logs.set(`${ns}/${name}/coredns`, { current: corednsLogs(ctx.now - (created - 50 - i) * 1000) });
    return add(pod(ctx, {
      namespace: ns, name, labels: { ...labels, "pod-template-hash": "668d6bf9bc" }, owner: rs, createdAgo: created - 50 - i,
      node: nodeRef(nodeName), podIP: ip, containers: [coredns], serviceAccountName: "coredns", volumes,
      priorityClassName: "system-cluster-critical", priority: 2000000000,
      tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }, { effect: "NoSchedule", key: "node-role.kubernetes.io/control-plane" }],
    }));
  });
  const dns = add(service(ctx, {
    namespace: ns, name: "kube-dns", createdAgo: created, clusterIP: "10.96.0.10", selector: labels,
    labels: { "k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS" },
    ports: [
      { name: "dns", port: 53, targetPort: 53, protocol: "UDP" },
      { name: "dns-tcp", port: 53, targetPort: 53, protocol: "TCP" },
      { name: "metrics", port: 9153, targetPort: 9153, protocol: "TCP" },
    ],
  }));
  add(endpointsFor(ctx, dns, pods));

  const proxy: ContainerInput = {
    name: "kube-proxy",
    image: "registry.k8s.io/kube-proxy:v1.32.4",
    command: ["/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf", "--hostname-override=$(NODE_NAME)"],
    env: [{ name: "NODE_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "spec.nodeName" } } }],
  };
  const ds = add(daemonSet(ctx, {
    namespace: ns, name: "kube-proxy", labels: { "k8s-app": "kube-proxy" }, createdAgo: created, containers: [proxy],
    scheduled: 3, nodeSelector: { "kubernetes.io/os": "linux" },
  }));
  for (const [suffix, nodeName] of [["8fj2k", "node-1"], ["ld9wq", "node-2"], ["z7tcm", "node-3"]] as const) {
    const n = nodeRef(nodeName);
    const name = `kube-proxy-${suffix}`;
    const age = created - 30 - NODES.findIndex((x) => x.name === nodeName) * 40;
    logs.set(`${ns}/${name}/kube-proxy`, { current: kubeProxyLogs(ctx.now - age * 1000, n.ip) });
    add(pod(ctx, {
      namespace: ns, name, labels: { "k8s-app": "kube-proxy", "controller-revision-hash": "5d5b8c6f4b", "pod-template-generation": "1" },
      owner: ds, createdAgo: age, node: n, podIP: n.ip, hostNetwork: true, containers: [proxy], serviceAccountName: "kube-proxy",
      priorityClassName: "system-node-critical", priority: 2000001000, nodeSelector: { "kubernetes.io/os": "linux" },
      tolerations: [{ operator: "Exists" }],
    }));
  }
}

function shop(ctx: BuildContext, add: Add, logs: Map<string, ContainerLogs>): void {
  const ns = "shop";
  const nsAge = 19 * DAY;
  for (const sa of ["checkout", "ci-deployer"]) add(serviceAccount(ctx, ns, sa, nsAge));
  add(secret(ctx, ns, "db-credentials", nsAge, "Opaque", { database: "orders", password: "Sup3r-S3cret-pg!", username: "checkout" }));
  const deployer = uidOf(`ServiceAccount/${ns}/ci-deployer`);
  add(secret(ctx, ns, "ci-deployer-token", nsAge, "kubernetes.io/service-account-token", {
    "ca.crt": FAKE_CA,
    namespace: ns,
    token: "eyJhbGciOiJSUzI1NiIsImtpZCI6Imt1YmVudGx5LXNpbSJ9.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50Iiwia3ViZXJuZXRlcy5pby9zZXJ2aWNlYWNjb3VudC9uYW1lc3BhY2UiOiJzaG9wIiwia3ViZXJuZXRlcy5pby9zZXJ2aWNlYWNjb3VudC9zZXJ2aWNlLWFjY291bnQubmFtZSI6ImNpLWRlcGxveWVyIn0.c2ltdWxhdGVkLXNpZ25hdHVyZS1ub3QtdmFsaWQ",
  }, { annotations: { "kubernetes.io/service-account.name": "ci-deployer", "kubernetes.io/service-account.uid": deployer } }));
  add(configMap(ctx, ns, "web-config", nsAge, {
    "default.conf": [
      "server {",
      "    listen 80;",
      "    server_name _;",
      "    location /healthz { return 200 'ok'; }",
      "    location /api/checkout { proxy_pass http://checkout.shop.svc.cluster.local:8080; }",
      "    location / { root /usr/share/nginx/html; try_files $uri /index.html; }",
      "}",
      "",
    ].join("\n"),
  }));
  add(configMap(ctx, ns, "checkout-config", nsAge, { DATABASE_HOST: "postgres", DATABASE_NAME: "orders", DATABASE_PORT: "5432", LOG_LEVEL: "info" }));

  // postgres was scaled to 0 shortly before the checkout rollout: that is the root cause.
  const pgLabels = { app: "postgres" };
  const pg = add(statefulSet(ctx, {
    namespace: ns, name: "postgres", labels: pgLabels, createdAgo: nsAge, replicas: 0, ready: 0, serviceName: "postgres", generation: 3,
    containers: [{ name: "postgres", image: "postgres:16.4", ports: [{ name: "postgres", containerPort: 5432 }], requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "1Gi" } }],
  }));
  add(event(ctx, { about: pg, reason: "SuccessfulDelete", message: "delete Pod postgres-0 in StatefulSet postgres successful", component: "statefulset-controller", firstAgo: 19 * MIN }));
  const pgSvc = add(service(ctx, { namespace: ns, name: "postgres", labels: pgLabels, createdAgo: nsAge, clusterIP: "10.96.112.34", selector: pgLabels, ports: [{ name: "postgres", port: 5432, targetPort: 5432 }] }));
  add(endpointsFor(ctx, pgSvc, []));

  // web: healthy, 3 replicas on revision 2.
  const webLabels = { app: "web" };
  const web: ContainerInput = {
    name: "web",
    image: "nginx:1.27.3",
    ports: [{ name: "http", containerPort: 80 }],
    requests: { cpu: "100m", memory: "64Mi" },
    limits: { cpu: "500m", memory: "256Mi" },
    readinessProbe: { httpGet: { path: "/healthz", port: 80, scheme: "HTTP" }, periodSeconds: 10 },
    livenessProbe: { httpGet: { path: "/healthz", port: 80, scheme: "HTTP" }, initialDelaySeconds: 10, periodSeconds: 20 },
    volumeMounts: [{ name: "config", mountPath: "/etc/nginx/conf.d", readOnly: true }],
  };
  const webVolumes = [{ name: "config", configMap: { name: "web-config", defaultMode: 420 } }];
  const webDep = add(deployment(ctx, {
    namespace: ns, name: "web", labels: webLabels, replicas: 3, createdAgo: nsAge, revision: 2, containers: [web], volumes: webVolumes,
    status: { replicas: 3, updated: 3, ready: 3, available: 3 },
  }));
  add(replicaSet(ctx, { owner: webDep, hash: "5f8c6b7d9", createdAgo: nsAge, revision: 1, replicas: 0, ready: 0, available: 0, containers: [{ ...web, image: "nginx:1.27.2" }] }));
  const webRs = add(replicaSet(ctx, { owner: webDep, hash: "7d4b9c8f6d", createdAgo: 2 * DAY + 14 * HOUR, revision: 2, replicas: 3, ready: 3, available: 3, containers: [web] }));
  const checkoutDownSince = ctx.now - 17 * MIN * 1000;
  const webPods = (
    [["x2kqp", "node-1", "10.244.1.12"], ["9hvlm", "node-2", "10.244.2.8"], ["tq4zr", "node-3", "10.244.3.15"]] as const
  ).map(([suffix, nodeName, ip], i) => {
    const name = `web-7d4b9c8f6d-${suffix}`;
    const createdAgo = 2 * DAY + 14 * HOUR - 2 - i * 31;
    const r = seeded(`${name}:follow`);
    logs.set(`${ns}/${name}/web`, {
      current: nginxLogs(name, ctx.now - createdAgo * 1000, ctx.now, checkoutDownSince),
      follow: (_seq, t) => nginxAccessLine(r, t, true),
    });
    return add(pod(ctx, { namespace: ns, name, labels: { ...webLabels, "pod-template-hash": "7d4b9c8f6d" }, owner: webRs, createdAgo, node: nodeRef(nodeName), podIP: ip, containers: [web], volumes: webVolumes }));
  });
  const webSvc = add(service(ctx, { namespace: ns, name: "web", labels: webLabels, createdAgo: nsAge, clusterIP: "10.96.45.12", selector: webLabels, ports: [{ name: "http", port: 80, targetPort: 80 }] }));
  add(endpointsFor(ctx, webSvc, webPods));

  checkout(ctx, add, logs, nsAge);
  recommendations(ctx, add, logs, nsAge);
}

function checkout(ctx: BuildContext, add: Add, logs: Map<string, ContainerLogs>, nsAge: number): void {
  const ns = "shop";
  const labels = { app: "checkout" };
  const container: ContainerInput = {
    name: "checkout",
    image: "registry.example.com/shop/checkout:1.5.0",
    ports: [{ name: "http", containerPort: 8080 }],
    env: [
      { name: "DATABASE_HOST", valueFrom: { configMapKeyRef: { name: "checkout-config", key: "DATABASE_HOST" } } },
      { name: "DATABASE_PORT", valueFrom: { configMapKeyRef: { name: "checkout-config", key: "DATABASE_PORT" } } },
      { name: "DATABASE_USER", valueFrom: { secretKeyRef: { name: "db-credentials", key: "username" } } },
      { name: "DATABASE_PASSWORD", valueFrom: { secretKeyRef: { name: "db-credentials", key: "password" } } },
      { name: "NODE_ENV", value: "production" },
    ],
    requests: { cpu: "200m", memory: "256Mi" },
    limits: { cpu: "1", memory: "512Mi" },
    readinessProbe: { httpGet: { path: "/ready", port: 8080, scheme: "HTTP" }, periodSeconds: 5 },
  };
  const dep = add(deployment(ctx, {
    namespace: ns, name: "checkout", labels, replicas: 1, createdAgo: nsAge, revision: 4, containers: [container], strategy: "Recreate",
    serviceAccountName: "checkout",
    status: { replicas: 1, updated: 1, ready: 0, available: 0 },
    conditions: [
      { type: "Available", status: "False", lastUpdateTime: ago(ctx, 17 * MIN), lastTransitionTime: ago(ctx, 17 * MIN), reason: "MinimumReplicasUnavailable", message: "Deployment does not have minimum availability." },
      { type: "Progressing", status: "False", lastUpdateTime: ago(ctx, 7 * MIN), lastTransitionTime: ago(ctx, 7 * MIN), reason: "ProgressDeadlineExceeded", message: 'ReplicaSet "checkout-6b8f9d7c5c" has timed out progressing.' },
    ],
  }));
  add(replicaSet(ctx, { owner: dep, hash: "58d9c7b6f4", createdAgo: 6 * DAY + 2 * HOUR, revision: 3, replicas: 0, ready: 0, available: 0, containers: [{ ...container, image: "registry.example.com/shop/checkout:1.4.2" }] }));
  const rs = add(replicaSet(ctx, { owner: dep, hash: "6b8f9d7c5c", createdAgo: 17 * MIN, revision: 4, replicas: 1, ready: 0, available: 0, containers: [container] }));
  const name = "checkout-6b8f9d7c5c-8wzrn";
  const uid = uidOf(`Pod/${ns}/${name}`);
  const lastStart = ctx.now - 160_000;
  const p = add(pod(ctx, {
    namespace: ns, name, labels: { ...labels, "pod-template-hash": "6b8f9d7c5c" }, owner: rs, createdAgo: 17 * MIN - 5,
    node: nodeRef("node-2"), podIP: "10.244.2.14", serviceAccountName: "checkout",
    containers: [{
      ...container,
      runtime: {
        ready: false,
        restartCount: 7,
        state: { waiting: { reason: "CrashLoopBackOff", message: `back-off 5m0s restarting failed container=checkout pod=${name}_${ns}(${uid})` } },
        lastState: { terminated: { exitCode: 1, reason: "Error", startedAt: ago(ctx, 160), finishedAt: ago(ctx, 151) } },
      },
    }],
  }));
  logs.set(`${ns}/${name}/checkout`, {
    current: checkoutCrashLogs(name, lastStart),
    previous: checkoutCrashLogs(name, lastStart - 5 * MIN * 1000 - 9000),
  });
  add(event(ctx, { about: dep, reason: "ScalingReplicaSet", message: "Scaled down replica set checkout-58d9c7b6f4 from 1 to 0", component: "deployment-controller", firstAgo: 17 * MIN + 2 }));
  add(event(ctx, { about: dep, reason: "ScalingReplicaSet", message: "Scaled up replica set checkout-6b8f9d7c5c from 0 to 1", component: "deployment-controller", firstAgo: 17 * MIN }));
  add(event(ctx, { about: rs, reason: "SuccessfulCreate", message: `Created pod: ${name}`, component: "replicaset-controller", firstAgo: 17 * MIN - 5 }));
  const kubelet = { component: "kubelet", host: "node-2", fieldPath: "spec.containers{checkout}" };
  add(event(ctx, { about: p, reason: "Scheduled", message: `Successfully assigned ${ns}/${name} to node-2`, component: "default-scheduler", firstAgo: 17 * MIN - 5 }));
  add(event(ctx, { about: p, ...kubelet, reason: "Pulling", message: 'Pulling image "registry.example.com/shop/checkout:1.5.0"', firstAgo: 17 * MIN - 6 }));
  add(event(ctx, { about: p, ...kubelet, reason: "Pulled", message: 'Successfully pulled image "registry.example.com/shop/checkout:1.5.0" in 3.482s (3.482s including waiting). Image size: 48213992 bytes.', firstAgo: 17 * MIN - 10 }));
  add(event(ctx, { about: p, ...kubelet, reason: "Created", message: "Created container: checkout", firstAgo: 17 * MIN - 10, lastAgo: 160, count: 8 }));
  add(event(ctx, { about: p, ...kubelet, reason: "Started", message: "Started container checkout", firstAgo: 17 * MIN - 10, lastAgo: 160, count: 8 }));
  add(event(ctx, { about: p, ...kubelet, reason: "Pulled", message: 'Container image "registry.example.com/shop/checkout:1.5.0" already present on machine', firstAgo: 16 * MIN + 30, lastAgo: 160, count: 7 }));
  add(event(ctx, { about: p, ...kubelet, type: "Warning", reason: "BackOff", message: `Back-off restarting failed container checkout in pod ${name}_${ns}(${uid})`, firstAgo: 16 * MIN + 20, lastAgo: 12, count: 71 }));
  const svc = add(service(ctx, { namespace: ns, name: "checkout", labels, createdAgo: nsAge, clusterIP: "10.96.88.21", selector: labels, ports: [{ name: "http", port: 8080, targetPort: 8080 }] }));
  add(endpointsFor(ctx, svc, [p]));
}

function recommendations(ctx: BuildContext, add: Add, logs: Map<string, ContainerLogs>, nsAge: number): void {
  const ns = "shop";
  const labels = { app: "recommendations" };
  const container: ContainerInput = {
    name: "recommender",
    image: "registry.example.com/shop/recommender:2.0.1",
    ports: [{ name: "http", containerPort: 8000 }],
    env: [{ name: "RECS_CACHE_MAX", value: "0" }, { name: "MODEL_PATH", value: "/models/v7" }],
    requests: { cpu: "100m", memory: "128Mi" },
    limits: { cpu: "500m", memory: "128Mi" },
  };
  const created = 2 * DAY + 3 * HOUR;
  const dep = add(deployment(ctx, {
    namespace: ns, name: "recommendations", labels, replicas: 1, createdAgo: nsAge, revision: 2, containers: [container],
    status: { replicas: 1, updated: 1, ready: 0, available: 0 },
    conditions: [
      { type: "Progressing", status: "True", lastUpdateTime: ago(ctx, created - 40), lastTransitionTime: ago(ctx, created), reason: "NewReplicaSetAvailable", message: 'ReplicaSet "recommendations-84d6c9f7b8" has successfully progressed.' },
      { type: "Available", status: "False", lastUpdateTime: ago(ctx, 20), lastTransitionTime: ago(ctx, 20), reason: "MinimumReplicasUnavailable", message: "Deployment does not have minimum availability." },
    ],
  }));
  const rs = add(replicaSet(ctx, { owner: dep, hash: "84d6c9f7b8", createdAgo: created, revision: 2, replicas: 1, ready: 0, available: 0, containers: [container] }));
  const name = "recommendations-84d6c9f7b8-zt5wd";
  const p = add(pod(ctx, {
    namespace: ns, name, labels: { ...labels, "pod-template-hash": "84d6c9f7b8" }, owner: rs, createdAgo: created - 3,
    node: nodeRef("node-3"), podIP: "10.244.3.21",
    containers: [{
      ...container,
      runtime: {
        ready: false,
        restartCount: 4,
        state: { terminated: { exitCode: 137, reason: "OOMKilled", startedAt: ago(ctx, 95), finishedAt: ago(ctx, 20) } },
        lastState: { terminated: { exitCode: 137, reason: "OOMKilled", startedAt: ago(ctx, 24 * MIN), finishedAt: ago(ctx, 19 * MIN + 50) } },
      },
    }],
  }));
  logs.set(`${ns}/${name}/recommender`, {
    current: recommenderLogs(name, ctx.now - 95_000, ctx.now - 20_000),
    previous: recommenderLogs(name, ctx.now - 24 * MIN * 1000, ctx.now - (19 * MIN + 50) * 1000),
  });
  const kubelet = { component: "kubelet", host: "node-3", fieldPath: "spec.containers{recommender}" };
  add(event(ctx, { about: p, ...kubelet, reason: "Pulled", message: 'Container image "registry.example.com/shop/recommender:2.0.1" already present on machine', firstAgo: 5 * HOUR, lastAgo: 95, count: 4 }));
  add(event(ctx, { about: p, ...kubelet, reason: "Created", message: "Created container: recommender", firstAgo: 5 * HOUR, lastAgo: 95, count: 4 }));
  add(event(ctx, { about: p, ...kubelet, reason: "Started", message: "Started container recommender", firstAgo: 5 * HOUR, lastAgo: 95, count: 4 }));
  add(event(ctx, { about: p, ...kubelet, type: "Warning", reason: "BackOff", message: `Back-off restarting failed container recommender in pod ${name}_${ns}(${p.metadata.uid})`, firstAgo: 5 * HOUR - 40, lastAgo: 19 * MIN, count: 6 }));
}

function payments(ctx: BuildContext, add: Add, logs: Map<string, ContainerLogs>): void {
  const ns = "payments";
  const nsAge = 19 * DAY;
  add(serviceAccount(ctx, ns, "payments-api", nsAge));
  // Created with `kubectl apply`: the last-applied-configuration annotation holds the manifest,
  // its `stringData` in clear text and its `data` in base64, as on a real cluster.
  const gateway = { "api-key": "gw_live_7f3c9a1e5b2d4f60c8e1", "webhook-signing-key": "whsec_5d2b8f1c9a7e3064b1d2" };
  const applied = {
    apiVersion: "v1",
    data: { "webhook-signing-key": Buffer.from(gateway["webhook-signing-key"]).toString("base64") },
    kind: "Secret",
    metadata: { annotations: {}, labels: { app: "payments-api" }, name: "gateway-api-key", namespace: ns },
    stringData: { "api-key": gateway["api-key"] },
    type: "Opaque",
  };
  add(secret(ctx, ns, "gateway-api-key", nsAge, "Opaque", gateway, {
    labels: { app: "payments-api" },
    annotations: { "kubectl.kubernetes.io/last-applied-configuration": `${JSON.stringify(applied)}\n` },
  }));
  add(secret(ctx, ns, "registry-credentials", nsAge, "kubernetes.io/dockerconfigjson", {
    ".dockerconfigjson": JSON.stringify({ auths: { "registry.example.com": { username: "payments-ci", password: "not-a-real-password", auth: Buffer.from("payments-ci:not-a-real-password").toString("base64") } } }),
  }));

  // payments-api: rollout to a mistyped tag; the two old replicas keep serving.
  const labels = { app: "payments-api" };
  const base: ContainerInput = {
    name: "payments-api",
    image: "registry.example.com/payments:v2.3.1-typo",
    ports: [{ name: "http", containerPort: 8080 }],
    env: [{ name: "GATEWAY_API_KEY", valueFrom: { secretKeyRef: { name: "gateway-api-key", key: "api-key" } } }],
    requests: { cpu: "250m", memory: "256Mi" },
    limits: { memory: "512Mi" },
    readinessProbe: { httpGet: { path: "/healthz", port: 8080, scheme: "HTTP" }, periodSeconds: 10 },
  };
  const old: ContainerInput = { ...base, image: "registry.example.com/payments:v2.3.0" };
  const dep = add(deployment(ctx, {
    namespace: ns, name: "payments-api", labels, replicas: 2, createdAgo: nsAge, revision: 6, containers: [base], serviceAccountName: "payments-api",
    status: { replicas: 3, updated: 1, ready: 2, available: 2 },
    conditions: [
      { type: "Available", status: "True", lastUpdateTime: ago(ctx, 3 * DAY), lastTransitionTime: ago(ctx, 3 * DAY), reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability." },
      { type: "Progressing", status: "True", lastUpdateTime: ago(ctx, 9 * MIN), lastTransitionTime: ago(ctx, 3 * DAY + 2 * HOUR), reason: "ReplicaSetUpdated", message: 'ReplicaSet "payments-api-5d7f8b9c6d" is progressing.' },
    ],
  }));
  const oldRs = add(replicaSet(ctx, { owner: dep, hash: "7c9d8e6f5b", createdAgo: 3 * DAY + 2 * HOUR, revision: 5, replicas: 2, ready: 2, available: 2, containers: [old] }));
  const newRs = add(replicaSet(ctx, { owner: dep, hash: "5d7f8b9c6d", createdAgo: 9 * MIN, revision: 6, replicas: 1, ready: 0, available: 0, containers: [base] }));
  add(event(ctx, { about: dep, reason: "ScalingReplicaSet", message: "Scaled up replica set payments-api-5d7f8b9c6d from 0 to 1", component: "deployment-controller", firstAgo: 9 * MIN }));
  add(event(ctx, { about: newRs, reason: "SuccessfulCreate", message: "Created pod: payments-api-5d7f8b9c6d-kx7mn", component: "replicaset-controller", firstAgo: 9 * MIN - 1 }));
  const pods: KubeObject[] = [];
  for (const [suffix, nodeName, ip] of [["4hxzt", "node-1", "10.244.1.31"], ["p8wqn", "node-2", "10.244.2.27"]] as const) {
    const name = `payments-api-7c9d8e6f5b-${suffix}`;
    const createdAgo = 3 * DAY + 2 * HOUR - 3;
    const r = seeded(`${name}:follow`);
    logs.set(`${ns}/${name}/payments-api`, { current: paymentsApiLogs(name, ctx.now - createdAgo * 1000, ctx.now), follow: (_seq, t) => paymentsApiLine(r, t) });
    pods.push(add(pod(ctx, { namespace: ns, name, labels: { ...labels, "pod-template-hash": "7c9d8e6f5b" }, owner: oldRs, createdAgo, node: nodeRef(nodeName), podIP: ip, containers: [old], serviceAccountName: "payments-api" })));
  }
  const image = base.image;
  const name = "payments-api-5d7f8b9c6d-kx7mn";
  const pullError = `rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${image}: not found`;
  const p = add(pod(ctx, {
    namespace: ns, name, labels: { ...labels, "pod-template-hash": "5d7f8b9c6d" }, owner: newRs, createdAgo: 9 * MIN - 1,
    node: nodeRef("node-3"), podIP: "10.244.3.40", serviceAccountName: "payments-api",
    containers: [{ ...base, runtime: { ready: false, state: { waiting: { reason: "ImagePullBackOff", message: `Back-off pulling image "${image}": ErrImagePull: ${pullError}` } } } }],
  }));
  pods.push(p);
  logs.set(`${ns}/${name}/payments-api`, { current: [], unavailable: `container "payments-api" in pod "${name}" is waiting to start: trying and failing to pull image` });
  const kubelet = { component: "kubelet", host: "node-3", fieldPath: "spec.containers{payments-api}" };
  add(event(ctx, { about: p, reason: "Scheduled", message: `Successfully assigned ${ns}/${name} to node-3`, component: "default-scheduler", firstAgo: 9 * MIN - 1 }));
  add(event(ctx, { about: p, ...kubelet, reason: "Pulling", message: `Pulling image "${image}"`, firstAgo: 9 * MIN - 2, lastAgo: 3 * MIN + 50, count: 6 }));
  add(event(ctx, { about: p, ...kubelet, type: "Warning", reason: "Failed", message: `Failed to pull image "${image}": ${pullError}`, firstAgo: 9 * MIN - 3, lastAgo: 3 * MIN + 49, count: 6 }));
  add(event(ctx, { about: p, ...kubelet, type: "Warning", reason: "Failed", message: "Error: ErrImagePull", firstAgo: 9 * MIN - 3, lastAgo: 3 * MIN + 49, count: 6 }));
  add(event(ctx, { about: p, ...kubelet, reason: "BackOff", message: `Back-off pulling image "${image}"`, firstAgo: 9 * MIN - 4, lastAgo: 8, count: 34 }));
  add(event(ctx, { about: p, ...kubelet, type: "Warning", reason: "Failed", message: "Error: ImagePullBackOff", firstAgo: 9 * MIN - 4, lastAgo: 8, count: 34 }));
  const svc = add(service(ctx, { namespace: ns, name: "payments-api", labels, createdAgo: nsAge, clusterIP: "10.96.201.7", selector: labels, ports: [{ name: "http", port: 80, targetPort: 8080 }] }));
  add(endpointsFor(ctx, svc, pods));

  // ledger-reconciler: asks for more memory than any node has.
  const rLabels = { app: "ledger-reconciler" };
  const rc: ContainerInput = {
    name: "reconciler",
    image: "registry.example.com/payments/ledger-reconciler:1.0.0",
    requests: { cpu: "2", memory: "64Gi" },
    limits: { memory: "64Gi" },
  };
  const rDep = add(deployment(ctx, {
    namespace: ns, name: "ledger-reconciler", labels: rLabels, replicas: 1, createdAgo: 25 * MIN, revision: 1, containers: [rc],
    status: { replicas: 1, updated: 1, ready: 0, available: 0 },
    conditions: [
      { type: "Available", status: "False", lastUpdateTime: ago(ctx, 25 * MIN), lastTransitionTime: ago(ctx, 25 * MIN), reason: "MinimumReplicasUnavailable", message: "Deployment does not have minimum availability." },
      { type: "Progressing", status: "False", lastUpdateTime: ago(ctx, 15 * MIN), lastTransitionTime: ago(ctx, 15 * MIN), reason: "ProgressDeadlineExceeded", message: 'ReplicaSet "ledger-reconciler-6f9b7d5c8d" has timed out progressing.' },
    ],
  }));
  const rRs = add(replicaSet(ctx, { owner: rDep, hash: "6f9b7d5c8d", createdAgo: 25 * MIN, revision: 1, replicas: 1, ready: 0, available: 0, containers: [rc] }));
  const message = "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.";
  const pending = add(pod(ctx, {
    namespace: ns, name: "ledger-reconciler-6f9b7d5c8d-q2w9j", labels: { ...rLabels, "pod-template-hash": "6f9b7d5c8d" }, owner: rRs,
    createdAgo: 25 * MIN, containers: [rc], unschedulableMessage: message,
  }));
  add(event(ctx, { about: rDep, reason: "ScalingReplicaSet", message: "Scaled up replica set ledger-reconciler-6f9b7d5c8d from 0 to 1", component: "deployment-controller", firstAgo: 25 * MIN }));
  add(event(ctx, { about: rRs, reason: "SuccessfulCreate", message: `Created pod: ${pending.metadata.name}`, component: "replicaset-controller", firstAgo: 25 * MIN }));
  add(event(ctx, { about: pending, type: "Warning", reason: "FailedScheduling", message, component: "default-scheduler", firstAgo: 25 * MIN, lastAgo: 95, count: 7 }));
}
