/**
 * Two leaks the mutation audit found (docs/testing.md, "Gaps found"), pinned
 * closed: a pretty-printed JSON Secret in plain text (a log line that dumps an
 * object), and a base64 PEM bundle whose private key follows a certificate.
 */
import { describe, expect, test } from "bun:test";
import { createRules, redactText } from "../../lib/redact/index.ts";

const rules = createRules();
const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("redaction gaps found by mutation testing", () => {
  test("a pretty-printed JSON Secret in plain text has its data masked, as the one-line form does", () => {
    const secret = "c2VjcmV0LXZhbHVl";
    for (const text of [
      `{\n  "kind": "Secret",\n  "data": {\n    "db.conf": "${secret}"\n  }\n}\n`,
      `{\r\n  "kind": "Secret",\r\n  "stringData": {\r\n    "password": "hunter2-plain",\r\n    "token": "${secret}"\r\n  }\r\n}\r\n`,
      `{"kind":"Secret","data":{"db.conf":"${secret}"}}\n`,
    ]) {
      const out = redactText(text, rules, { argv: ["logs", "app"] });
      expect(out).not.toContain(secret);
      expect(out).not.toContain("hunter2-plain");
      expect(out).toContain("[REDACTED]");
    }
  });

  test("the data map of a Secret ends at its closing brace: what follows is left as it is", () => {
    const text = `{\n  "kind": "Secret",\n  "data": {\n    "k": "dmFsdWU="\n  },\n  "type": "Opaque"\n}\n`;
    const out = redactText(text, rules, { argv: ["logs", "app"] });
    expect(out).toContain('"type": "Opaque"');
    expect(out).not.toContain("dmFsdWU=");
  });

  test("a base64 PEM bundle is masked when its private key comes after a certificate", () => {
    const cert = `-----BEGIN CERTIFICATE-----\n${"MIIB".repeat(40)}\n-----END CERTIFICATE-----\n`;
    const key = `-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA${"x".repeat(64)}\n-----END RSA PRIVATE KEY-----\n`;
    const bundle = b64(cert + key);
    const out = redactText(`tls.pem=${bundle}\n`, rules, { argv: ["logs", "app"] });
    expect(out).not.toContain(bundle);
    expect(out).toContain("[REDACTED]");
    // A certificate alone is public: left as it is.
    const certOnly = b64(cert);
    expect(redactText(`ca.pem=${certOnly}\n`, rules, { argv: ["logs", "app"] })).toContain(certOnly);
  });
});
