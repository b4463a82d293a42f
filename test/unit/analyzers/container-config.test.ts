import { describe, expect, test } from "bun:test";
import { containerConfig } from "../../../plugins/analyzers/container-config.ts";
import type { KubeObject } from "../../../lib/kube/index.ts";
import { ago, expectWellFormed, findingsOf } from "../../_analyzers.ts";

const NS = "shop";

interface C {
  name?: string;
  waiting?: { reason: string; message?: string };
  env?: unknown[];
  envFrom?: unknown[];
  init?: boolean;
}

const ENV = [
  { name: "DB_HOST", value: "postgres" },
  { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db-credentials", key: "password" } } },
  { name: "DB_USER", valueFrom: { secretKeyRef: { name: "db-credentials", key: "username" } } },
  { name: "LOG_LEVEL", valueFrom: { configMapKeyRef: { name: "web-config", key: "log-level" } } },
];

function pod(name: string, cs: C[], o: { phase?: string } = {}): KubeObject {
  const status = (c: C) => ({
    name: c.name ?? "web",
    image: "registry.example.com/shop/web:3.1.0",
    imageID: "",
    ready: !c.waiting,
    started: false,
    restartCount: 0,
    state: c.waiting ? { waiting: c.waiting } : { running: { startedAt: ago(600) } },
    lastState: {},
  });
  const spec = (c: C) => ({ name: c.name ?? "web", image: "registry.example.com/shop/web:3.1.0", env: c.env ?? ENV, ...(c.envFrom ? { envFrom: c.envFrom } : {}), resources: { requests: { cpu: "100m", memory: "64Mi" } } });
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NS, uid: `uid-${name}`, creationTimestamp: ago(300), ownerReferences: [{ apiVersion: "apps/v1", kind: "StatefulSet", name: "web", uid: "uid-web", controller: true }] },
    spec: { nodeName: "node-1", initContainers: cs.filter((c) => c.init).map(spec), containers: cs.filter((c) => !c.init).map(spec) },
    status: {
      phase: o.phase ?? "Pending",
      conditions: [{ type: "PodScheduled", status: "True" }, { type: "Ready", status: "False", reason: "ContainersNotReady" }],
      initContainerStatuses: cs.filter((c) => c.init).map(status),
      containerStatuses: cs.filter((c) => !c.init).map(status),
    },
  };
}

const failed = (p: KubeObject, message: string, container = "web", count = 14): KubeObject => ({
  apiVersion: "v1",
  kind: "Event",
  metadata: { name: `${p.metadata.name}.failed.${container}.${message.length}`, namespace: NS },
  involvedObject: { apiVersion: "v1", kind: "Pod", name: p.metadata.name, namespace: NS, uid: p.metadata.uid, fieldPath: `spec.containers{${container}}` },
  reason: "Failed",
  message,
  type: "Warning",
  count,
  firstTimestamp: ago(290),
  lastTimestamp: ago(10),
  source: { component: "kubelet", host: "node-1" },
});

const configError = (message: string) => ({ reason: "CreateContainerConfigError", message });

describe("container-config", () => {
  test("a missing Secret is named in the title, with the env entries that reference it and the Failed events", async () => {
    const p = pod("web-1", [{ waiting: configError('secret "db-credentials" not found') }]);
    const findings = await findingsOf(containerConfig, [p, failed(p, 'Error: secret "db-credentials" not found')]);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({
      id: "container-config/CreateContainerConfigError/shop/Pod/web-1/web",
      code: "CreateContainerConfigError",
      severity: "critical",
      namespace: "shop",
      resource: { kind: "Pod", name: "web-1" },
      title: "Pod web-1 cannot start: Secret db-credentials not found",
    });
    expect(f.evidence[0]).toBe('container web: CreateContainerConfigError: secret "db-credentials" not found');
    expect(f.evidence).toContain("referenced by env DB_PASSWORD (secretKeyRef db-credentials/password)");
    expect(f.evidence).toContain("referenced by env DB_USER (secretKeyRef db-credentials/username)");
    expect(f.evidence.some((l) => l.startsWith("Warning Failed (x14 over") && l.endsWith('Error: secret "db-credentials" not found'))).toBe(true);
    expect(f.confirm).toEqual([
      ["describe", "pod", "web-1", "-n", "shop"],
      ["get", "secret", "db-credentials", "-n", "shop"],
      ["events", "-n", "shop", "--for", "pod/web-1"],
    ]);
    expect(f.hint).toContain("Create Secret db-credentials in namespace shop");
    await expectWellFormed(containerConfig, findings);
  });

  test("a missing key in a Secret names the key and the Secret, and confirms with describe (key names, never values)", async () => {
    const p = pod("web-2", [{ waiting: configError("couldn't find key password in Secret shop/db-credentials") }]);
    const findings = await findingsOf(containerConfig, [p]);
    const f = findings[0]!;
    expect(f.title).toBe("Pod web-2 cannot start: key password not found in Secret db-credentials");
    expect(f.evidence).toEqual(["container web: CreateContainerConfigError: couldn't find key password in Secret shop/db-credentials", "referenced by env DB_PASSWORD (secretKeyRef db-credentials/password)"]);
    expect(f.confirm).toContainEqual(["describe", "secret", "db-credentials", "-n", "shop"]);
    expect(f.confirm.flat()).not.toContain("-o");
    expect(f.hint).toContain("has no key password");
    await expectWellFormed(containerConfig, findings);
  });

  test("a missing ConfigMap referenced through envFrom is named, confirmed with get configmap", async () => {
    const p = pod("web-3", [{ waiting: configError('configmap "web-config" not found'), env: [], envFrom: [{ configMapRef: { name: "web-config" } }] }]);
    const [f] = await findingsOf(containerConfig, [p]);
    expect(f!.title).toBe("Pod web-3 cannot start: ConfigMap web-config not found");
    expect(f!.evidence).toContain("referenced by envFrom configMapRef web-config");
    expect(f!.confirm).toContainEqual(["get", "configmap", "web-config", "-n", "shop"]);
    await expectWellFormed(containerConfig, [f!]);
  });

  test("a missing key in a ConfigMap", async () => {
    const p = pod("web-4", [{ waiting: configError("couldn't find key log-level in ConfigMap shop/web-config") }]);
    const [f] = await findingsOf(containerConfig, [p]);
    expect(f!.title).toBe("Pod web-4 cannot start: key log-level not found in ConfigMap web-config");
    expect(f!.evidence).toContain("referenced by env LOG_LEVEL (configMapKeyRef web-config/log-level)");
    expect(f!.confirm).toContainEqual(["describe", "configmap", "web-config", "-n", "shop"]);
  });

  test("runAsNonRoot with a root image", async () => {
    const p = pod("web-5", [{ waiting: configError('container has runAsNonRoot and image will run as root (pod: "web-5_shop(uid-web-5)", container: web)') }]);
    const [f] = await findingsOf(containerConfig, [p]);
    expect(f!.title).toBe("Pod web-5 cannot start: container web sets runAsNonRoot but its image runs as root");
    expect(f!.hint).toContain("runAsUser");
    expect(f!.confirm).toHaveLength(2);
    await expectWellFormed(containerConfig, [f!]);
  });

  test("CreateContainerError has its own code and carries the runtime's message", async () => {
    const message = 'failed to generate container "4d2c" spec: failed to apply OCI options: failed to prepare subPath for volumeMount "config" of container "web"';
    const p = pod("web-6", [{ waiting: { reason: "CreateContainerError", message } }]);
    const findings = await findingsOf(containerConfig, [p]);
    expect(findings[0]).toMatchObject({ code: "CreateContainerError", severity: "critical", title: "Pod web-6 cannot start: container web could not be created (CreateContainerError)" });
    expect(findings[0]!.evidence[0]).toBe(`container web: CreateContainerError: ${message}`);
    await expectWellFormed(containerConfig, findings);
  });

  test("an init container is reported, with only the events about it", async () => {
    const p = pod("web-7", [{ name: "migrate", init: true, waiting: configError('secret "migrations" not found'), env: [{ name: "TOKEN", valueFrom: { secretKeyRef: { name: "migrations", key: "token" } } }] }, { waiting: { reason: "PodInitializing" } }]);
    const findings = await findingsOf(containerConfig, [p, failed(p, 'Error: secret "migrations" not found', "migrate"), failed(p, "Error: something else", "web")]);
    expect(findings.map((f) => f.id)).toEqual(["container-config/CreateContainerConfigError/shop/Pod/web-7/migrate"]);
    expect(findings[0]!.evidence[0]).toBe('init container migrate: CreateContainerConfigError: secret "migrations" not found');
    expect(findings[0]!.evidence.filter((l) => l.startsWith("Warning"))).toHaveLength(1);
  });

  test("a running pod gives no finding", async () => {
    expect(await findingsOf(containerConfig, [pod("web-8", [{}], { phase: "Running" })])).toEqual([]);
  });

  test("a pod that is done gives no finding", async () => {
    expect(await findingsOf(containerConfig, [pod("web-9", [{ waiting: configError('secret "x" not found') }], { phase: "Failed" })])).toEqual([]);
  });

  test("malformed pods (no status, no spec, no message) do not throw", async () => {
    const bare: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "bare", namespace: NS } };
    const noSpec: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "nospec", namespace: NS }, status: { phase: "Pending", containerStatuses: [{ name: "x", state: { waiting: { reason: "CreateContainerConfigError", message: 'secret "s" not found' } } }, { name: "y", state: { waiting: { reason: "CreateContainerError" } } }] } };
    const findings = await findingsOf(containerConfig, [bare, noSpec]);
    expect(findings.map((f) => f.title).sort()).toEqual(["Pod nospec cannot start: Secret s not found", "Pod nospec cannot start: container y could not be created (CreateContainerError)"]);
  });
});
