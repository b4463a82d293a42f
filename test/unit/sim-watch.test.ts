/**
 * Watches of the simulated cluster and the writes that feed them: raw
 * `?watch=true` streams checked event by event, and the real `kubectl get -w`.
 * Each test starts its own cluster, so writes never leak between tests.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { type KubeObject, type SimCluster, startSimCluster } from "../../lib/sim/index.ts";
import { HISTORY_LIMIT } from "../../lib/sim/store.ts";
import { kubectlHome, requireKubectl, spawnKubectl } from "../_kubectl.ts";

const KUBECTL = requireKubectl("sim-watch.test");

const WEB = "web-7d4b9c8f6d-x2kqp";
const CRASHING = "checkout-6b8f9d7c5c-8wzrn";
const TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: KubeObject & { rows?: { cells: unknown[] }[]; columnDefinitions?: unknown[] | null; code?: number; reason?: string };
}

const open: { close(): void }[] = [];
const clusters: SimCluster[] = [];
afterEach(async () => {
  for (const w of open.splice(0)) w.close();
  for (const c of clusters.splice(0)) await c.close();
});

async function sim(options: Parameters<typeof startSimCluster>[0] = {}): Promise<SimCluster> {
  const c = await startSimCluster(options);
  clusters.push(c);
  return c;
}

/** Opens a watch and collects its events as they arrive. */
async function watch(cluster: SimCluster, path: string, accept?: string) {
  const ac = new AbortController();
  const res = await fetch(`${cluster.url}${path}`, { headers: accept ? { accept } : {}, signal: ac.signal });
  const events: WatchEvent[] = [];
  let ended = false;
  const reader = res.body?.getReader();
  void (async () => {
    const decoder = new TextDecoder();
    let buf = "";
    try {
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) break;
        buf += decoder.decode(chunk.value, { stream: true });
        for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
          events.push(JSON.parse(buf.slice(0, i)) as WatchEvent);
          buf = buf.slice(i + 1);
        }
      }
    } catch {
      // aborted by close()
    } finally {
      ended = true;
    }
  })();
  const w = {
    status: res.status,
    contentType: res.headers.get("content-type"),
    events,
    ended: () => ended,
    /** Waits until `pred` holds (or the stream ends); returns the events so far. */
    async until(pred: (events: WatchEvent[]) => boolean, ms = 3000): Promise<WatchEvent[]> {
      const deadline = Date.now() + ms;
      while (!pred(events) && !ended && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      return events;
    },
    close: () => ac.abort(),
  };
  open.push(w);
  return w;
}

const summary = (events: WatchEvent[]) => events.map((e) => `${e.type} ${e.object.metadata?.name ?? ""}`);
const setLabel = (k: string, v: string | null) => (p: KubeObject) => {
  const labels = { ...p.metadata.labels };
  if (v === null) delete labels[k];
  else labels[k] = v;
  p.metadata.labels = labels;
};

describe("?watch=true", () => {
  test("without resourceVersion sends ADDED for every matching object, then changes", async () => {
    const c = await sim();
    const w = await watch(c, "/api/v1/namespaces/shop/pods?watch=true&labelSelector=app%3Dweb");
    expect(w.status).toBe(200);
    expect(w.contentType).toBe("application/json");
    await w.until((e) => e.length === 3);
    expect(summary(w.events).sort()).toEqual(["ADDED web-7d4b9c8f6d-9hvlm", "ADDED web-7d4b9c8f6d-tq4zr", `ADDED ${WEB}`]);
    const updated = c.update(`pods/shop/${WEB}`, setLabel("tier", "edge"));
    await w.until((e) => e.length === 4);
    expect(w.events[3]).toMatchObject({ type: "MODIFIED", object: { metadata: { name: WEB, labels: { tier: "edge" }, resourceVersion: updated.metadata.resourceVersion } } });
    c.update(`pods/shop/${CRASHING}`, setLabel("tier", "edge"));
    c.remove(`pods/shop/${WEB}`);
    await w.until((e) => e.length === 5);
    expect(summary(w.events.slice(4))).toEqual([`DELETED ${WEB}`]);
  });

  test("resourceVersion=0 also starts with the current state", async () => {
    const c = await sim({ scenario: "empty" });
    const w = await watch(c, "/api/v1/nodes?watch=true&resourceVersion=0");
    expect(summary(await w.until((e) => e.length === 3))).toEqual(["ADDED node-1", "ADDED node-2", "ADDED node-3"]);
  });

  test("a specific resourceVersion sends only the changes after it", async () => {
    const c = await sim();
    const before = c.resourceVersion;
    c.update(`pods/shop/${WEB}`, setLabel("step", "1"));
    const mid = c.resourceVersion;
    c.update(`pods/shop/${WEB}`, setLabel("step", "2"));
    const fromBefore = await watch(c, `/api/v1/namespaces/shop/pods?watch=true&resourceVersion=${before}`);
    const fromMid = await watch(c, `/api/v1/pods?watch=true&resourceVersion=${mid}`);
    await fromBefore.until((e) => e.length === 2);
    await fromMid.until((e) => e.length === 1);
    expect(fromBefore.events.map((e) => [e.type, e.object.metadata.labels?.step])).toEqual([["MODIFIED", "1"], ["MODIFIED", "2"]]);
    expect(fromMid.events.map((e) => [e.type, e.object.metadata.labels?.step])).toEqual([["MODIFIED", "2"]]);
    expect(Number(mid)).toBeGreaterThan(Number(before));
  });

  test("a resourceVersion older than the history gets an ERROR event with a 410 Expired Status and the stream ends", async () => {
    const c = await sim();
    const w = await watch(c, "/api/v1/pods?watch=true&resourceVersion=12");
    await w.until(() => w.ended());
    expect(w.ended()).toBe(true);
    expect(w.events).toHaveLength(1);
    expect(w.events[0]).toMatchObject({ type: "ERROR", object: { kind: "Status", apiVersion: "v1", status: "Failure", reason: "Expired", code: 410 } });
    expect(String(w.events[0]?.object.message)).toStartWith("too old resource version: 12 (");
  });

  test("the history window moves: resuming from before it is Expired, from inside it replays", async () => {
    const c = await sim({ scenario: "empty" });
    const start = c.resourceVersion;
    for (let i = 0; i <= HISTORY_LIMIT; i++) c.update("nodes/node-1", setLabel("n", String(i)));
    const old = await watch(c, `/api/v1/nodes?watch=true&resourceVersion=${start}`);
    await old.until(() => old.ended());
    expect(old.events.map((e) => [e.type, e.object.code])).toEqual([["ERROR", 410]]);
    const recent = await watch(c, `/api/v1/nodes?watch=true&resourceVersion=${Number(c.resourceVersion) - 2}`);
    expect((await recent.until((e) => e.length === 2)).map((e) => e.object.metadata.labels?.n)).toEqual([String(HISTORY_LIMIT - 1), String(HISTORY_LIMIT)]);
  });

  test("a malformed resourceVersion is a BadRequest", async () => {
    const c = await sim({ scenario: "empty" });
    const res = await fetch(`${c.url}/api/v1/nodes?watch=true&resourceVersion=abc`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ kind: "Status", reason: "BadRequest" });
  });

  test("label selectors apply to both sides of a change: starting to match is ADDED, stopping is DELETED", async () => {
    const c = await sim();
    const w = await watch(c, `/api/v1/namespaces/shop/pods?watch=true&resourceVersion=${c.resourceVersion}&labelSelector=canary%3Dtrue`);
    c.update(`pods/shop/${WEB}`, setLabel("canary", "true"));
    c.update(`pods/shop/${WEB}`, setLabel("note", "x"));
    const stopped = c.update(`pods/shop/${WEB}`, setLabel("canary", null));
    await w.until((e) => e.length === 3);
    expect(summary(w.events)).toEqual([`ADDED ${WEB}`, `MODIFIED ${WEB}`, `DELETED ${WEB}`]);
    // The DELETED object is the last state that matched, at the change's resourceVersion.
    expect(w.events[2]?.object.metadata).toMatchObject({ labels: { canary: "true" }, resourceVersion: stopped.metadata.resourceVersion });
  });

  test("field selectors and namespaces filter events", async () => {
    const c = await sim();
    const w = await watch(c, `/api/v1/pods?watch=true&resourceVersion=${c.resourceVersion}&fieldSelector=metadata.name%3D${CRASHING}`);
    const other = await watch(c, `/api/v1/namespaces/payments/pods?watch=true&resourceVersion=${c.resourceVersion}`);
    c.update(`pods/shop/${WEB}`, setLabel("x", "1"));
    c.update(`pods/shop/${CRASHING}`, setLabel("x", "1"));
    await w.until((e) => e.length === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(summary(w.events)).toEqual([`MODIFIED ${CRASHING}`]);
    expect(other.events).toEqual([]);
  });

  test("the deprecated /watch/ path watches a collection or one named object", async () => {
    const c = await sim();
    const named = await watch(c, `/api/v1/watch/namespaces/shop/pods/${WEB}`);
    const all = await watch(c, "/apis/apps/v1/watch/namespaces/shop/deployments");
    expect(summary(await named.until((e) => e.length === 1))).toEqual([`ADDED ${WEB}`]);
    expect(summary(await all.until((e) => e.length === 3))).toEqual(["ADDED checkout", "ADDED recommendations", "ADDED web"]);
  });

  test("timeoutSeconds ends the stream", async () => {
    const c = await sim({ scenario: "empty" });
    const started = Date.now();
    const w = await watch(c, "/api/v1/namespaces?watch=true&timeoutSeconds=1");
    await w.until(() => w.ended(), 5000);
    expect(w.ended()).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(w.events.length).toBeGreaterThan(0);
  });

  test("close() ends every open watch", async () => {
    const c = await startSimCluster({ scenario: "empty" });
    const a = await watch(c, "/api/v1/nodes?watch=true");
    const b = await watch(c, "/api/v1/namespaces?watch=true&resourceVersion=0");
    await a.until((e) => e.length === 3);
    await c.close();
    await a.until(() => a.ended());
    await b.until(() => b.ended());
    expect([a.ended(), b.ended()]).toEqual([true, true]);
  });

  test("as=Table: one-row Tables, column definitions only on the first event", async () => {
    const c = await sim();
    const w = await watch(c, `/api/v1/namespaces/shop/pods?watch=true&labelSelector=app%3Dcheckout`, TABLE);
    await w.until((e) => e.length === 1);
    c.update(`pods/shop/${CRASHING}`, setLabel("x", "1"));
    const events = await w.until((e) => e.length === 2);
    expect(events.map((e) => e.object.kind)).toEqual(["Table", "Table"]);
    expect(events[0]?.object.columnDefinitions?.length).toBe(9);
    expect(events[1]?.object.columnDefinitions).toBeNull();
    expect(events.map((e) => e.object.rows?.length)).toEqual([1, 1]);
    expect(events[1]?.object.rows?.[0]?.cells.slice(0, 3)).toEqual([CRASHING, "0/1", "CrashLoopBackOff"]);
    expect(events[1]?.object.metadata.resourceVersion).toBe(c.resourceVersion);
  });

  test("as=Table: an ERROR event keeps its Status", async () => {
    const c = await sim();
    const w = await watch(c, "/api/v1/pods?watch=true&resourceVersion=3", TABLE);
    await w.until(() => w.ended());
    expect(w.events.map((e) => [e.type, e.object.kind, e.object.code])).toEqual([["ERROR", "Status", 410]]);
  });

  test("as=PartialObjectMetadata: events carry metadata only", async () => {
    const c = await sim({ scenario: "empty" });
    const w = await watch(c, "/api/v1/nodes?watch=true", "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json");
    const events = await w.until((e) => e.length === 3);
    expect(events[0]?.object).toEqual({ kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: expect.objectContaining({ name: "node-1" }) });
  });

  test("sendInitialEvents with allowWatchBookmarks ends the initial events with an annotated BOOKMARK", async () => {
    const c = await sim({ scenario: "empty" });
    const w = await watch(c, `/api/v1/nodes?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&resourceVersion=${c.resourceVersion}`);
    const events = await w.until((e) => e.length === 4);
    expect(events.map((e) => e.type)).toEqual(["ADDED", "ADDED", "ADDED", "BOOKMARK"]);
    expect(events[3]?.object as unknown).toEqual({ kind: "Node", apiVersion: "v1", metadata: { resourceVersion: c.resourceVersion, annotations: { "k8s.io/initial-events-end": "true" } } });
  });

  test("allowWatchBookmarks sends periodic BOOKMARKs with the current resourceVersion", async () => {
    const c = await sim({ scenario: "empty", watchBookmarkIntervalMs: 50 });
    const w = await watch(c, `/api/v1/nodes?watch=true&allowWatchBookmarks=true&resourceVersion=${c.resourceVersion}`);
    c.update("nodes/node-2", setLabel("x", "1"));
    const events = await w.until((e) => e.some((x) => x.type === "BOOKMARK"));
    const bookmark = events.find((e) => e.type === "BOOKMARK");
    expect(bookmark?.object.metadata.resourceVersion).toBe(c.resourceVersion);
    expect(events[0]?.type).toBe("MODIFIED");
  });

  test("a type without the watch verb answers 405", async () => {
    const c = await sim();
    const res = await fetch(`${c.url}/apis/metrics.k8s.io/v1beta1/pods?watch=true`);
    expect(res.status).toBe(405);
    expect(await res.json()).toMatchObject({ kind: "Status", reason: "MethodNotAllowed" });
  });

  test("core/v1 and events.k8s.io/v1 Events are one storage: a change reaches both watches", async () => {
    const c = await sim();
    const rv = c.resourceVersion;
    const core = await watch(c, `/api/v1/namespaces/shop/events?watch=true&resourceVersion=${rv}`);
    const v1 = await watch(c, `/apis/events.k8s.io/v1/namespaces/shop/events?watch=true&resourceVersion=${rv}`);
    const name = (await (await fetch(`${c.url}/api/v1/namespaces/shop/events?fieldSelector=reason%3DBackOff,involvedObject.name%3D${CRASHING}`)).json() as { items: KubeObject[] }).items[0]?.metadata.name;
    c.update(`events/shop/${name}`, (e) => ({ ...e, count: 72 }));
    await core.until((e) => e.length === 1);
    await v1.until((e) => e.length === 1);
    expect(core.events[0]).toMatchObject({ type: "MODIFIED", object: { apiVersion: "v1", count: 72 } });
    expect(v1.events[0]).toMatchObject({ type: "MODIFIED", object: { apiVersion: "events.k8s.io/v1", deprecatedCount: 72 } });
    expect(v1.events[0]?.object.metadata.resourceVersion).toBe(core.events[0]?.object.metadata.resourceVersion);
  });
});

describe("SimCluster writes", () => {
  test("add(obj) fills uid and creationTimestamp, bumps resourceVersion and lists in key order", async () => {
    const c = await sim();
    const before = Number(c.resourceVersion);
    const cm = c.add({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "aaa-first", namespace: "shop" } as KubeObject["metadata"], data: { k: "v" } });
    expect(Number(cm.metadata.resourceVersion)).toBe(before + 1);
    expect(cm.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(cm.metadata.creationTimestamp)).toBeGreaterThan(Date.now() - 5000);
    const list = (await (await fetch(`${c.url}/api/v1/namespaces/shop/configmaps`)).json()) as { metadata: { resourceVersion: string }; items: KubeObject[] };
    expect(list.items[0]?.metadata.name).toBe("aaa-first");
    expect(list.metadata.resourceVersion).toBe(String(before + 1));
    expect(c.get("cm/shop/aaa-first")).toEqual(cm);
  });

  test("update(ref, mutate) keeps identity, bumps generation on spec changes and never mutates what was handed out", async () => {
    const c = await sim();
    const old = c.get("deployments.apps/shop/web") as KubeObject;
    const gen = old.metadata.generation as number;
    const next = c.update("deploy/shop/web", (d) => {
      (d.spec as { replicas: number }).replicas = 5;
      d.metadata.uid = "forged";
    });
    expect(next.metadata.generation).toBe(gen + 1);
    expect(next.metadata.uid).toBe(old.metadata.uid);
    expect((old.spec as { replicas: number }).replicas).toBe(3);
    expect(c.update("Deployment/shop/web", (d) => void (d.metadata.labels = { a: "b" })).metadata.generation).toBe(gen + 1);
  });

  test("writes that name nothing, rename, or duplicate throw", async () => {
    const c = await sim();
    expect(() => c.update("pods/shop/nope", () => {})).toThrow('pods "nope" not found');
    expect(() => c.remove("nodes/nope")).toThrow('nodes "nope" not found');
    expect(() => c.update(`pods/shop/${WEB}`, (p) => void (p.metadata.name = "other"))).toThrow("cannot change");
    expect(() => c.get("widgets/shop/x")).toThrow(TypeError);
    expect(() => c.get("pods/x")).toThrow('expected "pods/<namespace>/<name>"');
    expect(() => c.add(c.get(`pods/shop/${WEB}`) as KubeObject)).toThrow("already exists");
    expect(() => c.add({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: "nope" } as KubeObject["metadata"] })).toThrow('namespaces "nope" not found');
    expect(() => c.add({ apiVersion: "metrics.k8s.io/v1beta1", kind: "NodeMetrics", metadata: { name: "x" } as KubeObject["metadata"] })).toThrow("cannot be written");
  });

  test("remove(obj) accepts the object itself", async () => {
    const c = await sim();
    const pod = c.get(`pods/shop/${WEB}`) as KubeObject;
    expect(c.remove(pod).metadata.name).toBe(WEB);
    expect(c.get(`pods/shop/${WEB}`)).toBeNull();
    expect((await fetch(`${c.url}/api/v1/namespaces/shop/pods/${WEB}`)).status).toBe(404);
  });

  test("churnIntervalMs restarts the crash-looping pod again and again, and counts its BackOff Event", async () => {
    const c = await sim({ churnIntervalMs: 40 });
    const w = await watch(c, `/api/v1/namespaces/shop/pods?watch=true&resourceVersion=${c.resourceVersion}`);
    const events = await w.until((e) => e.length >= 2);
    expect(summary(events.slice(0, 2))).toEqual([`MODIFIED ${CRASHING}`, `MODIFIED ${CRASHING}`]);
    const restarts = events.map((e) => (e.object.status as { containerStatuses: { restartCount: number }[] }).containerStatuses[0]?.restartCount);
    expect(restarts.slice(0, 2)).toEqual([8, 9]);
    const backoff = (await (await fetch(`${c.url}/api/v1/namespaces/shop/events?fieldSelector=reason%3DBackOff,involvedObject.name%3D${CRASHING}`)).json()) as { items: { count: number }[] };
    expect(backoff.items[0]?.count).toBeGreaterThanOrEqual(73);
  });

  test("without churnIntervalMs nothing changes by itself", async () => {
    const c = await sim();
    const rv = c.resourceVersion;
    await new Promise((r) => setTimeout(r, 100));
    expect(c.resourceVersion).toBe(rv);
  });
});

describe.skipIf(!KUBECTL)("real kubectl get -w against the simulated cluster", () => {
  test("kubectl get pods -w prints the list, then one row per change", async () => {
    const c = await sim();
    const kc = await kubectlHome(c, "kubently-sim-watch-");
    try {
      const child = spawnKubectl(["get", "pods", "-n", "shop", "-w", "--output-watch-events"], kc);
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      const waitFor = async (pred: () => boolean) => {
        const deadline = Date.now() + 5000;
        while (!pred() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      };
      const rows = () => out.split("\n").filter(Boolean);
      await waitFor(() => rows().length >= 6);
      // No pause needed: kubectl watches from its list's resourceVersion, so a change made
      // before its watch request arrives is replayed from the history.
      c.update(`pods/shop/${WEB}`, (p) => {
        const cs = (p.status as { containerStatuses: { ready: boolean; state: object }[] }).containerStatuses[0];
        if (cs) Object.assign(cs, { ready: false, state: { waiting: { reason: "ContainerCreating" } } });
      });
      c.remove("pods/shop/web-7d4b9c8f6d-tq4zr");
      await waitFor(() => rows().length >= 8);
      child.kill();
      await new Promise((r) => child.on("close", r));
      expect(err).toBe("");
      const lines = rows();
      expect(lines[0]).toMatch(/^EVENT\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
      expect(lines.slice(1, 6).every((l) => l.startsWith("ADDED "))).toBe(true);
      expect(lines[6]).toMatch(new RegExp(`^MODIFIED\\s+${WEB}\\s+0/1\\s+ContainerCreating\\s+0\\s+2d1[34]h$`));
      expect(lines[7]).toMatch(/^DELETED\s+web-7d4b9c8f6d-tq4zr\s+1\/1\s+Running/);
      expect(lines).toHaveLength(8);
    } finally {
      await kc.remove();
    }
  });
});
