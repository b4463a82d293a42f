/** The diagnostics core without a cluster: snapshot indexes, the runner's guarantees, the JSON fitting and the text rendering. */
import { describe, expect, test } from "bun:test";
import { type Analyzer, MAX_FINDINGS, analyze, createSnapshot, defineAnalyzer, finding, selectAnalyzers, sortFindings } from "../../lib/diagnose/index.ts";
import { analyzerIds, diagnosisJson } from "../../lib/diagnose/command.ts";
import { renderDiagnosis, summaryLine } from "../../lib/diagnose/render.ts";
import { splitCommandLine } from "../../lib/kubectl/index.ts";
import type { KubeObject } from "../../lib/kube/index.ts";

const obj = (kind: string, namespace: string | undefined, name: string, extra: Partial<KubeObject> = {}): KubeObject => ({
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}), uid: `${kind}-${name}` },
  ...extra,
});

const found = (id: string, severity: "critical" | "warning" | "info", ns: string | null, kind: string, name: string, code = "X") =>
  finding(id, { code, severity, kind, namespace: ns, name, title: `${kind} ${name}`, confirm: [["get", "pods"]], hint: "h" });

describe("createSnapshot", () => {
  const rs = obj("ReplicaSet", "shop", "web-1", { metadata: { name: "web-1", namespace: "shop", uid: "rs-uid" } });
  const pod = obj("Pod", "shop", "web-1-a", { metadata: { name: "web-1-a", namespace: "shop", uid: "p1", ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-1", uid: "rs-uid", controller: true }] } });
  const stray = obj("Pod", "shop", "other", { metadata: { name: "other", namespace: "shop", ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-1", uid: "old-uid", controller: true }] } });
  const ev = (name: string, at: string, involved: string) => obj("Event", "shop", name, { involvedObject: { kind: "Pod", name: involved, namespace: "shop" }, lastTimestamp: at, type: "Warning", reason: "BackOff" });
  const s = createSnapshot({
    namespace: "shop",
    objects: { pods: [pod, stray], replicasets: [rs], events: [ev("e1", "2026-01-01T00:00:00Z", "web-1-a"), ev("e2", "2026-01-01T00:05:00Z", "web-1-a"), ev("e3", "2026-01-01T00:01:00Z", "other")], nodes: [obj("Node", undefined, "n1")] },
    unavailable: ["podmetrics"],
  });

  test("get finds namespaced and cluster-scoped objects by name", () => {
    expect(s.get("pods", "shop", "web-1-a")).toBe(pod);
    expect(s.get("pods", "default", "web-1-a")).toBeUndefined();
    expect(s.get("nodes", null, "n1")?.metadata.name).toBe("n1");
  });
  test("ownedBy matches the controller by uid, not a same-named owner that was replaced", () => {
    expect(s.ownedBy("pods", rs).map((p) => p.metadata.name)).toEqual(["web-1-a"]);
  });
  test("eventsFor returns an object's events newest first", () => {
    expect(s.eventsFor("Pod", "shop", "web-1-a").map((e) => e.metadata.name)).toEqual(["e2", "e1"]);
    expect(s.eventsFor("Pod", "shop", "nothing")).toEqual([]);
  });
  test("kinds lists what was read, in the fixed order; size counts objects", () => {
    expect(s.kinds).toEqual(["pods", "replicasets", "events", "nodes"]);
    expect(s.size).toBe(7);
    expect(s.unavailable).toEqual(["podmetrics"]);
    expect(s.list("deployments")).toEqual([]);
  });
});

describe("analyze", () => {
  const snapshot = createSnapshot({ objects: { pods: [] }, takenAt: 1 });
  const fixed = (id: string, findings: ReturnType<typeof found>[]): Analyzer => defineAnalyzer({ id, kinds: ["pods"], analyze: () => findings });

  test("a failing analyzer is recorded and the others' findings stand", async () => {
    const boom = defineAnalyzer({ id: "boom", kinds: ["pods"], analyze: () => { throw new Error("no status"); } });
    const d = await analyze(snapshot, [boom, fixed("ok", [found("ok", "warning", "a", "Pod", "p")])]);
    expect(d.errors).toEqual([{ analyzer: "boom", error: "no status" }]);
    expect(d.findings.map((f) => f.id)).toEqual(["ok/X/a/Pod/p"]);
    expect(d.analyzed.analyzers).toEqual(["boom", "ok"]);
  });

  test("findings are sorted by severity, namespace, kind, name and code whatever order analyzers return them in", async () => {
    const fs = [found("a", "info", "a", "Pod", "z"), found("a", "critical", "b", "Pod", "a"), found("a", "critical", "a", "Service", "a"), found("a", "critical", "a", "Pod", "b"), found("a", "warning", null, "Node", "n")];
    const one = await analyze(snapshot, [fixed("a", fs)]);
    const two = await analyze(snapshot, [fixed("a", [...fs].reverse())]);
    expect(one.findings.map((f) => f.id)).toEqual(["a/X/a/Pod/b", "a/X/a/Service/a", "a/X/b/Pod/a", "a/X/_/Node/n", "a/X/a/Pod/z"]);
    expect(two.findings).toEqual(one.findings);
    expect(one.summary).toEqual({ critical: 3, warning: 1, info: 1, total: 5 });
  });

  test("a duplicate finding id counts once", async () => {
    const d = await analyze(snapshot, [fixed("a", [found("a", "warning", "x", "Pod", "p"), found("a", "warning", "x", "Pod", "p")])]);
    expect(d.summary.total).toBe(1);
  });

  test(`more than ${MAX_FINDINGS} findings are cut to the worst ones and the answer says truncated`, async () => {
    const many = Array.from({ length: MAX_FINDINGS + 10 }, (_, i) => found("a", i < 5 ? "critical" : "info", "ns", "Pod", `p${String(i).padStart(4, "0")}`));
    const d = await analyze(snapshot, [fixed("a", many)]);
    expect(d.findings).toHaveLength(MAX_FINDINGS);
    expect(d.truncated).toBe(true);
    expect(d.summary.total).toBe(MAX_FINDINGS + 10);
    expect(d.findings.slice(0, 5).every((f) => f.severity === "critical")).toBe(true);
  });

  test("finding() cuts evidence to 12 lines of 400 characters, one line each, without control characters", () => {
    const f = finding("a", { code: "X", severity: "info", kind: "Pod", namespace: "n", name: "p", title: "t\nsecond", evidence: [...Array.from({ length: 20 }, (_, i) => `line ${i}`), "x".repeat(1000)], hint: "" });
    expect(f.title).toBe("t second");
    expect(f.evidence).toHaveLength(12);
    const long = finding("a", { code: "X", severity: "info", kind: "Pod", namespace: "n", name: "p", title: "t", evidence: ["a\u001b[31mred\r\nnext", "y".repeat(1000)], hint: "" });
    expect(long.evidence[0]).toBe("a[31mred next");
    expect(long.evidence[1]!.length).toBe(400);
  });
});

describe("selectAnalyzers", () => {
  const a = defineAnalyzer({ id: "a", kinds: ["pods"], analyze: () => [] });
  const b = defineAnalyzer({ id: "b", kinds: ["nodes"], analyze: () => [] });
  test("all when none are named, the named ones in order otherwise", () => {
    expect(selectAnalyzers([a, b]).map((x) => x.id)).toEqual(["a", "b"]);
    expect(selectAnalyzers([a, b], ["b"]).map((x) => x.id)).toEqual(["b"]);
  });
  test("an unknown id throws naming the known ones", () => {
    expect(() => selectAnalyzers([a, b], ["c"])).toThrow('unknown analyzer "c" (this agent runs: a, b)');
  });
  test("analyzerIds reads a --analyzers value", () => {
    expect(analyzerIds("a, b,,c")).toEqual(["a", "b", "c"]);
    expect(analyzerIds(undefined)).toEqual([]);
  });
});

describe("diagnosisJson", () => {
  test("a diagnosis over the byte budget drops its mildest findings and stays valid JSON", async () => {
    const many = Array.from({ length: 300 }, (_, i) => finding("a", { code: "X", severity: i < 3 ? "critical" : "info", kind: "Pod", namespace: "n", name: `p${i}`, title: "t", evidence: ["e".repeat(390)], hint: "h" }));
    const d = await analyze(createSnapshot({ objects: {} }), [defineAnalyzer({ id: "a", kinds: [], analyze: () => many })]);
    const text = diagnosisJson(d, 20_000);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(20_000);
    const back = JSON.parse(text);
    expect(back.truncated).toBe(true);
    expect(back.findings.length).toBeGreaterThan(0);
    expect(back.findings.length).toBeLessThan(300);
    expect(back.findings[0].severity).toBe("critical");
    expect(JSON.parse(diagnosisJson(d, 10_000_000)).findings).toHaveLength(300);
  });
});

describe("renderDiagnosis", () => {
  test("prints the summary, each finding with evidence, hint and shell-quoted confirm commands", async () => {
    const f = finding("crash", { code: "CrashLoopBackOff", severity: "critical", kind: "Pod", namespace: "shop", name: "web-1", title: "web-1 is crash-looping", evidence: ["exit 1"], confirm: [["logs", "web-1", "--previous"], ["get", "pods", "-l", "app in (a,b)"]], hint: "check the database" });
    const d = await analyze(createSnapshot({ namespace: "shop", objects: { pods: [] } }), [defineAnalyzer({ id: "crash", kinds: ["pods"], analyze: () => [f] })]);
    const text = renderDiagnosis({ ...d, duration_ms: 7 });
    expect(text).toContain("1 critical in namespace shop (0 objects, 1 analyzer, 7 ms)");
    expect(text).toContain("CRITICAL  web-1 is crash-looping");
    expect(text).toContain("Pod shop/web-1 · CrashLoopBackOff · crash");
    expect(text).toContain("- exit 1");
    expect(text).toContain("hint: check the database");
    expect(text).toContain("$ kubectl logs web-1 --previous");
    const quoted = text.split("\n").find((l) => l.includes("app in"))!;
    const split = splitCommandLine(quoted.slice(quoted.indexOf("kubectl ") + 8));
    expect(split).toEqual({ ok: true, words: ["get", "pods", "-l", "app in (a,b)"] });
  });
  test("a clean diagnosis says no problems were found", async () => {
    const d = await analyze(createSnapshot({ objects: { pods: [obj("Pod", "a", "p")] } }), []);
    expect(summaryLine({ ...d, duration_ms: 3 })).toBe("No problems found in the cluster (1 object, 0 analyzers, 3 ms)");
  });
});

test("sortFindings is stable on ties by id", () => {
  const a = found("a", "warning", "n", "Pod", "p", "A");
  const b = { ...found("a", "warning", "n", "Pod", "p", "A"), id: "a/A/n/Pod/p/zzz" };
  expect(sortFindings([b, a]).map((f) => f.id)).toEqual([a.id, b.id]);
});
