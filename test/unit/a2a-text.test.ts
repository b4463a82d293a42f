/** The A2A input side: command-line splitting, the deterministic text parser, data parts, and the bounded stores. */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { Role, TaskState, type Message, type Part } from "@a2a-js/sdk";
import { ServerCallContext } from "@a2a-js/sdk/server";
import { BoundedMap } from "../../lib/a2a/_bounded-map.ts";
import { boundedTaskStore, KubentlyUser, parseClusterReply, parseTextRequest, readMessage, splitCommandLine } from "../../lib/a2a/index.ts";

const argvOf = (text: string) => {
  const r = parseTextRequest(text);
  if (!r.ok) throw new Error(`expected "${text}" to parse: ${r.reason}`);
  if (r.request.kind !== "command") throw new Error(`expected a command from "${text}"`);
  return { argv: r.request.argv, cluster: r.request.clusterId, form: r.request.form };
};
const reasonOf = (text: string) => {
  const r = parseTextRequest(text);
  if (r.ok) throw new Error(`expected "${text}" to be refused, got ${JSON.stringify(r.request)}`);
  return r.reason;
};

describe("splitCommandLine(text)", () => {
  test("splits on whitespace and honours sh quoting", () => {
    expect(splitCommandLine("get  pods\t-n shop")).toEqual({ ok: true, words: ["get", "pods", "-n", "shop"] });
    expect(splitCommandLine(`get pods -l 'app in (a, b)'`)).toEqual({ ok: true, words: ["get", "pods", "-l", "app in (a, b)"] });
    expect(splitCommandLine(`logs "web 1" -c "a\\"b"`)).toEqual({ ok: true, words: ["logs", "web 1", "-c", 'a"b'] });
    expect(splitCommandLine(`get pods\\ x`)).toEqual({ ok: true, words: ["get", "pods x"] });
    expect(splitCommandLine(`get '' pods`)).toEqual({ ok: true, words: ["get", "", "pods"] });
    expect(splitCommandLine("get \\\n pods")).toEqual({ ok: true, words: ["get", "pods"] });
    expect(splitCommandLine(`get pods -o 'jsonpath={$.items}'`)).toEqual({ ok: true, words: ["get", "pods", "-o", "jsonpath={$.items}"] });
  });

  test("refuses shell syntax instead of passing it on as words", () => {
    for (const line of ["get pods | grep x", "get pods; rm -rf /", "get pods && echo", "get pods > out", "get pods < in", "get $(whoami)", "get `id`", "get $HOME", 'get "$(id)"', "get pods &"]) {
      const r = splitCommandLine(line);
      expect({ line, ok: r.ok }).toEqual({ line, ok: false });
    }
  });

  test("refuses unbalanced quotes, control characters and overlong lines", () => {
    expect(splitCommandLine("get 'pods").ok).toBe(false);
    expect(splitCommandLine('get "pods').ok).toBe(false);
    expect(splitCommandLine("get pods\\").ok).toBe(false);
    expect(splitCommandLine("get\u0000pods").ok).toBe(false);
    expect(splitCommandLine(`get ${"x".repeat(5000)}`).ok).toBe(false);
  });

  test("single-quoting each word and joining round-trips any printable argv", () => {
    const word = fc.string({ unit: fc.constantFrom(..."abcXYZ09-_=./:'\" $|;&()`\\{}*?~#"), maxLength: 12 });
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 8 }), (argv) => {
        const line = argv.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(" ");
        expect(splitCommandLine(line)).toEqual({ ok: true, words: argv });
      }),
    );
  });
});

describe("parseTextRequest(text): kubectl command lines", () => {
  test("with or without the word kubectl, and a copied prompt", () => {
    expect(argvOf("kubectl get pods -n shop")).toEqual({ argv: ["get", "pods", "-n", "shop"], cluster: undefined, form: "kubectl" });
    expect(argvOf("get pods -n shop").argv).toEqual(["get", "pods", "-n", "shop"]);
    expect(argvOf("$ kubectl get pods").argv).toEqual(["get", "pods"]);
    expect(argvOf("describe pod web-1 -n shop").argv).toEqual(["describe", "pod", "web-1", "-n", "shop"]);
    expect(argvOf("logs checkout-xyz --previous").argv).toEqual(["logs", "checkout-xyz", "--previous"]);
    expect(argvOf("logs deploy/web -n shop -c app --tail 20").argv).toEqual(["logs", "deploy/web", "-n", "shop", "-c", "app", "--tail", "20"]);
    expect(argvOf("top nodes").argv).toEqual(["top", "nodes"]);
    expect(argvOf("explain pods.spec.containers").argv).toEqual(["explain", "pods.spec.containers"]);
    expect(argvOf("kubectl logs 'web 1'").argv).toEqual(["logs", "web 1"]);
  });

  test("the cluster may be named with --context or a trailing 'on cluster X'", () => {
    expect(argvOf("kubectl --context prod get pods -A")).toMatchObject({ argv: ["get", "pods", "-A"], cluster: "prod" });
    expect(argvOf("get pods -n shop --context=prod")).toMatchObject({ argv: ["get", "pods", "-n", "shop"], cluster: "prod" });
    expect(argvOf("kubectl get pods -n shop on cluster prod")).toMatchObject({ argv: ["get", "pods", "-n", "shop"], cluster: "prod" });
    expect(argvOf("kubectl get pods on the prod cluster")).toMatchObject({ argv: ["get", "pods"], cluster: "prod" });
    expect(reasonOf("kubectl --context a get pods --context b")).toContain("two clusters");
    expect(reasonOf("kubectl get pods --context")).toContain("--context needs a cluster id");
  });

  test("words after -- are never read as a cluster", () => {
    expect(argvOf("kubectl get pods -- --context x")).toMatchObject({ argv: ["get", "pods", "--", "--context", "x"], cluster: undefined });
  });

  test("denied verbs are kept as written: the policy, not the parser, refuses them", () => {
    expect(argvOf("kubectl delete pod web-1").argv).toEqual(["delete", "pod", "web-1"]);
    expect(argvOf("exec web-1 -- sh").argv).toEqual(["exec", "web-1", "--", "sh"]);
  });
});

describe("parseTextRequest(text): plain requests", () => {
  const cases: [string, string[], string | undefined][] = [
    ["get pods in namespace shop on cluster prod", ["get", "pods", "-n", "shop"], "prod"],
    ["list pods in shop on prod", ["get", "pods", "-n", "shop"], "prod"],
    ["show me the pods in shop on prod", ["get", "pods", "-n", "shop"], "prod"],
    ["What pods are running in shop?", ["get", "pods", "-n", "shop"], undefined],
    ["pods in kube-system", ["get", "pods", "-n", "kube-system"], undefined],
    ["get pods in the shop namespace on the prod cluster", ["get", "pods", "-n", "shop"], "prod"],
    ["get pods on cluster prod in namespace shop", ["get", "pods", "-n", "shop"], "prod"],
    ["list all pods in all namespaces on staging", ["get", "pods", "-A"], "staging"],
    ["get pods across all namespaces", ["get", "pods", "-A"], undefined],
    ["show deployments everywhere", ["get", "deployments", "-A"], undefined],
    ["show logs of checkout-abc in shop on prod", ["logs", "checkout-abc", "-n", "shop"], "prod"],
    ["logs for web-1 in the last 10 minutes", ["logs", "web-1", "--since=10m"], undefined],
    ["previous logs of checkout-xyz in shop", ["logs", "checkout-xyz", "--previous", "-n", "shop"], undefined],
    ["logs of checkout-abc container app", ["logs", "checkout-abc", "-c", "app"], undefined],
    ["show me the last 50 lines of logs for pod checkout-abc in shop", ["logs", "checkout-abc", "--tail=50", "-n", "shop"], undefined],
    ["show the logs from pod web-1 in shop, previous container", ["logs", "web-1", "--previous", "-n", "shop"], undefined],
    ["logs of deployment web in shop since 1h", ["logs", "deployment/web", "--since=1h", "-n", "shop"], undefined],
    ["logs of web-1 from the past 2 days", ["logs", "web-1", "--since=48h"], undefined],
    ["200 lines of logs of web-1", ["logs", "web-1", "--tail=200"], undefined],
    ["logs -l app=web in shop", ["logs", "-n", "shop", "-l", "app=web"], undefined],
    ["describe deployment web in namespace shop", ["describe", "deployment", "web", "-n", "shop"], undefined],
    ["describe the web deployment in shop", ["describe", "deployment", "web", "-n", "shop"], undefined],
    ["show details of pod web-1 in shop on prod", ["describe", "pod", "web-1", "-n", "shop"], "prod"],
    ["describe namespace shop", ["describe", "namespace", "shop"], undefined],
    ["describe node node-1", ["describe", "node", "node-1"], undefined],
    ["events in namespace shop", ["get", "events", "-n", "shop"], undefined],
    ["show events in shop on prod", ["get", "events", "-n", "shop"], "prod"],
    ["top pods in shop", ["top", "pod", "-n", "shop"], undefined],
    ["cpu usage of nodes", ["top", "node"], undefined],
    ["memory usage of pods in shop", ["top", "pod", "-n", "shop"], undefined],
    ["rollout status of deployment web in shop", ["rollout", "status", "deployment/web", "-n", "shop"], undefined],
    ["history of deployment web in shop", ["rollout", "history", "deployment/web", "-n", "shop"], undefined],
    ["get pods with label app=web in shop", ["get", "pods", "-n", "shop", "-l", "app=web"], undefined],
    ["pods labelled tier!=db in shop", ["get", "pods", "-n", "shop", "-l", "tier!=db"], undefined],
    ["get deployment web in shop as yaml", ["get", "deployment", "web", "-n", "shop", "-o", "yaml"], undefined],
    ["show pods in shop in wide format", ["get", "pods", "-n", "shop", "-o", "wide"], undefined],
    ["get pods -o wide in shop", ["get", "pods", "-n", "shop", "-o", "wide"], undefined],
    ["show pods and services in shop", ["get", "pods,services", "-n", "shop"], undefined],
    ["get all in shop", ["get", "all", "-n", "shop"], undefined],
    ["show everything in namespace shop", ["get", "all", "-n", "shop"], undefined],
    ["get deploy/web in shop", ["get", "deploy", "web", "-n", "shop"], undefined],
    ["version of cluster prod", ["version"], "prod"],
    ["api resources on prod", ["api-resources"], "prod"],
    ["cluster info on prod", ["cluster-info"], "prod"],
    ["get nodes on the staging cluster", ["get", "nodes"], "staging"],
    ["list namespaces on prod", ["get", "namespaces"], "prod"],
    ["delete pod web-1 in shop on prod", ["delete", "pod", "web-1", "-n", "shop"], "prod"],
    ["get secrets in shop", ["get", "secrets", "-n", "shop"], undefined],
    ["get pods in shop --field-selector status.phase=Running", ["get", "pods", "-n", "shop", "--field-selector", "status.phase=Running"], undefined],
  ];
  for (const [text, argv, cluster] of cases) {
    test(`"${text}"`, () => {
      expect(argvOf(text)).toEqual({ argv, cluster, form: expect.any(String) });
    });
  }

  test('"which clusters can I use?" and friends ask for the cluster list', () => {
    for (const text of ["which clusters can I use?", "list clusters", "show my clusters", "clusters"]) {
      expect(parseTextRequest(text)).toEqual({ ok: true, request: { kind: "list-clusters" } });
    }
  });

  test("what is not understood is refused with a reason and examples", () => {
    expect(reasonOf("why is my app broken")).toContain('I did not understand "why"');
    expect(reasonOf("why is my app broken")).toContain("Try, for example");
    expect(reasonOf("")).toContain("empty");
    expect(reasonOf("describe web-1 in shop")).toContain("say what kind of object web-1 is");
    expect(reasonOf("show logs in shop")).toContain("whose logs");
    expect(reasonOf("get pods in shop on prod on staging")).toContain("two clusters");
    expect(reasonOf("get pods in namespace Shop_1")).toContain("not a valid namespace");
    expect(reasonOf("logs of a-1 and b-2")).toContain("one object at a time");
    expect(reasonOf("get pods container app")).toContain("only applies to logs");
    expect(reasonOf("show cpu usage of deployments")).toContain("pods or nodes");
  });
});

describe("parseTextRequest(text): diagnosis requests", () => {
  const diagnosisOf = (text: string) => {
    const r = parseTextRequest(text);
    if (!r.ok) throw new Error(`expected "${text}" to parse: ${r.reason}`);
    if (r.request.kind !== "diagnose") throw new Error(`expected a diagnosis from "${text}", got ${JSON.stringify(r.request)}`);
    const { kind: _kind, form: _form, ...rest } = r.request;
    return rest;
  };
  const cases: [string, { clusterId?: string; namespace?: string; analyzers?: string[] }][] = [
    ["what is wrong in namespace shop on cluster demo", { namespace: "shop", clusterId: "demo" }],
    ["what's wrong on demo", { clusterId: "demo" }],
    ["What’s wrong on demo?", { clusterId: "demo" }],
    ["diagnose cluster demo", { clusterId: "demo" }],
    ["diagnose the demo cluster", { clusterId: "demo" }],
    ["diagnose demo", { clusterId: "demo" }],
    ["diagnose shop on demo", { namespace: "shop", clusterId: "demo" }],
    ["any problems in namespace payments on cluster demo?", { namespace: "payments", clusterId: "demo" }],
    ["any problems in payments on demo?", { namespace: "payments", clusterId: "demo" }],
    ["why is checkout failing in shop on demo", { namespace: "shop", clusterId: "demo" }],
    ["what's wrong with the pods in shop", { namespace: "shop" }],
    ["health check of demo", { clusterId: "demo" }],
    ["run a health check on prod", { clusterId: "prod" }],
    ["check prod for problems", { clusterId: "prod" }],
    ["is anything broken on demo", { clusterId: "demo" }],
    ["is anything not working in the shop namespace on demo", { namespace: "shop", clusterId: "demo" }],
    ["any problems across all namespaces on demo", { clusterId: "demo" }],
    ["what is wrong?", {}],
    ["what's wrong in the cluster", {}],
    ["diagnose", {}],
    ["diagnose -n shop", { namespace: "shop" }],
    ["diagnose -A", {}],
    ["kubectl diagnose -n shop --context demo", { namespace: "shop", clusterId: "demo" }],
    ["diagnose -n shop on cluster demo", { namespace: "shop", clusterId: "demo" }],
    ["diagnose --namespace=shop --analyzers crash-loop,image-pull -o json", { namespace: "shop", analyzers: ["crash-loop", "image-pull"] }],
    ["diagnose -nshop --analyzers=a --analyzers b,a", { namespace: "shop", analyzers: ["a", "b"] }],
  ];
  for (const [text, expected] of cases) {
    test(`"${text}"`, () => {
      expect(diagnosisOf(text)).toEqual(expected);
    });
  }

  test("the command line form is marked kubectl, sentences phrase", () => {
    expect(parseTextRequest("diagnose -n shop")).toMatchObject({ request: { form: "kubectl" } });
    expect(parseTextRequest("what's wrong in shop")).toMatchObject({ request: { form: "phrase" } });
  });

  test("commands that hold a problem word stay commands", () => {
    expect(argvOf("get pod broken -n shop")).toEqual({ argv: ["get", "pod", "broken", "-n", "shop"], cluster: undefined, form: "kubectl" });
    expect(argvOf("kubectl get events --field-selector reason=Failed -n shop")).toMatchObject({ argv: ["get", "events", "--field-selector", "reason=Failed", "-n", "shop"] });
    expect(argvOf("describe pod failing-1 in shop")).toMatchObject({ argv: ["describe", "pod", "failing-1", "-n", "shop"] });
    expect(argvOf("get pods in shop")).toMatchObject({ argv: ["get", "pods", "-n", "shop"] });
    // A write is still a command, for the policies to refuse.
    expect(reasonOf("delete the broken pods in shop")).toContain('I did not understand "broken"');
  });

  test("what cannot be a diagnosis is refused with a reason", () => {
    // An object with no place to look is not read as a diagnosis; the reason is the command reader's.
    expect(reasonOf("why is my app broken")).toContain('I did not understand "why"');
    expect(reasonOf("what's wrong on demo on prod")).toContain("two clusters are named (demo and prod)");
    expect(reasonOf("what's wrong in Shop_1")).toContain('"Shop_1" is not a valid namespace name');
    expect(reasonOf("diagnose -n shop -A")).toContain("one namespace or all namespaces");
    expect(reasonOf("diagnose -n shop -o yaml")).toContain("-o takes only json");
    expect(reasonOf("diagnose --foo")).toContain("not --foo");
    expect(reasonOf("diagnose -n")).toContain("-n needs a value");
    expect(reasonOf("diagnose pods")).toContain("say where to look");
    // The command reader's bounds hold for questions too.
    expect(reasonOf(`what's wrong in shop ${"x ".repeat(2100)}`)).toContain("longer than");
    expect(reasonOf("what is wrong in shop | grep x")).toContain("Try, for example");
  });
});

describe("parseClusterReply(text)", () => {
  test("reads a one-word answer to 'which cluster?'", () => {
    expect(parseClusterReply("prod")).toBe("prod");
    expect(parseClusterReply("use prod.")).toBe("prod");
    expect(parseClusterReply("on cluster staging-us")).toBe("staging-us");
    expect(parseClusterReply("the prod cluster please")).toBe("prod");
    expect(parseClusterReply("get pods on prod")).toBeNull();
    expect(parseClusterReply("Prod_1")).toBeNull();
  });
});

const msg = (parts: Part[]): Message => ({ messageId: "m", contextId: "", taskId: "", role: Role.ROLE_USER, parts, metadata: undefined, extensions: [], referenceTaskIds: [] });
const text = (value: string): Part => ({ content: { $case: "text", value }, mediaType: "", filename: "", metadata: undefined });
const data = (value: unknown): Part => ({ content: { $case: "data", value }, mediaType: "", filename: "", metadata: undefined });

describe("readMessage(message)", () => {
  test("a data part like execute_kubectl builds argv the way the REST API does", () => {
    expect(readMessage(msg([data({ cluster_id: "prod", command: "get", resource: "pods", namespace: "shop" })]))).toEqual({
      ok: true,
      intent: { kind: "command", argv: ["get", "pods", "-n", "shop"], clusterId: "prod" },
    });
    expect(readMessage(msg([data({ cluster_id: "prod", command: "logs", name: "web-1", namespace: "shop", args: ["--previous"] })]))).toMatchObject({
      intent: { argv: ["logs", "web-1", "--previous", "-n", "shop"] },
    });
    expect(readMessage(msg([data({ cluster_id: "prod", command: "logs", resource: "pod", name: "web-1", namespace: "shop" })]))).toMatchObject({
      intent: { argv: ["logs", "pod/web-1", "-n", "shop"] },
    });
    expect(readMessage(msg([data({ cluster_id: "prod", command: "top pod", namespace: "shop" })]))).toMatchObject({ intent: { argv: ["top", "pod", "-n", "shop"] } });
    expect(readMessage(msg([data({ cluster_id: "prod", command: "get", resource: "pods" })]))).toMatchObject({ intent: { argv: ["get", "pods", "-n", "default"] } });
    expect(readMessage(msg([data({ cluster_id: "prod", argv: ["get", "pods"], namespace: "shop" })]))).toMatchObject({ intent: { argv: ["get", "pods", "-n", "shop"] } });
    expect(readMessage(msg([data({ cluster_id: "prod", argv: ["get", "pods", "-A"], namespace: "shop" })]))).toMatchObject({ intent: { argv: ["get", "pods", "-A"] } });
    expect(readMessage(msg([data({ cluster_id: "prod", command: "get pods -n shop" })]))).toMatchObject({ intent: { argv: ["get", "pods", "-n", "shop"] } });
    expect(readMessage(msg([data({ cluster_id: "prod", resource: "nodes" })]))).toMatchObject({ intent: { argv: ["get", "nodes", "-n", "default"] } });
    expect(readMessage(msg([data({ cluster_id: "prod", command: "get", resource: "pods", all_namespaces: true })]))).toMatchObject({ intent: { argv: ["get", "pods", "-A"] } });
    expect(readMessage(msg([data({ cluster_id: "prod", command: "get", resource: "pods", timeout_seconds: 5, correlation_id: "c-1", session_id: "s-1" })]))).toMatchObject({
      intent: { timeoutSeconds: 5, correlationId: "c-1", sessionId: "s-1" },
    });
  });

  test("a data part may give the cluster for a text command; two different clusters are an error", () => {
    expect(readMessage(msg([text("get pods -n shop"), data({ cluster_id: "prod" })]))).toMatchObject({ intent: { argv: ["get", "pods", "-n", "shop"], clusterId: "prod" } });
    expect(readMessage(msg([text("get pods on cluster staging"), data({ cluster_id: "prod" })]))).toMatchObject({ ok: false, reason: expect.stringContaining("names cluster prod") });
  });

  test("bad data parts are refused naming the field", () => {
    expect(readMessage(msg([data({ cluster_id: 5, command: "get" })]))).toMatchObject({ ok: false, reason: expect.stringContaining("cluster_id") });
    expect(readMessage(msg([data({ cluster_id: "prod", timeout_seconds: 999 })]))).toMatchObject({ ok: false, reason: expect.stringContaining("timeout_seconds") });
    expect(readMessage(msg([data({ cluster_id: "prod", argv: [] })]))).toMatchObject({ ok: false });
    expect(readMessage(msg([data({ cluster_id: "prod", argv: ["kubectl", "get"] })]))).toMatchObject({ ok: false, reason: expect.stringContaining("without the word kubectl") });
    expect(readMessage(msg([data({ cluster_id: "prod", correlation_id: "bad\u0001id", command: "get" })]))).toMatchObject({ ok: false, reason: expect.stringContaining("correlation_id") });
    expect(readMessage(msg([data({ foo: 1 })]))).toMatchObject({ ok: false });
    expect(readMessage(msg([data({ cluster_id: "a" }), data({ cluster_id: "b" })]))).toMatchObject({ ok: false, reason: expect.stringContaining("at most one data part") });
    expect(readMessage(msg([]))).toMatchObject({ ok: false });
    expect(readMessage(msg([{ content: { $case: "url", value: "http://x" }, mediaType: "", filename: "", metadata: undefined }]))).toMatchObject({ ok: false, reason: expect.stringContaining("file parts") });
  });

  test("a data part for the diagnose skill (skill, or command diagnose) is a diagnosis intent", () => {
    expect(readMessage(msg([data({ skill: "diagnose", cluster_id: "demo", namespace: "shop", analyzers: ["crash-loop"], timeout_seconds: 20, correlation_id: "c-1" })]))).toEqual({
      ok: true,
      intent: { kind: "diagnose", clusterId: "demo", namespace: "shop", analyzers: ["crash-loop"], timeoutSeconds: 20, correlationId: "c-1" },
    });
    expect(readMessage(msg([data({ skill: "diagnose", cluster_ids: ["a", "b"] })]))).toEqual({ ok: true, intent: { kind: "diagnose", clusterIds: ["a", "b"] } });
    expect(readMessage(msg([data({ skill: "diagnose" })]))).toEqual({ ok: true, intent: { kind: "diagnose" } });
    expect(readMessage(msg([data({ cluster_id: "demo", command: "diagnose", namespace: "shop", args: ["--analyzers", "a,b"] })]))).toEqual({
      ok: true,
      intent: { kind: "diagnose", clusterId: "demo", namespace: "shop", analyzers: ["a", "b"] },
    });
    expect(readMessage(msg([data({ cluster_id: "demo", command: "diagnose -n shop" })]))).toMatchObject({ intent: { kind: "diagnose", namespace: "shop" } });
    expect(readMessage(msg([data({ cluster_id: "demo", argv: ["diagnose", "-A"] })]))).toEqual({ ok: true, intent: { kind: "diagnose", clusterId: "demo" } });
    expect(readMessage(msg([data({ cluster_id: "demo", command: "diagnose", all_namespaces: true })]))).toEqual({ ok: true, intent: { kind: "diagnose", clusterId: "demo" } });
    expect(readMessage(msg([data({ skill: "clusters" })]))).toEqual({ ok: true, intent: { kind: "list-clusters" } });
  });

  test("a diagnosis asked in text takes the cluster, correlation id and timeout from the data part", () => {
    expect(readMessage(msg([text("what's wrong in shop?"), data({ cluster_id: "demo", correlation_id: "c-2", timeout_seconds: 15 })]))).toEqual({
      ok: true,
      intent: { kind: "diagnose", clusterId: "demo", namespace: "shop", correlationId: "c-2", timeoutSeconds: 15 },
    });
    expect(readMessage(msg([text("diagnose -n shop on cluster east"), data({ cluster_id: "demo" })]))).toMatchObject({ ok: false, reason: expect.stringContaining("names cluster demo") });
  });

  test("bad diagnose data parts are refused naming the field", () => {
    const reason = (value: Record<string, unknown>) => {
      const r = readMessage(msg([data(value)]));
      if (r.ok) throw new Error(`expected ${JSON.stringify(value)} to be refused`);
      return r.reason;
    };
    expect(reason({ skill: "diagnose", cluster_id: "demo", resource: "pods" })).toContain("resource does not apply to a diagnosis");
    expect(reason({ skill: "diagnose", cluster_id: "demo", session_id: "s-1" })).toContain("session_id");
    expect(reason({ skill: "diagnose", cluster_id: "demo", cluster_ids: ["demo"] })).toContain("cluster_ids");
    expect(reason({ skill: "diagnose", cluster_id: "demo", command: "get" })).toContain("runs no other command");
    expect(reason({ skill: "diagnose", cluster_id: "demo", namespace: "shop", all_namespaces: true })).toContain("not both");
    expect(reason({ skill: "diagnose", cluster_id: "demo", namespace: "shop", args: ["-n", "payments"] })).toContain("arguments name payments");
    expect(reason({ skill: "diagnose", cluster_id: "demo", args: ["pods"] })).toContain("takes no names or resources");
    expect(reason({ skill: "diagnose", cluster_id: "demo", analyzers: "crash-loop" })).toContain("analyzers");
    expect(reason({ skill: "wizard", cluster_id: "demo" })).toContain("skill");
    expect(reason({ cluster_id: "demo", command: "get", resource: "pods", analyzers: ["a"] })).toContain('add "skill": "diagnose"');
  });

  test("while a task waits for a cluster, a one-word reply is the cluster", () => {
    expect(readMessage(msg([text("prod")]), { awaitingCluster: true })).toEqual({ ok: true, intent: { kind: "command", clusterId: "prod" } });
    expect(readMessage(msg([text("get nodes on prod")]), { awaitingCluster: true })).toMatchObject({ intent: { argv: ["get", "nodes"], clusterId: "prod" } });
  });
});

describe("BoundedMap", () => {
  test("drops the least recently written entry past the cap", () => {
    const m = new BoundedMap<string, number>({ max: 2, ttlMs: 60_000 });
    m.set("a", 1);
    m.set("b", 2);
    m.set("a", 3);
    m.set("c", 4);
    expect([...m.entries()]).toEqual([["a", 3], ["c", 4]]);
  });

  test("forgets entries after the TTL", async () => {
    const m = new BoundedMap<string, number>({ max: 10, ttlMs: 20 });
    m.set("a", 1);
    expect(m.get("a")).toBe(1);
    await Bun.sleep(40);
    expect(m.get("a")).toBeUndefined();
  });
});

describe("boundedTaskStore", () => {
  const ctx = (name: string) => new ServerCallContext({ user: new KubentlyUser({ kind: "service", name, keyId: name, role: "operator" }) });
  const task = (id: string) => ({ id, contextId: "c", status: { state: TaskState.TASK_STATE_COMPLETED, message: undefined, timestamp: new Date().toISOString() }, artifacts: [], history: [], metadata: undefined });

  test("scopes tasks by caller and keeps at most maxTasks", async () => {
    const store = boundedTaskStore({ maxTasks: 2 });
    await store.save(task("t1"), ctx("alice"));
    expect(await store.load("t1", ctx("alice"))).toMatchObject({ id: "t1" });
    expect(await store.load("t1", ctx("bob"))).toBeUndefined();
    await store.save(task("t2"), ctx("alice"));
    await store.save(task("t3"), ctx("alice"));
    expect(await store.load("t1", ctx("alice"))).toBeUndefined();
    expect((await store.list({ tenant: "", contextId: "", status: 0, pageToken: "", statusTimestampAfter: undefined }, ctx("alice"))).tasks.map((t) => t.id).sort()).toEqual(["t2", "t3"]);
    expect((await store.list({ tenant: "", contextId: "", status: 0, pageToken: "", statusTimestampAfter: undefined }, ctx("bob"))).tasks).toEqual([]);
  });

  test("refuses to store a task for an unauthenticated caller", async () => {
    await expect(boundedTaskStore().save(task("t"), new ServerCallContext())).rejects.toThrow();
  });
});
