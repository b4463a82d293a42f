import { describe, expect, test } from "bun:test";
import { replicasetCreate } from "../../../plugins/analyzers/replicaset-create.ts";
import type { KubeObject } from "../../../lib/kube/index.ts";
import { ago, expectWellFormed, findingsOf } from "../../_analyzers.ts";

const NS = "shop";
const QUOTA = 'pods "api-6f8d-x7k2p" is forbidden: exceeded quota: compute-quota, requested: limits.memory=2Gi, used: limits.memory=7Gi, limited: limits.memory=8Gi';

function rs(name: string, replicas: number | undefined, status?: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name,
      namespace: NS,
      uid: `uid-${name}`,
      creationTimestamp: ago(3600),
      ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: name.replace(/-[^-]+$/, ""), uid: "uid-d", controller: true }],
    },
    spec: { ...(replicas === undefined ? {} : { replicas }), selector: { matchLabels: { app: "api" } }, template: { metadata: { labels: { app: "api" } }, spec: { containers: [{ name: "api", image: "api:1" }] } } },
    ...(status ? { status } : {}),
  };
}

function failedCreate(rsName: string, message: string, count = 1, secondsAgo = 20): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: `${rsName}.${count}${secondsAgo}`, namespace: NS, creationTimestamp: ago(600) },
    involvedObject: { kind: "ReplicaSet", namespace: NS, name: rsName, apiVersion: "apps/v1" },
    type: "Warning",
    reason: "FailedCreate",
    message,
    source: { component: "replicaset-controller" },
    count,
    firstTimestamp: ago(600),
    lastTimestamp: ago(secondsAgo),
  };
}

describe("replicaset-create", () => {
  test("a ReplicaSet with all its pods gives nothing, even with an old FailedCreate event", async () => {
    const ok = rs("api-6f8d", 2, { replicas: 2, readyReplicas: 2, availableReplicas: 2 });
    expect(await findingsOf(replicasetCreate, [ok, failedCreate("api-6f8d", QUOTA)])).toEqual([]);
  });

  test("a ReplicaSet short of pods without a failure is not this analyzer's business", async () => {
    expect(await findingsOf(replicasetCreate, [rs("api-6f8d", 3, { replicas: 1 })])).toEqual([]);
  });

  test("quota: ReplicaFailure condition and FailedCreate events", async () => {
    const r = rs("api-6f8d", 2, {
      replicas: 0,
      observedGeneration: 1,
      conditions: [{ type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: QUOTA, lastTransitionTime: ago(600) }],
    });
    const findings = await findingsOf(replicasetCreate, [r, failedCreate("api-6f8d", QUOTA, 14)]);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({
      id: "replicaset-create/ReplicaSetCreateFailed/shop/ReplicaSet/api-6f8d",
      code: "ReplicaSetCreateFailed",
      severity: "critical",
      namespace: NS,
      resource: { kind: "ReplicaSet", name: "api-6f8d" },
      title: "ReplicaSet api-6f8d cannot create pods: exceeded quota compute-quota",
    });
    expect(f.evidence[0]).toBe("0/2 pods created (owned by Deployment api)");
    // The condition repeats the event's message: said once, with the event's count.
    expect(f.evidence).toHaveLength(2);
    expect(f.evidence[1]).toBe(`Warning FailedCreate (x14 over 10m, last 20s ago): ${QUOTA}`);
    expect(f.hint).toContain("ResourceQuota compute-quota is spent");
    expect(f.confirm).toContainEqual(["describe", "replicaset", "api-6f8d", "-n", NS]);
    expect(f.confirm).toContainEqual(["events", "-n", NS, "--for", "replicaset/api-6f8d"]);
    expect(f.confirm).toContainEqual(["describe", "resourcequota", "compute-quota", "-n", NS]);
    await expectWellFormed(replicasetCreate, findings);
  });

  test("condition alone (events expired), and a quota that requires limits", async () => {
    const msg = 'pods "api-6f8d-abcde" is forbidden: failed quota: compute-quota: must specify limits.cpu,limits.memory';
    const r = rs("api-6f8d", 1, { conditions: [{ type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: msg }] });
    const [f] = await findingsOf(replicasetCreate, [r]);
    expect(f!.title).toBe("ReplicaSet api-6f8d cannot create pods: quota compute-quota requires limits.cpu,limits.memory on every container");
    expect(f!.evidence).toEqual(["0/1 pods created (owned by Deployment api)", `condition ReplicaFailure=True (FailedCreate): ${msg}`]);
    await expectWellFormed(replicasetCreate, [f!]);
  });

  test("Pod Security admission", async () => {
    const msg =
      'pods "web-5d-q" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "web" must set securityContext.allowPrivilegeEscalation=false), runAsNonRoot != true (pod or container "web" must set securityContext.runAsNonRoot=true)';
    const r = rs("web-5d", 3, { replicas: 0 });
    const [f] = await findingsOf(replicasetCreate, [r, failedCreate("web-5d", msg, 9)]);
    expect(f!.title).toBe('ReplicaSet web-5d cannot create pods: rejected by Pod Security admission (restricted:latest)');
    expect(f!.evidence[1]).toContain("violates PodSecurity");
    expect(f!.hint).toContain("securityContext");
    expect(f!.confirm).toContainEqual(["get", "namespace", NS, "--show-labels"]);
    await expectWellFormed(replicasetCreate, [f!]);
  });

  test("service account not found; distinct messages each listed", async () => {
    const sa = 'pods "worker-7c-" is forbidden: error looking up service account shop/worker: serviceaccount "worker" not found';
    const other = 'Internal error occurred: failed calling webhook "mutate.example.com": context deadline exceeded';
    const r = rs("worker-7c", 2, { replicas: 1 });
    const [f] = await findingsOf(replicasetCreate, [r, failedCreate("worker-7c", sa, 3, 10), failedCreate("worker-7c", sa, 2, 30), failedCreate("worker-7c", other, 1, 50)]);
    expect(f!.title).toBe("ReplicaSet worker-7c cannot create pods: service account worker not found");
    expect(f!.evidence[0]).toBe("1/2 pods created (owned by Deployment worker)");
    expect(f!.evidence.slice(1).map((l) => l.split("): ")[1])).toEqual([sa, other]);
    expect(f!.hint).toContain("serviceAccountName");
    await expectWellFormed(replicasetCreate, [f!]);
  });

  test("an unrecognised cause gets the generic title; missing status and replicas defaults", async () => {
    const msg = 'admission webhook "validate.kyverno.svc" denied the request: policy require-labels failed';
    const [f] = await findingsOf(replicasetCreate, [rs("x-1", undefined), failedCreate("x-1", msg)]);
    expect(f!.title).toBe("ReplicaSet x-1 cannot create pods: denied by admission webhook validate.kyverno.svc");
    expect(f!.evidence[0]).toBe("0/1 pods created (owned by Deployment x)");
    const [g] = await findingsOf(replicasetCreate, [rs("y-1", 1, { conditions: [{ type: "ReplicaFailure", status: "True", message: "something odd" }] })]);
    expect(g!.title).toBe("ReplicaSet y-1 cannot create pods");
    expect(g!.hint).toContain("rejects");
    // Scaled to 0, or a ReplicaFailure that is False: nothing.
    expect(await findingsOf(replicasetCreate, [rs("z-1", 0, { conditions: [{ type: "ReplicaFailure", status: "True", message: QUOTA }] })])).toEqual([]);
    expect(await findingsOf(replicasetCreate, [rs("z-2", 1, { conditions: [{ type: "ReplicaFailure", status: "False" }] })])).toEqual([]);
  });
});
