/**
 * Redaction in linear time on 1 MiB of adversarial near-matches and of
 * realistic output: timed, so it lives here; the fixtures, adversarial
 * variants and idempotency are pure tests in
 * test/security/redact-secrets.test.ts. The real-kubectl counterpart is
 * redact-secrets-kubectl.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { createRules, redactText } from "../../lib/redact/index.ts";
import { JWT, SECRET_YAML, MIXED_LIST_YAML, DESCRIBE_SA_SECRET, DESCRIBE_POD, NORMAL_LOGS } from "../_redact-fixtures.ts";

describe("performance", () => {
  const MiB = 1 << 20;
  const fill = (s: string) => s.repeat(Math.ceil(MiB / s.length)).slice(0, MiB);
  const adversarial: Record<string, string> = {
    "eyJ runs": fill("eyJ"),
    "JWT-like without signature": fill("eyJabcdefgh.eyJabcdefgh"),
    "BEGIN without END": fill("-----BEGIN RSA PRIVATE KEY-----\n"),
    "distinct PEM labels": Array.from({ length: 40_000 }, (_, i) => `-----BEGIN X${i} PRIVATE KEY-----`).join("").slice(0, MiB),
    "password= runs": fill("password="),
    '"password":" unterminated': fill('"password":"'),
    "escaped-JSON keys": fill('\\"password\\":\\"'),
    "backslash run in a value": `"password":"${fill("\\\\")}`,
    "URL near-misses": fill("a://b:"),
    "long URL user": `x://${fill("u")}`,
    "Bearer runs": fill("Bearer "),
    "Authorization runs": fill("Authorization: "),
    "AKIA runs": fill("AKIA"),
    "base64 PEM headers": fill("LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0t "),
    "one base64 PEM run": fill("LS0tLS1CRUdJTi"),
    "env dump runs": fill("AUTH_X="),
    "XML element runs": fill("<password>x"),
    "XML open without close": `<token>${fill("x")}`,
    "=> runs": fill(":password=>"),
    "one identifier": fill("a"),
    "--flag runs": fill("--password "),
    "last-applied lines": fill("kubectl.kubernetes.io/last-applied-configuration: \n"),
    "Secret data objects": `"kind":"Secret"${fill('"data":{"a":')}`,
    "deep JSON": fill("["),
    "deep YAML": Array.from({ length: 8000 }, (_, i) => `${" ".repeat(i % 400)}k${i}:`).join("\n").slice(0, MiB),
    "dash runs": fill("- "),
    "describe Data": `Data\n====\n${fill("token:  x\n")}`,
    "describe Environment": `    Environment:\n${fill("      DB_PASSWORD: x\n")}`,
  };
  const shapes = [["logs", "x"], ["get", "secret", "x", "-o", "yaml"], ["get", "secret", "x", "-o", "json"], ["describe", "secret", "x"]];

  test("1 MiB of adversarial near-matches: each input, in every mode, well under the 5 s bound", () => {
    const rules = createRules();
    const slow: string[] = [];
    let worst = 0;
    for (const [name, input] of Object.entries(adversarial)) {
      for (const a of shapes) {
        const t = performance.now();
        redactText(input, rules, { argv: a });
        const ms = performance.now() - t;
        worst = Math.max(worst, ms);
        if (ms > 5000) slow.push(`${name} (${a.join(" ")}): ${ms.toFixed(0)} ms`);
      }
    }
    console.log(`[redact-secrets] worst adversarial 1 MiB input: ${worst.toFixed(0)} ms`);
    expect(slow).toEqual([]);
  });

  test("1 MiB of mixed realistic output (yaml with Secrets, describe, logs with tokens)", () => {
    const chunk = [SECRET_YAML, MIXED_LIST_YAML, DESCRIBE_POD, DESCRIBE_SA_SECRET, NORMAL_LOGS, `Authorization: Bearer ${JWT}\npassword=hunter2 postgres://u:p@h/db\n`].join("\n");
    const input = fill(chunk);
    const rules = createRules();
    for (const a of [["logs", "x"], ["get", "secrets", "-o", "yaml"]]) {
      const t = performance.now();
      const o = redactText(input, rules, { argv: a });
      const ms = performance.now() - t;
      console.log(`[redact-secrets] 1 MiB mixed (${a.join(" ")}): ${ms.toFixed(0)} ms`);
      expect(ms).toBeLessThan(5000);
      expect(o).not.toContain(JWT);
    }
  });
});
