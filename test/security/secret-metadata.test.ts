/**
 * Secrets as metadata (lib/kubectl/secrets.ts through the `read-only`
 * policy): with `secrets: "metadata"` (the policy's default) every core
 * spelling of Secrets passes in every form that prints no value (tables,
 * `-o name`, describe) and is denied, naming the problem, in every form that
 * could print or reveal one. The grammar part of
 * test/unit/secret-metadata.test.ts, which also runs the forms end to end
 * against kubectl and the simulated cluster.
 */
import { describe, expect, test } from "bun:test";
import { parseKubectl } from "../../lib/kubectl/parse.ts";
import { SECRETS_MODES, secretMetadataProblem, type SecretRead } from "../../lib/kubectl/secrets.ts";
import type { Policy, PolicyDecision } from "../../lib/policy.ts";
import type { Result } from "../../lib/schemas.ts";
import { readOnly, type ReadOnlyOptions } from "../../plugins/read-only.ts";

async function decide(argv: readonly string[], options?: ReadOnlyOptions): Promise<PolicyDecision> {
  const d = await readOnly(options).before({ side: "api", argv, clusterId: "c1", requestedBy: "tester" });
  if (!d) throw new Error("read-only must always decide");
  return d;
}
const verdict = async (argv: readonly string[], options?: ReadOnlyOptions) => {
  const d = await decide(argv, options);
  return d.effect === "deny" ? d.reason : d.effect;
};

// Every spelling kubectl reads as the core Secret, and the shapes a resource argument can take.
const SPELLINGS = ["secrets", "secret", "Secret", "SECRETS", "secrets.", "secrets.v1.", "Secret.v1."];
const shapes = (s: string): string[][] => [[s], [s, "db-credentials"], [`${s}/db-credentials`], [`configmaps,${s}`], [`${s},pods`, "x"], ["cm/x", `${s}/y`]];

/** `get` forms that print no value: tables, watch tables, `-o name`. */
const TABLE_FORMS: string[][] = [
  [], ["-o", "wide"], ["-owide"], ["--output=wide"], ["-o", "name"], ["-o=name"], ["--show-labels"], ["-L", "app"],
  ["--label-columns=app,tier"], ["--no-headers"], ["-A"], ["-n", "shop"], ["-l", "app=web"], ["--show-kind"],
  ["--server-print=false"], ["--ignore-not-found"], ["--show-managed-fields"], ["-w"], ["--watch-only"], ["-Aw"],
  ["-w", "--output-watch-events"], ["--sort-by=.metadata.name"], ["--sort-by", "{.metadata.creationTimestamp}"],
  ["--sort-by=.type"], ["--field-selector", "type=Opaque"], ["--field-selector=metadata.name!=x,metadata.namespace==shop"],
  ["-v=4", "--request-timeout=5s"],
];

/** `get` forms that could print or reveal a value, with what the denial must say. */
const VALUE_FORMS: [string[], string][] = [
  [["-o", "json"], "-o json would print Secret values"],
  [["-o", "yaml"], "-o yaml would print Secret values"],
  [["-ojson"], "-o json would print Secret values"],
  [["--output=yaml"], "-o yaml would print Secret values"],
  [["-o=json"], "-o json would print Secret values"],
  [["-Aoyaml"], "-o yaml would print Secret values"],
  [["-w", "-o", "json", "--output-watch-events"], "-o json would print Secret values"],
  [["--watch-only", "-oyaml"], "-o yaml would print Secret values"],
  [["--sort-by=.data.password"], "--sort-by \".data.password\" would order Secrets by their content"],
  [["--sort-by", "{.metadata.annotations}"], "would order Secrets by their content"],
  [["--sort-by=.stringData"], "would order Secrets by their content"],
  [["--field-selector", "data.password=x"], "--field-selector on \"data.password\" would test Secrets' content"],
  [["--field-selector=type=Opaque,data.token!=x"], "would test Secrets' content"],
];

describe("the grammar: Secrets as metadata", () => {
  test("every core spelling, in every argument shape, passes in every table form and is denied with secrets: \"deny\"", async () => {
    for (const s of SPELLINGS) {
      for (const args of shapes(s)) {
        for (const form of TABLE_FORMS) {
          const argv = ["get", ...args, ...form];
          expect({ argv, verdict: await verdict(argv) }).toEqual({ argv, verdict: "allow" });
          const denied = await verdict(argv, { secrets: "deny" });
          expect({ argv, denied: denied.startsWith("restricted-resource: ") && denied.includes("is a restricted resource") }).toEqual({ argv, denied: true });
        }
      }
    }
  });

  test("every core spelling, in every argument shape, is denied in every form that could show a value, naming the problem", async () => {
    for (const s of SPELLINGS) {
      for (const args of shapes(s)) {
        for (const [form, problem] of VALUE_FORMS) {
          const argv = ["get", ...args, ...form];
          const reason = await verdict(argv);
          expect({ argv, rule: reason.split(":", 1)[0], names: reason.includes(problem) }).toEqual({ argv, rule: "restricted-resource", names: true });
        }
      }
    }
  });

  test("describe passes for every spelling and shape (secrets: \"deny\" denies it)", async () => {
    for (const s of SPELLINGS) {
      for (const args of [[s], [s, "x"], [`${s}/x`], [`pods,${s}`, "x"]]) {
        for (const form of [[], ["-A"], ["-n", "shop", "-l", "app=web"], ["--show-events=false"]]) {
          const argv = ["describe", ...args, ...form];
          expect({ argv, verdict: await verdict(argv) }).toEqual({ argv, verdict: "allow" });
          expect({ argv, rule: (await verdict(argv, { secrets: "deny" })).split(":", 1)[0] }).toEqual({ argv, rule: "restricted-resource" });
        }
      }
    }
  });

  test.each<[string[], string]>([
    // Spellings that may name another resource (a CRD's printer columns could show anything), or that kubectl reads as group "v1".
    [["get", "secrets.v1"], "\"secrets.v1\" may name a resource other than the core Secret"],
    [["get", "secret.v1", "x"], "may name a resource other than the core Secret"],
    [["get", "secrets.example.com"], "may name a resource other than the core Secret"],
    [["get", "Secrets.v1.mycompany.io/x"], "may name a resource other than the core Secret"],
    [["describe", "secrets.apps"], "may name a resource other than the core Secret"],
    [["get", "pods,secrets.example.com", "-o", "name"], "may name a resource other than the core Secret"],
    // Verbs other than get and describe.
    [["events", "--for", "secret/db-credentials"], "\"events\" cannot read Secrets"],
    [["events", "--for=Secret/x", "-w"], "cannot read Secrets"],
    [["logs", "secret/db-credentials"], "\"logs\" cannot read Secrets"],
    [["rollout", "status", "secret/x"], "\"rollout status\" cannot read Secrets"],
    [["rollout", "history", "secrets/x"], "cannot read Secrets"],
    // Templates: Kubently evaluates them on redacted objects, but never on Secrets.
    [["get", "secrets", "-o", "jsonpath={.items[*].data}"], "-o jsonpath=… is a template, and templates never read Secrets"],
    [["get", "secret", "x", "-o", "jsonpath-as-json={.metadata.name}"], "-o jsonpath-as-json=… is a template"],
    [["get", "secrets", "-o", "custom-columns=N:.metadata.name,D:.data"], "-o custom-columns=… is a template"],
    [["get", "secrets", "-o", "custom-columns=N:.metadata.name", "--sort-by=.metadata.name"], "templates never read Secrets"],
    [["get", "pods,secrets", "-A", "-ojsonpath={.items[*].metadata.name}"], "templates never read Secrets"],
  ])("%j is denied: %s", async (argv, problem) => {
    const reason = await verdict(argv);
    expect(reason).toStartWith("restricted-resource: ");
    expect(reason).toContain("readable only as metadata");
    expect(reason).toContain(problem);
  });

  test.each<[string[], string]>([
    [["get", "secret", "x", "-o", "go-template={{.data.password | base64decode}}"], "output-format"],
    [["get", "secrets", "-o", "jsonpath-file=/tmp/t"], "output-format"],
    [["get", "secrets", "-o", "custom-columns-file=/tmp/t"], "output-format"],
    [["get", "secrets", "--template={{.}}"], "output-format"],
    [["get", "secrets", "-v=9"], "verbosity"],
    [["get", "--raw", "/api/v1/namespaces/shop/secrets/db-credentials"], "raw-path"],
    [["describe", "secret", "x", "-o", "yaml"], "unknown-flag"],
  ])("%j stays denied by its own rule (%s)", async (argv, rule) => {
    expect((await verdict(argv)).split(":", 1)[0]).toBe(rule);
  });

  test("the grammar alone is strictest; restrictedResources without secrets leaves them unrestricted; a bad option throws", async () => {
    expect(parseKubectl(["get", "secrets"])).toMatchObject({ ok: false, rule: "restricted-resource" });
    expect(parseKubectl(["get", "secrets"], { secrets: "metadata" }).ok).toBe(true);
    expect(parseKubectl(["get", "secrets"], { secrets: "allow" as never })).toMatchObject({ ok: false, rule: "restricted-resource" });
    expect(await verdict(["get", "secrets", "-o", "yaml"], { restrictedResources: [] })).toBe("allow");
    expect(await verdict(["get", "secrets", "-o", "yaml"], { restrictedResources: ["configmaps"], secrets: "deny" })).toBe("allow");
    expect(() => readOnly({ secrets: "allow" as never })).toThrow(TypeError);
  });

  test("the guard runs only where it lets Secrets through: as an after hook of commands that read them", async () => {
    const tokenLine = "token:      eyJhbGciOiJSUzI1NiIsImtpZCI6Imt1YmVudGx5LXNpbSJ9.eyJpc3MiOiJrdWJlcm5ldGVzIn0.c2lnbmF0dXJlLW5vdC12YWxpZA\n";
    const described = `Name:         t\nType:  kubernetes.io/service-account-token\n\nData\n====\nnamespace:  4 bytes\n${tokenLine}`;
    const result: Result = { commandId: "c", clusterId: "c1", status: "success", exitCode: 0, output: described, truncated: false, durationMs: 0, executedAt: 0, agentId: "a" };
    const after = async (p: Policy, argv: string[]): Promise<Result> => (await p.after!({ side: "agent", argv, clusterId: "c1", requestedBy: "t" }, result)) ?? result;
    const guarded = await after(readOnly(), ["describe", "secret", "t"]);
    expect(guarded.output).toMatch(/^token: +\[REDACTED\]$/m);
    expect(guarded.redacted).toBe(true);
    expect(await after(readOnly(), ["describe", "pod", "t"])).toBe(result);
    expect(await after(readOnly({ secrets: "deny" }), ["describe", "secret", "t"])).toBe(result);
    expect(await after(readOnly({ restrictedResources: [] }), ["describe", "secret", "t"])).toBe(result);
  });
});

describe("secretMetadataProblem(command): one row per rule, with its reason", () => {
  const read = (path: string[], positionals: string[], flags: Record<string, string | true> = {}, output?: string): SecretRead => ({
    path,
    positionals,
    flags: new Map(Object.entries(flags)),
    ...(output === undefined ? {} : { output }),
  });
  const NOT_CORE = (t: string) => `${JSON.stringify(t)} may name a resource other than the core Secret; write secrets (or secrets.v1.)`;
  const SORT = (s: string) => `--sort-by ${JSON.stringify(s)} would order Secrets by their content; sort by .metadata.name, .metadata.namespace, .metadata.creationTimestamp or .type`;
  const FIELD = (f: string) => `--field-selector on ${JSON.stringify(f)} would test Secrets' content; select on metadata.name, metadata.namespace or type`;
  const OUT = (o: string) => `-o ${o} would print Secret values; Secrets are readable only as tables (default, -o wide) and -o name`;

  test.each<[string, SecretRead, string | null]>([
    ["logs is no metadata read", read(["logs"], ["secret/x"]), '"logs" cannot read Secrets; only get (as a table or -o name) and describe may'],
    ["rollout status is none either", read(["rollout", "status"], ["secret/x"]), '"rollout status" cannot read Secrets; only get (as a table or -o name) and describe may'],
    ["mixed TYPE/NAME and TYPE", read(["get"], ["secret/x", "y"]), "TYPE/NAME arguments cannot be mixed with a separate TYPE"],
    ["secrets.v1 is group v1", read(["get"], ["secrets.v1"]), NOT_CORE("secrets.v1")],
    ["secret.v2. is another version", read(["get"], ["secret.v2."]), NOT_CORE("secret.v2.")],
    ["a CRD that reuses the plural", read(["describe"], ["pods,secrets.example.com", "x"]), NOT_CORE("secrets.example.com")],
    ["a core spelling among others", read(["get"], ["pods,Secrets.", "x"]), null],
    ["secrets.v1. is core v1", read(["get"], ["secrets.v1./x"]), null],
    ["a type other than Secrets is not held to the core spellings", read(["get"], ["secretstores.example.com"], {}, "yaml"), OUT("yaml")],
    ["describe prints no value", read(["describe"], ["secrets"], { "sort-by": ".data.x" }, "json"), null],
    ["get as a table", read(["get"], ["secrets"]), null],
    ["get -o wide", read(["get"], ["secrets"], {}, "wide"), null],
    ["get -o name", read(["get"], ["secrets"], {}, "name"), null],
    ["get -o json", read(["get"], ["secrets"], {}, "json"), OUT("json")],
    ["get -o yaml", read(["get"], ["secrets"], {}, "yaml"), OUT("yaml")],
    ["--sort-by .metadata.name", read(["get"], ["secrets"], { "sort-by": ".metadata.name" }), null],
    ["--sort-by {.metadata.namespace}", read(["get"], ["secrets"], { "sort-by": "{.metadata.namespace}" }), null],
    ["--sort-by metadata.creationTimestamp", read(["get"], ["secrets"], { "sort-by": "metadata.creationTimestamp" }), null],
    ["--sort-by .type", read(["get"], ["secrets"], { "sort-by": ".type" }), null],
    ["--sort-by .data.password", read(["get"], ["secrets"], { "sort-by": ".data.password" }), SORT(".data.password")],
    ["--sort-by .metadata.uid", read(["get"], ["secrets"], { "sort-by": ".metadata.uid" }), SORT(".metadata.uid")],
    ["--sort-by with a prefix", read(["get"], ["secrets"], { "sort-by": "x.metadata.name" }), SORT("x.metadata.name")],
    ["--sort-by with a suffix", read(["get"], ["secrets"], { "sort-by": ".metadata.name.x" }), SORT(".metadata.name.x")],
    ["--sort-by .typeX", read(["get"], ["secrets"], { "sort-by": ".typeX" }), SORT(".typeX")],
    ["--field-selector on metadata", read(["get"], ["secrets"], { "field-selector": "metadata.name=a,metadata.namespace==b, type != c" }), null],
    ["--field-selector on data", read(["get"], ["secrets"], { "field-selector": "type=Opaque,data.password=guess" }), FIELD("data.password")],
    ["--field-selector without an operator", read(["get"], ["secrets"], { "field-selector": " data.password " }), FIELD("data.password")],
    ["--field-selector on metadata.uid", read(["get"], ["secrets"], { "field-selector": "metadata.uid!=x" }), FIELD("metadata.uid")],
    ["--field-selector with a value only", read(["get"], ["secrets"], { "field-selector": "=x" }), FIELD("=x")],
  ])("%s", (_what, command, problem) => {
    expect(secretMetadataProblem(command)).toBe(problem);
  });

  test("the modes are metadata and deny, frozen", () => {
    expect(SECRETS_MODES).toEqual(["metadata", "deny"]);
    expect(Object.isFrozen(SECRETS_MODES)).toBe(true);
  });

  test("the grammar asks the rule only for a restricted core `secrets`, and only in metadata mode", () => {
    expect(parseKubectl(["get", "secrets", "-o", "yaml"], { secrets: "metadata", restrictedResources: ["secrets", "configmaps"] })).toMatchObject({ ok: false, rule: "restricted-resource" });
    expect(parseKubectl(["get", "cm"], { secrets: "metadata", restrictedResources: ["secrets", "configmaps"] })).toEqual({ ok: false, rule: "restricted-resource", reason: '"configmaps" is a restricted resource' });
    expect(parseKubectl(["get", "secrets"], { secrets: "metadata" }).ok).toBe(true);
    expect(parseKubectl(["get", "secrets"], { secrets: "deny" })).toEqual({ ok: false, rule: "restricted-resource", reason: '"secrets" is a restricted resource' });
  });
});
