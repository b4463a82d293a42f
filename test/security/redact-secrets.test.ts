/**
 * Secret redaction (lib/redact through the `redact-secrets` policy) on
 * hand-written fixtures shaped like kubectl's own output: Secret data in
 * yaml/json (Lists, CRLF, cut off), the last-applied annotation, describe,
 * sensitive env, patterns in any text, idempotency, and ordinary output left
 * byte for byte. Ported from test/unit/redact-secrets.test.ts without its
 * 1 MiB timing checks (they stay there); redact-units.test.ts pins each
 * pass and helper on its own.
 */
/**
 * The `redact-secrets` policy on hand-written fixtures shaped like kubectl's
 * own output (yaml/json/describe/tables/logs), adversarial variants (colons,
 * quotes, unicode, block scalars, CRLF, truncation), idempotency, "does not
 * mangle ordinary output", and linear time on 1 MiB of near-matches. The
 * real-kubectl counterpart is redact-secrets-kubectl.test.ts.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { createPipeline, type PolicyContext } from "../../lib/policy.ts";
import { DEFAULT_SENSITIVE_ENV_NAMES, createRules, outputShape, redactText } from "../../lib/redact/index.ts";
import type { Result } from "../../lib/schemas.ts";
import redactSecretsDefault, { type RedactSecretsOptions, redactSecrets } from "../../plugins/redact-secrets.ts";
import { b64, PG, TLS_KEY, JWT, SECRET_YAML, SECRET_YAML_REDACTED, SECRET_YAML_VALUES, MIXED_LIST_YAML, SECRET_JSON, MIXED_LIST_JSON, DESCRIBE_SA_SECRET, DESCRIBE_OPAQUE, DESCRIBE_CONFIGMAP, DESCRIBE_POD, DESCRIBE_POD_REDACTED, PODS_TABLE, PLAIN_DESCRIBE_POD, NORMAL_LOGS } from "../_redact-fixtures.ts";

const M = "[REDACTED]";
const ctx = (argv: readonly string[]): PolicyContext => ({ side: "agent", argv, clusterId: "c1", requestedBy: "tester" });
const result = (output: string, extra: Partial<Result> = {}): Result => ({
  commandId: "cmd-1",
  clusterId: "c1",
  status: "success",
  exitCode: 0,
  output,
  truncated: false,
  durationMs: 1,
  executedAt: 0,
  agentId: "agent-1",
  ...extra,
});
const split = (cmd: string) => cmd.split(" ");

/** Runs the after hook; returns the output and the redacted flag. */
function redact(cmd: string | readonly string[], output: string, options?: RedactSecretsOptions): { output: string; redacted: boolean | undefined } {
  const argv = typeof cmd === "string" ? split(cmd) : cmd;
  const r = redactSecrets(options).after(ctx(argv), result(output));
  return { output: r.output, redacted: r.redacted };
}
const out = (cmd: string | readonly string[], output: string, options?: RedactSecretsOptions) => redact(cmd, output, options).output;
const crlf = (s: string) => s.replaceAll("\n", "\r\n");

/** Asserts none of `secrets` survives in `text`, with a readable failure. */
function expectNone(text: string, secrets: readonly string[]) {
  expect(secrets.filter((s) => text.includes(s))).toEqual([]);
}

// ---------------------------------------------------------------- fixtures

describe("redact-secrets policy", () => {
  test("is an agent-only after hook named redact-secrets; the default export is the factory", () => {
    const p = redactSecrets();
    expect(p.id).toBe("redact-secrets");
    expect(p.sides).toEqual(["agent"]);
    expect(p.description).toBeString();
    expect((p as { before?: unknown }).before).toBeUndefined();
    expect(redactSecretsDefault).toBe(redactSecrets);
  });

  test("after(ctx, result) returns the same result, without redacted, when nothing is masked", () => {
    const r = result(PODS_TABLE);
    expect(redactSecrets().after(ctx(["get", "pods", "-A"]), r)).toBe(r);
    expect(r.redacted).toBeUndefined();
  });

  test("after(ctx, result) masks and sets redacted: true, keeping every other field", () => {
    const r = result(`token=abcdef123456`, { status: "failure", exitCode: 1, truncated: true });
    expect(redactSecrets().after(ctx(["logs", "x"]), r)).toEqual({ ...r, output: `token=${M}`, redacted: true });
  });

  test("after(ctx, result) masks stderr in `error` too (high -v dumps bodies there)", () => {
    const r = result("", { status: "failure", error: `I1123 round_trippers.go:553] Authorization: Bearer ${JWT}\nResponse Body: {"kind":"Secret","apiVersion":"v1","data":{"password":"${b64(PG)}"}}` });
    const after = redactSecrets().after(ctx(["get", "secret", "x", "-v=9"]), r);
    expect(after.redacted).toBe(true);
    expectNone(after.error ?? "", [JWT, b64(PG)]);
    expect(after.error).toContain(`"password":"${M}"`);
  });

  test("runs in a pipeline on the agent side only", async () => {
    const policies = [redactSecrets()];
    expect(createPipeline(policies, "api").policies).toEqual([]);
    const agent = createPipeline(policies, "agent");
    const r = await agent.after({ argv: ["get", "secret", "db", "-o", "yaml"], clusterId: "c1", requestedBy: "t" }, result(SECRET_YAML));
    expect(r).toMatchObject({ status: "success", output: SECRET_YAML_REDACTED, redacted: true });
  });

  test("mask option: any single token; invalid masks and patterns throw TypeError at creation", () => {
    expect(out("logs x", "password=hunter2", { mask: "***" })).toBe("password=***");
    expect(out("logs x", "password=hunter2", { mask: "<hidden>" })).toBe("password=<hidden>");
    for (const mask of ["", "two words", 'q"uote', "back\\slash", "x".repeat(65), "new\nline", "token=x", "a:b", "a/b", "u@h"]) {
      expect(() => redactSecrets({ mask })).toThrow(TypeError);
    }
    expect(() => redactSecrets({ extraPatterns: ["nope" as unknown as RegExp] })).toThrow(TypeError);
  });

  test("extraPatterns option: whole matches are masked, with or without the g flag, in any output", () => {
    const options = { extraPatterns: [/corp-[0-9a-f]{8}/, /INTERNAL-\w+/gi] };
    expect(out("logs x", "key corp-deadbeef and internal-thing ok", options)).toBe(`key ${M} and ${M} ok`);
    // A pattern that can match the empty string must not loop or insert masks.
    expect(out("logs x", "abc", { extraPatterns: [/z*/] })).toBe("abc");
  });

  test("sensitiveEnvNames option replaces the default", () => {
    const yaml = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - env:\n    - name: DB_PASSWORD\n      value: hunter2\n    - name: MY_THING\n      value: private-value\n";
    const custom = out("get pod x -o yaml", yaml, { sensitiveEnvNames: /^MY_/g });
    expect(custom).toContain(`value: ${M}`);
    expect(custom).not.toContain("private-value");
    expect(custom).toContain("value: hunter2");
    // A `g` flag must not make matching stateful: run it twice.
    expect(out("get pod x -o yaml", yaml, { sensitiveEnvNames: /^MY_/g })).toBe(custom);
  });

  test.each([
    ["DB_PASSWORD", true], ["MYSQL_ROOT_PASSWD", true], ["PGPASSWORD", true], ["GITHUB_TOKEN", true], ["API_KEY", true], ["APIKEY", true],
    ["STRIPE_SECRET", true], ["AWS_SECRET_ACCESS_KEY", true], ["AWS_ACCESS_KEY_ID", true], ["SSH_PRIVATE_KEY", true], ["GOOGLE_APPLICATION_CREDENTIALS", true],
    ["BASIC_AUTH", true], ["SENTRY_DSN", true], ["ENCRYPTION_KEY", true], ["KEY", true], ["SIGNING_KEY_ID", true], ["SESSION_COOKIE", true],
    ["NODE_ENV", false], ["LOG_LEVEL", false], ["DATABASE_HOST", false], ["PORT", false], ["MONKEY_MODE", false], ["KEYCLOAK_URL", false], ["RECS_CACHE_MAX", false],
  ])("DEFAULT_SENSITIVE_ENV_NAMES: %s -> %p", (name, sensitive) => {
    expect(DEFAULT_SENSITIVE_ENV_NAMES.test(name)).toBe(sensitive);
  });
});

describe("1. Secret data and stringData", () => {
  test("get secret -o yaml: data, stringData (block, folded, quoted key, unicode) masked; the rest byte for byte", () => {
    const r = redact("get secret db -n shop -o yaml", SECRET_YAML);
    expect(r.output).toBe(SECRET_YAML_REDACTED);
    expect(r.redacted).toBe(true);
    expectNone(r.output, SECRET_YAML_VALUES);
  });

  test("get secret -o yaml with CRLF line ends", () => {
    expect(out("get secret db -o yaml", crlf(SECRET_YAML))).toBe(crlf(SECRET_YAML_REDACTED));
  });

  test("a List mixing ConfigMap, Secret and Pod (get cm,secrets,pods -o yaml): only Secret data and sensitive env go", () => {
    const o = out("get cm,secrets,pods -o yaml", MIXED_LIST_YAML);
    expectNone(o, [b64("gw_live_7f3c9a1e5b2d4f60c8e1"), b64(JWT), "sk_test_not_real_but_secret"]);
    expect(o).toContain("    LOG_LEVEL: info\n    password-hint: ask-the-team\n  kind: ConfigMap");
    expect(o).toContain(`    api-key: ${M}\n    token: ${M}\n  kind: Secret`);
    expect(o).toContain(`      - name: STRIPE_API_KEY\n        value: ${M}\n      - name: LOG_LEVEL\n        value: debug`);
    expect(o).toContain("          secretKeyRef:\n            key: password\n            name: db-credentials");
  });

  test("a Secret cut off by the output cap before `kind:` is still masked (yaml and json)", () => {
    const yaml = `apiVersion: v1\ndata:\n  password: ${b64(PG)}\n  token: ${b64(JWT).slice(0, 30)}`;
    expect(out("get secret db -o yaml", yaml)).toBe(`apiVersion: v1\ndata:\n  password: ${M}\n  token: ${M}`);
    const json = `{\n    "apiVersion": "v1",\n    "data": {\n        "password": "${b64(PG)}",\n        "token": "${b64(JWT).slice(0, 30)}`;
    expect(out("get secret db -o json", json)).toBe(`{\n    "apiVersion": "v1",\n    "data": {\n        "password": "${M}",\n        "token": "${M}"`);
  });

  test("get secret -o json: data and stringData masked (escapes, unicode), annotation masked, other fields byte for byte", () => {
    const r = redact("get secret db -n shop -o json", SECRET_JSON);
    expect(r.redacted).toBe(true);
    const parsed = JSON.parse(r.output);
    expect(parsed.data).toEqual({ password: M, "tls.key": M, weird: M });
    expect(parsed.stringData).toEqual({ "config.json": M, unicode: M });
    expect(parsed.metadata.annotations).toEqual({ "kubectl.kubernetes.io/last-applied-configuration": M, team: "payments" });
    expect(parsed.type).toBe("Opaque");
    // Outside the masked values, the text is unchanged (same indentation, same key order).
    expect(r.output.replace(/"\[REDACTED\]"/g, "")).toBe(SECRET_JSON.replace(/"(?:[^"\\]|\\.)*"(?=,?\n)/g, (s, i: number) => (/"(?:password|tls\.key|weird|config\.json|unicode|kubectl\.kubernetes\.io\/last-applied-configuration)": $/.test(SECRET_JSON.slice(Math.max(0, i - 70), i)) ? "" : s)));
  });

  test("get secret -o json with CRLF line ends", () => {
    const o = out("get secret db -o json", crlf(SECRET_JSON));
    expect(JSON.parse(o).data).toEqual({ password: M, "tls.key": M, weird: M });
  });

  test("a mixed List (get all,secrets -o json): Secret data and sensitive env values go; ConfigMap data stays", () => {
    const o = out("get all,secrets,cm -A -o json", MIXED_LIST_JSON);
    const parsed = JSON.parse(o);
    expect(parsed.items[0].spec.containers[0].env).toEqual([{ name: "DB_PASSWORD", value: M }, { name: "NODE_ENV", value: "production" }]);
    expect(parsed.items[1].data).toEqual({ LOG_LEVEL: "info" });
    expect(parsed.items[2].data).toEqual({ password: M });
    expect(parsed.items[3].spec.template.spec.containers[0].env[0]).toEqual({ name: "GITHUB_TOKEN", value: M });
  });

  test("concatenated objects (get secret -w -o json) are each redacted", () => {
    const one = JSON.stringify({ apiVersion: "v1", data: { a: b64("first-secret") }, kind: "Secret" }, null, 4);
    const two = JSON.stringify({ apiVersion: "v1", data: { b: b64("second-secret") }, kind: "Secret" }, null, 4);
    const o = out("get secret -w -o json", `${one}\n${two}\n`);
    expectNone(o, [b64("first-secret"), b64("second-secret")]);
  });

  test("-o name and the default table print no values and are left alone", () => {
    const names = "secret/db-credentials\nsecret/ci-deployer-token\n";
    expect(redact("get secrets -o name", names)).toEqual({ output: names, redacted: undefined });
    const table = "NAME             TYPE     DATA   AGE\ndb-credentials   Opaque   3      19d\n";
    expect(redact("get secrets", table)).toEqual({ output: table, redacted: undefined });
  });

  test.each([
    ["get secret db -o jsonpath={.data.password}", b64(PG), M],
    ["get secret db -o=jsonpath={.data}", `{"password":"${b64(PG)}","username":"${b64("checkout")}"}`, M],
    ["get secrets -A -ojsonpath-as-json={.items[*].data.password}", `[\n    "${b64(PG)}"\n]\n`, `${M}\n    ${M}\n${M}\n`],
    ["get secret db -o go-template={{.data.password|base64decode}}", PG, M],
    ["get secret db --output=go-template-file=/tmp/t.tpl", `${PG} x`, `${M} ${M}`],
    ["get Secret/db -o template --template={{.data}}", `map[password:${b64(PG)}]`, M],
  ])("template output of a Secret read (%s) is masked token by token", (cmd, text, expected) => {
    expect(redact(cmd, text)).toEqual({ output: expected, redacted: true });
  });

  test("custom-columns over Secrets keeps its header line only, unless --no-headers", () => {
    const text = `NAME             PASSWORD\ndb-credentials   ${b64(PG)}\n`;
    expect(out(["get", "secrets", "-o", "custom-columns=NAME:.metadata.name,PASSWORD:.data.password"], text)).toBe(`NAME             PASSWORD\n${M}   ${M}\n`);
    expect(out(["get", "secrets", "--no-headers", "-o", "custom-columns=PASSWORD:.data.password"], `${b64(PG)}\n`)).toBe(`${M}\n`);
  });

  test("template output that reads no Secret only goes through the patterns", () => {
    const text = "web-7d4b9c8f6d-x2kqp checkout-6b8f9d7c5c-8wzrn";
    expect(redact("get pods -o jsonpath={.items[*].metadata.name}", text)).toEqual({ output: text, redacted: undefined });
    // ...which still catch env printed as JSON by jsonpath.
    const env = `[{"name":"DB_PASSWORD","value":"hunter2"},{"name":"NODE_ENV","value":"production"}]`;
    expect(out("get pods -o jsonpath={.items[*].spec.containers[*].env}", env)).toBe(`[{"name":"DB_PASSWORD","value":"${M}"},{"name":"NODE_ENV","value":"production"}]`);
  });

  test("--template without -o is go-template output", () => {
    expect(outputShape(["get", "secret", "db", "--template={{.data.password}}"])).toEqual({ format: "template", readsSecrets: true });
    expect(out(["get", "secret", "db", "--template", "{{.data.password}}"], b64(PG))).toBe(M);
  });

  test("get --raw of a Secret path, and -f/-k objects, count as reading Secrets; raw JSON is read structurally", () => {
    const argv = ["get", "--raw", "/api/v1/namespaces/shop/secrets/db"];
    expect(outputShape(argv)).toEqual({ format: "default", readsSecrets: true });
    const raw = JSON.stringify({ kind: "Secret", apiVersion: "v1", metadata: { name: "db" }, data: { password: b64(PG) } });
    expect(JSON.parse(out(argv, raw)).data).toEqual({ password: M });
    expect(outputShape(["get", "-f", "manifest.yaml", "-o", "jsonpath={.data}"])).toEqual({ format: "template", readsSecrets: true });
    expect(outputShape(["get", "-k", "overlay/", "-o", "jsonpath={.data}"]).readsSecrets).toBe(true);
  });

  test("an argv the grammar cannot read that mentions secrets, with an unreadable -o, masks everything", () => {
    expect(outputShape(["get", "secret", "db", "--bogus", "-Aoyaml"])).toEqual({ format: "unknown", readsSecrets: true });
    expect(out(["get", "secret", "db", "--bogus", "-Aoyaml"], `password: ${b64(PG)}\nname: db`)).toBe(`${M} ${M}\n${M} ${M}`);
  });

  test.each([
    [["get", "secrets", "-o", "yaml"], { format: "yaml", readsSecrets: true }],
    [["get", "all,secrets", "-A", "-ojson"], { format: "json", readsSecrets: true }],
    [["get", "secrets.v1.", "-o", "name"], { format: "name", readsSecrets: true }],
    [["describe", "Secret/db"], { format: "default", readsSecrets: true }],
    [["get", "secret", "db", "-o", "jsonpath={.data}"], { format: "template", readsSecrets: true }],
    [["get", "pods", "-o", "custom-columns=N:.metadata.name"], { format: "template", readsSecrets: false }],
    [["logs", "secret-rotator-0"], { format: "default", readsSecrets: false }],
    [["get", "pods", "-o", "yaml"], { format: "yaml", readsSecrets: false }],
  ])("outputShape(%j)", (argv, shape) => {
    expect(outputShape(argv)).toEqual(shape as ReturnType<typeof outputShape>);
  });
});

describe("2. the last-applied-configuration annotation", () => {
  test("yaml: the `|` block is replaced by the mask; the other annotations stay", () => {
    const o = out("get deploy api -o yaml", `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  annotations:\n    deployment.kubernetes.io/revision: "6"\n    kubectl.kubernetes.io/last-applied-configuration: |\n      {"apiVersion":"apps/v1","kind":"Deployment","spec":{"template":{"spec":{"containers":[{"env":[{"name":"X","value":"from-last-applied"}]}]}}}}\n  name: api\nspec:\n  replicas: 2\n`);
    expect(o).toBe(`apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  annotations:\n    deployment.kubernetes.io/revision: "6"\n    kubectl.kubernetes.io/last-applied-configuration: ${M}\n  name: api\nspec:\n  replicas: 2\n`);
  });

  test("yaml: a single-quoted value folded over several lines", () => {
    const o = out("get cm x -o yaml", `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{"apiVersion":"v1","data":{"a":"b"},\n      "kind":"ConfigMap","secret-ish":"folded-second-line"}'\n  name: x\n`);
    expect(o).toBe(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: ${M}\n  name: x\n`);
  });

  test("json: the string value is masked and the JSON stays valid", () => {
    const o = out("get secret db -o json", SECRET_JSON);
    expect(JSON.parse(o).metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]).toBe(M);
  });

  test("describe: the long form (value on deeper lines) and the inline form", () => {
    expect(out("describe pod api", DESCRIBE_POD)).toBe(DESCRIBE_POD_REDACTED);
    const inline = `Annotations:  kubectl.kubernetes.io/last-applied-configuration: {"kind":"Secret","data":{"a":"YWJj"}}\n              team: x\nStatus: ok\n`;
    expect(out("describe secret db", inline)).toBe(`Annotations:  kubectl.kubernetes.io/last-applied-configuration: ${M}\n              team: x\nStatus: ok\n`);
  });

  test("escaped in a JSON log line", () => {
    const line = `{"msg":"applied","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\\"kind\\":\\"Secret\\",\\"data\\":{\\"p\\":\\"c2VjcmV0\\"}}"}}`;
    expect(out("logs controller-0", line)).toBe(`{"msg":"applied","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"${M}"}}`);
  });
});

describe("3. describe secret", () => {
  test("an Opaque Secret prints sizes only and is left alone", () => {
    expect(redact("describe secret db-credentials -n shop", DESCRIBE_OPAQUE)).toEqual({ output: DESCRIBE_OPAQUE, redacted: undefined });
  });

  test("a service-account token Secret: the token is masked, sizes stay", () => {
    const r = redact("describe secret ci-deployer-token -n shop", DESCRIBE_SA_SECRET);
    expect(r).toEqual({ output: DESCRIBE_SA_SECRET.replace(JWT, M), redacted: true });
  });

  test("several Secrets in one describe, with CRLF", () => {
    const text = crlf(`${DESCRIBE_OPAQUE}\n\n${DESCRIBE_SA_SECRET}`);
    expect(out("describe secrets -n shop", text)).toBe(crlf(`${DESCRIBE_OPAQUE}\n\n${DESCRIBE_SA_SECRET.replace(JWT, M)}`));
  });

  test("any other value, and any line without a key, in a Secret's Data section is masked", () => {
    const text = "Type:  example.com/custom\n\nData\n====\nshort:  opaque-token-not-a-jwt\nkey:    12 bytes\ncontinued-value-line\n\nEvents:  <none>\n";
    expect(out("describe secret x", text)).toBe(`Type:  example.com/custom\n\nData\n====\nshort:  ${M}\nkey:    12 bytes\n${M}\n\nEvents:  <none>\n`);
  });

  test("a ConfigMap's Data section (key / ---- / value) is not a Secret's and stays", () => {
    expect(redact("describe cm checkout-config", DESCRIBE_CONFIGMAP)).toEqual({ output: DESCRIBE_CONFIGMAP, redacted: undefined });
  });
});

describe("4. sensitive env values", () => {
  test("describe pod: literal values of sensitive names masked (multi-line too); references, fieldRefs and other names stay", () => {
    const r = redact("describe pod api -n payments", DESCRIBE_POD);
    expect(r).toEqual({ output: DESCRIBE_POD_REDACTED, redacted: true });
    expectNone(r.output, ["hunter2", "first-line-of-token", "second-line-of-token", "MHcCAQEE", "ünïcødé-sécret", "hunter2-last-applied"]);
  });

  test("describe pod with CRLF", () => {
    expect(out("describe pod api", crlf(DESCRIBE_POD))).toBe(crlf(DESCRIBE_POD_REDACTED));
  });

  test("-o yaml env: quoted, colon-laden, block and folded values of sensitive names; valueFrom stays", () => {
    const yaml = `apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      containers:
      - env:
        - name: DB_PASSWORD
          value: 'p@ss: "w0rd"'
        - name: MULTI_SECRET
          value: |-
            line-one-secret
            line-two-secret
        - name: LONG_TOKEN
          value: a folded plain value that go-yaml wrapped because it is long and has
            spaces in it
        - name: NODE_ENV
          value: production
        - name: GATEWAY_API_KEY
          valueFrom:
            secretKeyRef:
              key: api-key
              name: gateway-api-key
        image: nginx
        name: app
`;
    const o = out("get deploy app -o yaml", yaml);
    expectNone(o, ['p@ss: "w0rd"', "line-one-secret", "line-two-secret", "go-yaml wrapped", "spaces in it"]);
    expect(o).toBe(yaml.replace(`'p@ss: "w0rd"'`, M).replace("|-\n            line-one-secret\n            line-two-secret", M).replace("a folded plain value that go-yaml wrapped because it is long and has\n            spaces in it", M));
    expect(out("get deploy app -o yaml", crlf(yaml))).toBe(crlf(o));
  });

  test("-o json env (valueFrom entries carry no value and stay)", () => {
    const o = JSON.parse(out("get all,secrets -o json", MIXED_LIST_JSON));
    expect(o.items[0].spec.containers[0].env[1]).toEqual({ name: "NODE_ENV", value: "production" });
  });
});

describe("5. patterns in any text", () => {
  test.each([
    ["Authorization: Bearer abcDEF123456.xyz_-~+/=", `Authorization: Bearer ${M}`],
    ['{"headers":{"authorization":"bearer tok_9f8e7d6c5b4a"}}', `{"headers":{"authorization":"bearer ${M}"}}`],
    ["Authorization: Basic dXNlcjpwYXNzd29yZA==", `Authorization: Basic ${M}`],
    ["proxy-authorization=Token short1", `proxy-authorization=Token ${M}`],
    [`jwt=${JWT}`, `jwt=${M}`],
    [`id_token: ${JWT} rest`, `id_token: ${M} rest`],
    ["-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nabc+/=\n-----END RSA PRIVATE KEY-----\nafter", `-----BEGIN RSA PRIVATE KEY-----${M}-----END RSA PRIVATE KEY-----\nafter`],
    ['"key":"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADAN\\n-----END PRIVATE KEY-----\\n"', `"key":"-----BEGIN PRIVATE KEY-----${M}-----END PRIVATE KEY-----\\n"`],
    ["-----BEGIN OPENSSH PRIVATE KEY-----\r\nb3BlbnNzaC1rZXktdjE=\r\n-----END OPENSSH PRIVATE KEY-----", `-----BEGIN OPENSSH PRIVATE KEY-----${M}-----END OPENSSH PRIVATE KEY-----`],
    ["cut off: -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk\nMHcCAQEEIBkg", `cut off: -----BEGIN EC PRIVATE KEY-----${M}`],
    ["password=s3cr3t%21&user=bob", `password=${M}&user=bob`],
    ["passwd: hunter2", `passwd: ${M}`],
    ["PWD=x1y2z3", `PWD=${M}`],
    ["secret=abc token=def", `secret=${M} token=${M}`],
    ["api_key=zzz apikey=yyy API-KEY: xxx1", `api_key=${M} apikey=${M} API-KEY: ${M}`],
    ["client_secret: 'quoted value with spaces'", `client_secret: '${M}'`],
    ["clientSecret=abc accessToken=def refresh_token=ghi", `clientSecret=${M} accessToken=${M} refresh_token=${M}`],
    ['{"level":"debug","password":"hunter\\"2","user":"bob"}', `{"level":"debug","password":"${M}","user":"bob"}`],
    ['{"msg":"{\\"password\\":\\"inner\\",\\"x\\":1}"}', `{"msg":"{\\"password\\":\\"${M}\\",\\"x\\":1}"}`],
    ['{"token": 123456}', `{"token": "${M}"}`],
    ["--password=hunter2 --db-password hunter3 --password-file /etc/pw", `--password=${M} --db-password ${M} --password-file /etc/pw`],
    ["connecting to postgres://app:Sup3r-S3cret-pg!@db:5432/orders", `connecting to postgres://app:${M}@db:5432/orders`],
    ["https://user:p@ss:w0rd@example.com/x and mongodb+srv://u:pw@cluster0", `https://user:${M}@example.com/x and mongodb+srv://u:${M}@cluster0`],
    ["redis://:onlypass@redis:6379", `redis://:${M}@redis:6379`],
    ["aws_access_key_id=AKIAIOSFODNN7EXAMPLE", `aws_access_key_id=${M}`],
    ["aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", `aws_secret_access_key = ${M}`],
    ["AWS_SECRET_ACCESS_KEY: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", `AWS_SECRET_ACCESS_KEY: ${M}`],
    ["temporary ASIAY34FZKBOKMUTVV7A", `temporary ${M}`],
    ["gh ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 ok", `gh ${M} ok`],
    ["pat github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", `pat ${M}`],
    ["slack xoxb-12345-67890-abcdefghij and xoxp-1-2-3-abcdef", `slack ${M} and ${M}`],
    ["hook https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX", `hook https://hooks.slack.com/services/${M}`],
    ["stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc", `stripe ${M}`],
    ["gitlab glpat-xxxxxxxxxxxxxxxxxxxx", `gitlab ${M}`],
    ["google AIzaSyA-1234567890abcdefghijklmnopqrstu", `google ${M}`],
    ['docker {"auths":{"r.io":{"auth":"dXNlcjpwYXNz"}}}', `docker {"auths":{"r.io":{"auth":"${M}"}}}`],
    ["ünïcødé password=pässwörd🔑 done", `ünïcødé password=${M} done`],
    ["env dump: STRIPE_KEY=sk_test_abc SENTRY_DSN=https://k@o1.ingest.sentry.io/2 NODE_ENV=production", `env dump: STRIPE_KEY=${M} SENTRY_DSN=${M} NODE_ENV=production`],
    ["tls.key: abcdef client-key-data: QUJDREVGR0g=", `tls.key: ${M} client-key-data: ${M}`],
    [`users:
- name: admin
  user:
    client-certificate-data: ${b64("-----BEGIN CERTIFICATE-----\nMIIB")}
    client-key-data-copy ${b64("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA")}`, `users:
- name: admin
  user:
    client-certificate-data: ${b64("-----BEGIN CERTIFICATE-----\nMIIB")}
    client-key-data-copy ${M}`],
    ["password: 'it''s'", `password: '${M}'`],
    [`params: {:user=>"bob", :password=>"hunter2"}`, `params: {:user=>"bob", :password=>"${M}"}`],
    ["<user>bob</user><password>hunter2</password><ns:apiKey>k1</ns:apiKey>", `<user>bob</user><password>${M}</password><ns:apiKey>${M}</ns:apiKey>`],
    ["Cookie: sid=abc123; theme=dark", `Cookie: ${M}; theme=dark`],
  ])("%j", (input, expected) => {
    expect(out("logs x", input)).toBe(expected);
  });

  test("a JSON log line holding a Secret (kubectl -v dumps, audit logs): its data values go", () => {
    const line = `I1123 request.go:1212] Response Body: {"kind":"Secret","apiVersion":"v1","metadata":{"name":"db"},"data":{"password":"${b64(PG)}","username":"${b64("checkout")}"},"type":"Opaque"}`;
    expect(out("logs x", line)).toBe(line.replace(b64(PG), M).replace(b64("checkout"), M));
  });

  test("a Secret manifest dumped into a log is read as yaml (best effort)", () => {
    const log = `rendering chart...\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: release\ndata:\n  release: ${b64("helm-release-payload")}\n---\napiVersion: v1\nkind: ConfigMap\ndata:\n  mode: fast\ndone\n`;
    const o = out("logs helm-job-x", log);
    expectNone(o, [b64("helm-release-payload")]);
    expect(o).toContain("  mode: fast\n");
  });

  test("ordinary log lines, a pod table and a describe without secrets are returned unchanged", () => {
    expect(redact("logs web-7d4b9c8f6d-x2kqp -n shop", NORMAL_LOGS)).toEqual({ output: NORMAL_LOGS, redacted: undefined });
    expect(redact("get pods -A", PODS_TABLE)).toEqual({ output: PODS_TABLE, redacted: undefined });
    expect(redact("describe pod web-7d4b9c8f6d-x2kqp -n shop", PLAIN_DESCRIBE_POD)).toEqual({ output: PLAIN_DESCRIBE_POD, redacted: undefined });
    expect(redact("get cm -o yaml", `apiVersion: v1\nkind: ConfigMap\ndata:\n  token-ttl: 1h\n  secretName: db\n  default.conf: |\n    server { listen 80; }\nmetadata:\n  name: c\n`).redacted).toBeUndefined();
  });
});

describe("6. robustness and idempotency", () => {
  const fixtures: [string, string][] = [
    ["get secret db -o yaml", SECRET_YAML],
    ["get secret db -o yaml", crlf(SECRET_YAML)],
    ["get cm,secrets,pods -o yaml", MIXED_LIST_YAML],
    ["get secret db -o json", SECRET_JSON],
    ["get all,secrets -o json", MIXED_LIST_JSON],
    ["describe secret x", DESCRIBE_SA_SECRET],
    ["describe pod x", DESCRIBE_POD],
    ["describe pod x", crlf(DESCRIBE_POD)],
    ["logs x", NORMAL_LOGS],
    ["logs x", `Authorization: Bearer ${JWT}\npassword=a&token=b\n-----BEGIN PRIVATE KEY-----\nabc\n`],
    ["get secret db -o jsonpath={.data}", "a b\nc"],
  ];

  test.each(fixtures)("idempotent: %s", (cmd, text) => {
    const once = out(cmd, text);
    expect(out(cmd, once)).toBe(once);
    expect(redact(cmd, once).redacted).toBeUndefined();
  });

  test("never throws, whatever the output or argv", () => {
    const p = redactSecrets();
    const odd: unknown[] = [undefined, null, 42, {}, ["x"], "", "\u0000\uffff\ud800", "-----BEGIN PRIVATE KEY-----", '{"data":{', "- - - -\n  - :\n:"];
    for (const output of odd) {
      for (const argv of [undefined, null, [], [1, 2], ["get"], ["get", "secret", "-o", "yaml"], ["get", "secret", "-o", "json"], ["describe", "secret"]]) {
        expect(() => p.after(ctx(argv as string[]), result(output as string))).not.toThrow();
      }
    }
  });

  test("an internal failure withholds the output the way the pipeline does, instead of throwing", () => {
    const hostile = { ...result("x") } as Result;
    Object.defineProperty(hostile, "output", { get: () => { throw new Error("boom"); }, enumerable: false });
    const r = redactSecrets().after(ctx(["logs", "x"]), hostile);
    expect(r).toMatchObject({ status: "failure", output: "", code: "POLICY_FAILED", policy: "redact-secrets", redacted: true });
  });

  const tricky = fc.constantFrom(
    "password", "token", "secret", "Bearer ", "eyJhbGciOi", "eyJzdWIi", ".", ":", "=", " ", "  ", "\n", "\r\n", "\t", '"', "'", "\\", "\\\"", "{", "}", "[", "]", ",", "- ",
    "data:", "kind: Secret", "apiVersion: v1", '"kind":"Secret"', '"data":{', "-----BEGIN PRIVATE KEY-----", "-----END PRIVATE KEY-----", "AKIA", "ghp_", "xoxb-",
    "://", "@", "u:p@", "kubectl.kubernetes.io/last-applied-configuration", "|", "Data\n====\n", "Environment:\n", "      DB_PASSWORD:", "[REDACTED]", "ü", "🔑", "abcdefgh12345678", "QUJD",
  );
  const text = fc.array(fc.oneof(tricky, fc.string({ maxLength: 6 })), { maxLength: 60 }).map((parts) => parts.join(""));
  const argv = fc.constantFrom(["logs", "x"], ["get", "secret", "x", "-o", "yaml"], ["get", "secret", "x", "-o", "json"], ["describe", "secret", "x"], ["get", "secret", "-o", "jsonpath={.data}"], ["get", "pods", "-o", "yaml"]);

  test("property: never throws, idempotent, and sets redacted exactly when the text changed", () => {
    const rules = createRules();
    fc.assert(
      fc.property(text, argv, (t, a) => {
        const once = redactText(t, rules, { argv: a });
        expect(redactText(once, rules, { argv: a })).toBe(once);
        const r = redactSecrets().after(ctx(a), result(t));
        expect(r.output).toBe(once);
        expect(r.redacted).toBe(once !== t ? true : undefined);
      }),
      { numRuns: 300, seed: 19 },
    );
  });
});

