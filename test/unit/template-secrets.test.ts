/**
 * No template form reaches a Secret value (issue 15 item 7).
 *
 * `-o jsonpath=`, `-o jsonpath-as-json=`, `-o custom-columns=` and
 * `--sort-by` are evaluated by Kubently on structurally redacted objects,
 * on every executor. Here the executors run with no policy at all (Secrets
 * unrestricted, nothing after them): what they return must hold none of the
 * simulated cluster's Secret values in any form (test/_secrets.ts), in
 * stdout or stderr (kubectl's jsonpath errors repeat the whole object), for
 * every template form: plain and recursive paths, wildcards over a value's
 * bytes, filters that test a value (an oracle), the last-applied
 * annotation, mixed lists, error dumps, sorting by a value (an order is an
 * oracle too), watches with a Secret rotated mid-stream. A control shows the
 * needles do find the values in the real kubectl's own template output.
 *
 * With the policies: `read-only` refuses every template on Secrets, with a
 * reason, and `go-template`, `--template` and the `*-file` forms everywhere.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { autoExecutor, nativeExecutor } from "../../lib/agent/native.ts";
import { kubectlExecutor, type Executor } from "../../lib/agent/executors.ts";
import { type SimCluster, startSimCluster } from "../../lib/sim/index.ts";
import { readOnly } from "../../plugins/read-only.ts";
import { type KubectlHome, kubectlHome, requireKubectl, runKubectl } from "../_kubectl.ts";
import { formsOf, simSecrets } from "../_secrets.ts";

const KUBECTL = requireKubectl("template-secrets.test");
const { needles } = simSecrets();
const leaked = (text: string | undefined) => needles.filter((n) => (text ?? "").includes(n));
const PG_B64 = "U3VwM3ItUzNjcmV0LXBnIQ=="; // db-credentials' password, base64

// [argv, a text the output must show (so the template did run), whether a Secret was masked on the way]
const FORMS: [string[], string, boolean][] = [
  [["get", "secrets", "-A", "-o", "jsonpath={.items[*].data}"], '"password":"[REDACTED]"', true],
  [["get", "secrets", "-A", "-o", "jsonpath={..}"], "db-credentials", true],
  [["get", "secrets", "-A", "-o", "jsonpath={.items[*].metadata.annotations}"], "[REDACTED]", true],
  [["get", "secrets", "-A", "-o", 'jsonpath={range .items[*]}{.metadata.name}={.data.*}{"\\n"}{end}'], "db-credentials=", true],
  [["get", "secret", "db-credentials", "-n", "shop", "-o", "jsonpath={.data.password}"], "[REDACTED]", true],
  [["get", "secret", "db-credentials", "-n", "shop", "-o", "jsonpath={.data.password.*}"], "91 82 69 68", true],
  [["get", "secret", "gateway-api-key", "-n", "payments", "-o", "jsonpath={.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration}"], "[REDACTED]", true],
  [["get", "secret", "ci-deployer-token", "-n", "shop", "-o", "jsonpath={.data.token}{.data.ca\\.crt}"], "[REDACTED][REDACTED]", true],
  [["get", "secret", "registry-credentials", "-n", "payments", "-o", "jsonpath={.data['\\.dockerconfigjson']}"], "", true],
  [["get", "secrets", "-A", "-o", "jsonpath={.items[?(@.data.password)].metadata.name}"], "db-credentials", true],
  [["get", "secrets", "-A", "-o", `jsonpath={.items[?(@.data.password=="${PG_B64}")].metadata.name}`], "", true],
  [["get", "secrets", "-A", "-o", "jsonpath={.items[?(@.data.password>'A')].metadata.name}"], "db-credentials", true],
  [["get", "secrets", "-A", "-o", "jsonpath={.items[*].stringData}"], "", true],
  [["get", "all,secrets", "-A", "-o", "jsonpath={..data}"], "[REDACTED]", true],
  [["get", "secrets,configmaps", "-A", "-o", "jsonpath-as-json={..data}"], "[REDACTED]", true],
  [["get", "secrets", "-n", "payments", "-o", "jsonpath-as-json={.items[*].metadata.annotations}"], "[REDACTED]", true],
  // Errors repeat the template and the whole object given (Go's %#v): redacted too.
  [["get", "secrets", "-A", "-o", "jsonpath={.items[*].nope}", "--allow-missing-template-keys=false"], "", true],
  [["get", "secret", "db-credentials", "-n", "shop", "-o", "jsonpath={.data.password[0]}"], "", true],
  [["get", "secrets", "-A", "-o", "jsonpath={.items[?(@.data.password==1)]}"], "", true],
  // custom-columns: every value a column finds, `..` included.
  [["get", "secrets", "-A", "-o", "custom-columns=NAME:.metadata.name,DATA:.data,APPLIED:.metadata.annotations"], "map[database:[REDACTED]", true],
  [["get", "secrets", "-A", "-o", "custom-columns=PW:.data.password,ALL:..", "--no-headers"], "[REDACTED]", true],
  [["get", "secret", "ci-deployer-token", "-n", "shop", "-o", "custom-columns=T:.data.token,B:.data.token.*"], "[REDACTED]", true],
  // --sort-by on a value, with templates.
  [["get", "secrets", "-A", "-o", "jsonpath={.items[*].metadata.name}", "--sort-by=.data.password"], "db-credentials", true],
  [["get", "secrets", "-A", "-o", "custom-columns=N:.metadata.name,P:.data.password", "--sort-by={.data.password}"], "db-credentials", true],
];

const EXECUTORS = ["kubectl", "native", "auto"] as const;

describe.skipIf(!KUBECTL)("no template form reaches a Secret value, on any executor (no policy at all)", () => {
  let sim: SimCluster;
  let kc: KubectlHome;
  const executors = {} as Record<(typeof EXECUTORS)[number], Executor>;
  beforeAll(async () => {
    sim = await startSimCluster();
    kc = await kubectlHome(sim, "kubently-template-secrets-");
    executors.kubectl = kubectlExecutor({ kubeconfig: kc.kubeconfig, home: kc.home });
    executors.native = nativeExecutor({ kubeconfig: kc.kubeconfig });
    executors.auto = autoExecutor({ kubeconfig: kc.kubeconfig, kubectl: { home: kc.home } });
  });
  afterAll(async () => {
    await executors.native?.close?.();
    await executors.auto?.close?.();
    await sim?.close();
    await kc?.remove();
  });

  test("control: kubectl's own template engine prints the values (so the needles find a leak)", async () => {
    for (const argv of [
      ["get", "secrets", "-A", "-o", "jsonpath={.items[*].data}"],
      ["get", "secrets", "-A", "-o", "custom-columns=APPLIED:.metadata.annotations"],
      ["get", "secrets", "-A", "-o", "jsonpath={.items[*].nope}", "--allow-missing-template-keys=false"],
    ]) {
      const raw = await runKubectl(argv, kc);
      expect({ argv, leaks: leaked(raw.stdout + raw.stderr).length > 0 }).toEqual({ argv, leaks: true });
    }
    const oracle = await runKubectl(["get", "secrets", "-A", "-o", `jsonpath={.items[?(@.data.password=="${PG_B64}")].metadata.name}`], kc);
    expect(oracle.stdout).toBe("db-credentials");
  }, 30_000);

  for (const kind of EXECUTORS) {
    test.each(FORMS)(`${kind}: %j`, async (argv, shows, masked) => {
      const r = await executors[kind].run(argv, { timeoutMs: 20_000 });
      expect({ argv, leakedOut: leaked(r.stdout), leakedErr: leaked(r.stderr) }).toEqual({ argv, leakedOut: [], leakedErr: [] });
      expect({ argv, code: r.code, shows: r.stdout.includes(shows) }).toEqual({ argv, code: undefined, shows: true });
      if (masked) expect({ argv, redacted: r.redacted }).toEqual({ argv, redacted: true });
    }, 30_000);
  }

  test.each(EXECUTORS)("%s: a filter comparing a value finds nothing, and an order by a value does not move when the value does", async (kind) => {
    const exec = executors[kind];
    const names = async (argv: string[]) => (await exec.run(argv, { timeoutMs: 20_000 })).stdout;
    const byPassword = ["get", "secrets", "-A", "-o", "jsonpath={.items[*].metadata.name}", "--sort-by=.data.password"];
    const byValueTable = ["get", "secrets", "-A", "-o", "custom-columns=N:.metadata.name", "--sort-by=.data.database"];
    const before = [await names(byPassword), await names(byValueTable)];
    const original = structuredClone(sim.get("secrets/shop/db-credentials"));
    try {
      for (const value of ["AAAA", "zzzz", "0000"]) {
        sim.update("secrets/shop/db-credentials", (d) => {
          const data = d.data as Record<string, string>;
          data.password = Buffer.from(value).toString("base64");
          data.database = Buffer.from(value).toString("base64");
        });
        expect({ kind, value, order: [await names(byPassword), await names(byValueTable)] }).toEqual({ kind, value, order: before });
        expect(await names(["get", "secrets", "-A", "-o", `jsonpath={.items[?(@.data.password=="${Buffer.from(value).toString("base64")}")].metadata.name}`])).toBe("");
      }
    } finally {
      if (original) sim.update("secrets/shop/db-credentials", (d) => Object.assign(d, { data: original.data }));
    }
  }, 60_000);

  test("native: a table sorted by a Secret's value is ordered on the redacted objects too", async () => {
    const table = async () => (await executors.native.run(["get", "secrets", "-A", "--sort-by=.data.password", "--no-headers"], { timeoutMs: 20_000 })).stdout.split("\n").map((l) => l.split(/\s+/)[1]);
    const before = await table();
    const original = structuredClone(sim.get("secrets/shop/db-credentials"));
    try {
      for (const value of ["AAAA", "zzzz"]) {
        sim.update("secrets/shop/db-credentials", (d) => {
          (d.data as Record<string, string>).password = Buffer.from(value).toString("base64");
        });
        expect(await table()).toEqual(before);
      }
    } finally {
      if (original) sim.update("secrets/shop/db-credentials", (d) => Object.assign(d, { data: original.data }));
    }
  }, 30_000);

  test.each(EXECUTORS)("%s: a watch with a template, a Secret rotated mid-stream: no value in any event", async (kind) => {
    const rotated = `rotated-${crypto.randomUUID()}`;
    const rotatedForms = formsOf(rotated, Buffer.from(rotated).toString("base64"));
    const chunks: string[] = [];
    const run = executors[kind].run(["get", "secrets", "-n", "payments", "-w", "--output-watch-events", "-o", 'jsonpath={.type} {.object.metadata.name} {.object.data}{"\\n"}'], {
      timeoutMs: 3_000,
      onOutput: (t) => chunks.push(t),
    });
    await Bun.sleep(1_000);
    sim.update("secrets/payments/gateway-api-key", (d) => {
      (d.data as Record<string, string>)["api-key"] = Buffer.from(rotated).toString("base64");
    });
    const r = await run;
    const text = chunks.join("");
    expect(text).toBe(r.stdout);
    expect(text).toContain("MODIFIED gateway-api-key");
    expect(text).toContain('"api-key":"[REDACTED]"');
    expect({ leaked: leaked(text + r.stderr), rotated: rotatedForms.filter((f) => text.includes(f)) }).toEqual({ leaked: [], rotated: [] });
    expect(r.redacted).toBe(true);
  }, 20_000);
});

describe("with the policies: templates on Secrets are refused, with the reason", () => {
  const verdict = async (argv: string[]) => {
    const d = await readOnly().before({ side: "api", argv, clusterId: "c1", requestedBy: "tester" });
    if (!d) throw new Error("read-only must always decide");
    return d.effect === "deny" ? d.reason : d.effect;
  };

  test.each(FORMS.map(([argv]) => argv))("%j", async (...argv) => {
    const reason = await verdict(argv);
    expect(reason).toStartWith("restricted-resource: ");
    expect(reason).toMatch(/-o (jsonpath|jsonpath-as-json|custom-columns)=… is a template, and templates never read Secrets/);
    // A reason is audited: it never repeats a value, not even one the caller put in a filter.
    expect(leaked(reason)).toEqual([]);
  });

  test.each<[string[], string]>([
    [["get", "secrets", "-o", "go-template={{range .items}}{{.data}}{{end}}"], "output-format: "],
    [["get", "pods", "-o", "go-template={{.}}"], "output-format: "],
    [["get", "secrets", "--template={{.}}"], "output-format: "],
    [["get", "pods", "-o", "jsonpath-file=/etc/passwd"], "output-format: "],
    [["get", "pods", "-o", "custom-columns-file=/etc/passwd"], "output-format: "],
    [["get", "secrets", "-o", "templatefile=/tmp/t"], "output-format: "],
  ])("%j is refused by its own rule", async (argv, rule) => {
    const reason = await verdict(argv);
    expect(reason).toStartWith(rule);
    expect(reason).toContain("refused");
  });

  test("templates over anything else pass", async () => {
    for (const argv of [
      ["get", "pods", "-A", "-o", "jsonpath={.items[*].metadata.name}"],
      ["get", "configmaps", "-o", "custom-columns=N:.metadata.name", "--sort-by=.metadata.name"],
      ["get", "all", "-n", "shop", "-o", "jsonpath-as-json={.items[*].kind}"],
    ]) {
      expect({ argv, verdict: await verdict(argv) }).toEqual({ argv, verdict: "allow" });
    }
  });
});
