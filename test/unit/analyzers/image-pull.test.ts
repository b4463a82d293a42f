import { describe, expect, test } from "bun:test";
import { imagePull } from "../../../plugins/analyzers/image-pull.ts";
import type { KubeObject } from "../../../lib/kube/index.ts";
import { ago, expectWellFormed, findingsOf } from "../../_analyzers.ts";

const NS = "payments";
const IMAGE = "registry.example.com/payments:v2.3.1-typo";

interface C {
  name: string;
  image?: string;
  waiting?: { reason: string; message?: string };
  ready?: boolean;
}

function pod(name: string, containers: C[], o: { init?: C[]; phase?: string; pullSecrets?: string[] } = {}): KubeObject {
  const status = (c: C) => ({
    name: c.name,
    image: c.image ?? IMAGE,
    imageID: c.waiting ? "" : "registry.example.com/payments@sha256:1e9f",
    ready: c.ready ?? !c.waiting,
    restartCount: 0,
    started: !c.waiting,
    state: c.waiting ? { waiting: c.waiting } : { running: { startedAt: ago(3000) } },
    lastState: {},
  });
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: NS,
      uid: `uid-${name}`,
      creationTimestamp: ago(540),
      ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "payments-api-5d7f8b9c6d", uid: "uid-rs", controller: true }],
    },
    spec: {
      nodeName: "node-3",
      ...(o.pullSecrets ? { imagePullSecrets: o.pullSecrets.map((n) => ({ name: n })) } : {}),
      ...(o.init ? { initContainers: o.init.map((c) => ({ name: c.name, image: c.image ?? IMAGE })) } : {}),
      containers: containers.map((c) => ({ name: c.name, image: c.image ?? IMAGE, ports: [{ containerPort: 8080 }], resources: { requests: { cpu: "250m", memory: "256Mi" } } })),
    },
    status: {
      phase: o.phase ?? "Pending",
      conditions: [{ type: "PodScheduled", status: "True", lastTransitionTime: ago(540) }, { type: "Ready", status: "False", reason: "ContainersNotReady" }],
      ...(o.init ? { initContainerStatuses: o.init.map(status) } : {}),
      containerStatuses: containers.map(status),
    },
  };
}

function event(p: KubeObject, o: { reason: string; message: string; type?: string; count?: number; firstAgo: number; lastAgo: number; container?: string }): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: `${p.metadata.name}.${o.reason}.${o.lastAgo}.${o.message.length}`, namespace: NS },
    involvedObject: { apiVersion: "v1", kind: "Pod", name: p.metadata.name, namespace: NS, uid: p.metadata.uid, fieldPath: `spec.containers{${o.container ?? "payments-api"}}` },
    reason: o.reason,
    message: o.message,
    type: o.type ?? "Warning",
    count: o.count ?? 1,
    firstTimestamp: ago(o.firstAgo),
    lastTimestamp: ago(o.lastAgo),
    source: { component: "kubelet", host: "node-3" },
  };
}

const notFound = `rpc error: code = NotFound desc = failed to pull and unpack image "${IMAGE}": failed to resolve reference "${IMAGE}": ${IMAGE}: not found`;
const unauthorized = `rpc error: code = Unknown desc = failed to pull and unpack image "${IMAGE}": failed to resolve reference "${IMAGE}": failed to authorize: failed to fetch oauth token: unexpected status: 401 Unauthorized`;
const unreachable = `rpc error: code = Unknown desc = failed to pull and unpack image "${IMAGE}": failed to resolve reference "${IMAGE}": failed to do request: Head "https://registry.example.com/v2/payments/manifests/v2.3.1-typo": dial tcp: lookup registry.example.com on 10.96.0.10:53: no such host`;

const backOff = (message: string): C => ({ name: "payments-api", waiting: { reason: "ImagePullBackOff", message: `Back-off pulling image "${IMAGE}": ErrImagePull: ${message}` } });

describe("image-pull", () => {
  test("reports ImagePullBackOff with the image, the waiting message and the events carrying the registry's error", async () => {
    const p = pod("payments-api-5d7f8b9c6d-kx7mn", [backOff(notFound)]);
    const objects = [
      p,
      event(p, { reason: "Failed", message: `Failed to pull image "${IMAGE}": ${notFound}`, firstAgo: 537, lastAgo: 229, count: 6 }),
      event(p, { reason: "Failed", message: "Error: ErrImagePull", firstAgo: 537, lastAgo: 229, count: 6 }),
      event(p, { reason: "BackOff", message: `Back-off pulling image "${IMAGE}"`, type: "Normal", firstAgo: 536, lastAgo: 8, count: 34 }),
      event(p, { reason: "Failed", message: "Error: ImagePullBackOff", firstAgo: 536, lastAgo: 8, count: 34 }),
      event(p, { reason: "Pulling", message: `Pulling image "${IMAGE}"`, type: "Normal", firstAgo: 538, lastAgo: 230, count: 6 }),
    ];
    const findings = await findingsOf(imagePull, objects);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({
      id: "image-pull/ImagePullBackOff/payments/Pod/payments-api-5d7f8b9c6d-kx7mn/payments-api",
      code: "ImagePullBackOff",
      severity: "critical",
      namespace: "payments",
      resource: { kind: "Pod", name: "payments-api-5d7f8b9c6d-kx7mn" },
    });
    expect(f.title).toBe(`Pod payments-api-5d7f8b9c6d-kx7mn: container payments-api cannot pull image ${IMAGE} (ImagePullBackOff)`);
    expect(f.evidence[0]).toBe(`image: ${IMAGE}`);
    expect(f.evidence[1]).toStartWith(`waiting: ImagePullBackOff: Back-off pulling image "${IMAGE}"`);
    expect(f.evidence[2]).toStartWith("Warning Failed (x6 over 8m57s");
    expect(f.evidence[2]).toEndWith(`${IMAGE}: not found`);
    expect(f.evidence.some((l) => l.includes("Pulling image"))).toBe(false);
    expect(f.evidence.some((l) => l.includes("Normal BackOff"))).toBe(false);
    expect(f.evidence).toHaveLength(3);
    expect(f.hint).toContain("does not exist");
    expect(f.confirm).toEqual([
      ["describe", "pod", "payments-api-5d7f8b9c6d-kx7mn", "-n", "payments"],
      ["events", "-n", "payments", "--for", "pod/payments-api-5d7f8b9c6d-kx7mn"],
    ]);
    await expectWellFormed(imagePull, findings);
  });

  test("reports ErrImagePull with its own code", async () => {
    const p = pod("api-1", [{ name: "payments-api", waiting: { reason: "ErrImagePull", message: notFound } }]);
    const findings = await findingsOf(imagePull, [p]);
    expect(findings.map((f) => [f.code, f.severity])).toEqual([["ErrImagePull", "critical"]]);
    expect(findings[0]!.evidence).toContain(`waiting: ErrImagePull: ${notFound}`);
    await expectWellFormed(imagePull, findings);
  });

  test("reports InvalidImageName and asks for the image field to be fixed", async () => {
    const bad = "registry.example.com/Payments:V2 ";
    const p = pod("api-2", [{ name: "payments-api", image: bad, waiting: { reason: "InvalidImageName", message: `Failed to apply default image tag "${bad}": couldn't parse image name "${bad}": invalid reference format: repository name (library/Payments) must be lowercase` } }]);
    const findings = await findingsOf(imagePull, [p]);
    expect(findings[0]).toMatchObject({ code: "InvalidImageName", severity: "critical", title: `Pod api-2: container payments-api has an invalid image name "${bad}"` });
    expect(findings[0]!.evidence[1]).toContain("must be lowercase");
    expect(findings[0]!.hint).toContain("not valid");
    await expectWellFormed(imagePull, findings);
  });

  test("an authorization failure names the pod's imagePullSecrets", async () => {
    const p = pod("api-3", [backOff(unauthorized)], { pullSecrets: ["registry-credentials"] });
    const [f] = await findingsOf(imagePull, [p]);
    expect(f!.hint).toContain("refused the pull");
    expect(f!.hint).toContain("imagePullSecrets registry-credentials");
  });

  test("an authorization failure without imagePullSecrets says none are named", async () => {
    const p = pod("api-4", [backOff("pull access denied for registry.example.com/payments, repository does not exist or may require 'docker login': denied: requested access to the resource is denied")]);
    const [f] = await findingsOf(imagePull, [p]);
    expect(f!.hint).toContain("names no imagePullSecrets");
  });

  test("an unreachable registry is told apart from a missing tag", async () => {
    const [f] = await findingsOf(imagePull, [pod("api-5", [backOff(unreachable)])]);
    expect(f!.hint).toContain("cannot reach the registry");
  });

  test("bare `Error: ...` events are shown when no event carries the registry's error", async () => {
    const p = pod("api-11", [{ name: "payments-api", waiting: { reason: "ErrImagePull" } }]);
    const [f] = await findingsOf(imagePull, [p, event(p, { reason: "Failed", message: "Error: ErrImagePull", firstAgo: 100, lastAgo: 50, count: 2 })]);
    expect(f!.evidence[1]).toStartWith("Warning Failed (x2 over");
    expect(f!.evidence[1]).toEndWith("Error: ErrImagePull");
  });

  test("the cause is read from the events when the waiting message says little", async () => {
    const p = pod("api-6", [{ name: "payments-api", waiting: { reason: "ImagePullBackOff", message: `Back-off pulling image "${IMAGE}"` } }]);
    const [f] = await findingsOf(imagePull, [p, event(p, { reason: "Failed", message: `Failed to pull image "${IMAGE}": ${unauthorized}`, firstAgo: 100, lastAgo: 50, count: 2 })]);
    expect(f!.evidence.some((l) => l.includes("401 Unauthorized"))).toBe(true);
    expect(f!.hint).toContain("refused the pull");
  });

  test("reports an init container whose image cannot be pulled, and only the events about it", async () => {
    const p = pod("api-7", [{ name: "payments-api", waiting: { reason: "PodInitializing" } }], { init: [{ name: "migrate", image: "registry.example.com/migrate:9", waiting: { reason: "ImagePullBackOff", message: "Back-off pulling image" } }] });
    const objects = [
      p,
      event(p, { reason: "Failed", message: 'Failed to pull image "registry.example.com/migrate:9": not found', firstAgo: 60, lastAgo: 30, container: "migrate" }),
      event(p, { reason: "Failed", message: "Failed to pull image for another container", firstAgo: 60, lastAgo: 30, container: "payments-api" }),
    ];
    const findings = await findingsOf(imagePull, objects);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.title).toBe("Pod api-7: init container migrate cannot pull image registry.example.com/migrate:9 (ImagePullBackOff)");
    expect(findings[0]!.evidence.filter((l) => l.startsWith("Warning"))).toHaveLength(1);
    await expectWellFormed(imagePull, findings);
  });

  test("a running pod gives no finding", async () => {
    expect(await findingsOf(imagePull, [pod("api-8", [{ name: "payments-api" }], { phase: "Running" })])).toEqual([]);
  });

  test("a pod that is done gives no finding", async () => {
    expect(await findingsOf(imagePull, [pod("api-9", [backOff(notFound)], { phase: "Failed" })])).toEqual([]);
  });

  test("other waiting reasons are not image pulls", async () => {
    expect(await findingsOf(imagePull, [pod("api-10", [{ name: "payments-api", waiting: { reason: "ContainerCreating" } }])])).toEqual([]);
  });

  test("malformed pods without status, spec or message do not throw", async () => {
    const bare: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "bare", namespace: NS } };
    const noSpec: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "nospec", namespace: NS }, status: { phase: "Pending", containerStatuses: [{ name: "x", state: { waiting: { reason: "ErrImagePull" } } }] } };
    const findings = await findingsOf(imagePull, [bare, noSpec]);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.evidence).toEqual(["image: (none)"]);
  });
});
