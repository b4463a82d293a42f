/**
 * Streamed output is redacted piece by piece, so where it is cut decides
 * whether a secret leaks: `streamUnit`/`safeCut` (lib/redact/stream.ts) and
 * the agent's `outputStreamer` (lib/agent/stream.ts) with the real
 * `redact-secrets` policy. Outputs holding secrets in multi-line shapes are
 * fed to the streamer split at random places (fast-check); no secret may
 * survive in what is posted.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { outputStreamer } from "../../lib/agent/stream.ts";
import type { OutputChunk } from "../../lib/contracts.ts";
import { createPipeline } from "../../lib/policy.ts";
import { safeCut, streamUnit } from "../../lib/redact/stream.ts";
import type { Result } from "../../lib/schemas.ts";
import { redactSecrets } from "../../plugins/redact-secrets.ts";

describe("streamUnit", () => {
  test.each([
    [["logs", "-f", "web-1"], "line"],
    [["get", "pods", "-w"], "line"],
    [["get", "pods", "-w", "-o", "wide"], "line"],
    [["get", "pods", "-w", "-o", "json"], "json"],
    [["get", "pods", "--watch", "-oyaml"], "yaml"],
    [["get", "pods", "-w", "-o", "jsonpath={.items[*].metadata.name}"], "whole"],
    // A Secret table or name list holds no value; other commands that read Secrets are read whole.
    [["get", "secrets", "-w"], "line"],
    [["get", "secrets", "-w", "-o", "name"], "line"],
    [["events", "--for", "secret/x", "-w"], "whole"],
    [["describe", "pod", "web-1"], "whole"],
    [["get", "pods", "-o", "custom-columns=N:.metadata.name"], "whole"],
    [["not-a-verb", "--what"], "whole"],
  ] as const)("%j is cut by %s", (argv, unit) => {
    expect(streamUnit(argv)).toBe(unit);
  });
});

describe("safeCut", () => {
  const cut = (text: string) => safeCut(text, "line");

  test("line: whole lines only; a partial last line waits", () => {
    expect(cut("a\nb\npart")).toEqual({ cut: 4, holdRest: false });
    expect(cut("no newline yet")).toEqual({ cut: 0, holdRest: false });
  });

  test.each([
    ["a private key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n"],
    ["a YAML data map (kind: Secret comes after it)", "data:\n  password: aHVudGVyMg==\nkind: Secret\n"],
    ["a Secret's kind in YAML", "kind: Secret\n"],
    ["a Secret's kind in one-line JSON", '{"kind":"Secret","metadata":{}}\n'],
    ["a Secret's kind in escaped JSON", '{"msg":"{\\"kind\\":\\"Secret\\"}"}\n'],
    ["a JSON data object opened at the end of a line", '  "data": {\n    "token": "abc"\n  }\n'],
    ["a last-applied annotation", "    kubectl.kubernetes.io/last-applied-configuration: |\n      {}\n"],
    ["describe's Environment section", "    Environment:\n      API_TOKEN:  abc\n"],
    ["describe's Data section", "Data\n====\npassword:  abc\n"],
  ])("line: from %s on, the rest is held for the end", (_name, block) => {
    const before = "2026-12-02 boot\n";
    expect(cut(`${before}${block}2026-12-02 after\n`)).toEqual({ cut: before.length, holdRest: true });
  });

  test("line: lines that only look alike are not held", () => {
    const text = 'kind: Deployment\n{"data":{"a":1}}\nmetadata: x\nEnvironment: prod\n';
    expect(cut(text)).toEqual({ cut: text.length, holdRest: false });
  });

  test("line: a line is judged only once complete", () => {
    expect(cut("ok\ndata:")).toEqual({ cut: 3, holdRest: false });
  });

  test("json: after a closing brace at column 0", () => {
    const one = '{\n  "kind": "Pod",\n  "spec": {\n  }\n}\n';
    expect(safeCut(one + '{\n  "kind"', "json")).toEqual({ cut: one.length, holdRest: false });
    expect(safeCut('{\n  "kind": "Pod"', "json")).toEqual({ cut: 0, holdRest: false });
  });

  test("json: after each compact document (kubectl's --output-watch-events), never inside one", () => {
    const events = '{"type":"ADDED","object":{"kind":"Secret","data":{"k":"[REDACTED]"}}}\n{"type":"MODIFIED","object":{}}\n';
    expect(safeCut(`${events}{"type":"DELETED","obj`, "json")).toEqual({ cut: events.length, holdRest: false });
    expect(safeCut('{"type":"ADDED","object":{"kind":"Secret"', "json")).toEqual({ cut: 0, holdRest: false });
  });

  test("yaml: before the last document separator", () => {
    const one = "apiVersion: v1\nkind: Pod\n";
    expect(safeCut(`${one}---\napiVersion: v1\n`, "yaml")).toEqual({ cut: one.length, holdRest: false });
    expect(safeCut(one, "yaml")).toEqual({ cut: 0, holdRest: false });
  });

  test("whole: never", () => {
    expect(safeCut("a\nb\n", "whole")).toEqual({ cut: 0, holdRest: true });
  });

  test("holding costs nothing per write: a held megabyte of log lines streams in linear time", async () => {
    const posted: string[] = [];
    const streamer = outputStreamer({ unit: "line", redact: async (text) => ({ text }), post: async (c) => (posted.push(c.data), true), stop: () => {}, flushMs: 1, maxPostChars: 1 << 20 });
    streamer.push("-----BEGIN PRIVATE KEY-----\n");
    const started = performance.now();
    for (let i = 0; i < 20_000; i++) streamer.push(`2026-12-02T10:00:00Z line ${i} ${"x".repeat(40)}\n`);
    // Each push is O(1) once held: 20,000 pushes of a growing megabyte take milliseconds, not minutes.
    expect(performance.now() - started).toBeLessThan(2_000);
    await streamer.finish();
    expect(posted.join("")).toContain("line 19999");
  });
});

/** Streams `raw` through the real streamer and redact-secrets, fed in `pieces`; returns what was posted. */
async function streamThrough(argv: string[], pieces: string[]): Promise<{ posted: OutputChunk[]; output: string }> {
  const pipeline = createPipeline([redactSecrets()], "agent");
  const ctx = { argv, clusterId: "c", requestedBy: "t" };
  const base: Result = { commandId: "x", clusterId: "c", status: "success", exitCode: 0, output: "", truncated: false, durationMs: 0, executedAt: 0, agentId: "a" };
  const posted: OutputChunk[] = [];
  const streamer = outputStreamer({
    unit: streamUnit(argv),
    redact: async (text) => ({ text: (await pipeline.after(ctx, { ...base, output: text })).output }),
    post: async (chunk) => (posted.push(chunk), true),
    stop: () => {
      throw new Error("not stopped in this test");
    },
    flushMs: 1,
    maxPostChars: 64,
  });
  for (const p of pieces) {
    streamer.push(p);
    await new Promise((r) => setTimeout(r, 0));
  }
  const { output } = await streamer.finish();
  return { posted, output };
}

/** Splits `text` at the given (sorted, deduplicated) positions. */
const splitAt = (text: string, cuts: number[]) => {
  const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  return [0, ...at].map((from, i) => text.slice(from, [...at, text.length][i]));
};

const SECRET_LOGS = [
  // A private key dumped into a log.
  "2026-12-02T10:00:00Z loading key\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\nZmFrZWtleWJvZHlmYWtla2V5Ym9keQ==\n-----END PRIVATE KEY-----\n2026-12-02T10:00:01Z ready\n",
  // A Secret manifest printed by a tool in the pod (yaml key order puts data before kind).
  "2026-12-02T10:00:00Z applying:\napiVersion: v1\ndata:\n  db-password: c3VwZXJzZWNyZXRwYXNzd29yZA==\nkind: Secret\nmetadata:\n  name: db\n2026-12-02T10:00:01Z applied\n",
  // Pretty-printed JSON of a Secret.
  '2026-12-02T10:00:00Z dump\n{\n  "kind": "Secret",\n  "data": {\n    "api-token": "dG9rZW4tdmFsdWUtMTIzNDU2Nzg5MA=="\n  }\n}\n2026-12-02T10:00:01Z done\n',
  // Header and URL credentials, one per line.
  "2026-12-02T10:00:00Z GET / Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123456789\n2026-12-02T10:00:01Z connecting postgres://app:hunter2hunter2@db:5432/app\n",
  // describe-style sections printed by a tool in the pod (read by their headers).
  "2026-12-02T10:00:00Z pod spec:\n    Environment:\n      SENTRY_DSN:  https://9f2c1e7b@o1.ingest.sentry.io/42\n      SIGNING_SALT:  pZ8rT1xQsaltvalue\n2026-12-02T10:00:01Z ok\n",
  "Name:  db\nData\n====\nca.bundle:  s3cr3t-bundle-value-xyz\n\n2026-12-02T10:00:01Z ok\n",
  // A Secret manifest with a log line between data and kind.
  "data:\n  db.conf: c2VjcmV0LXZhbHVlLWRiY29uZg==\nI1202 10:00:00 other goroutine\nkind: Secret\nx\n",
  // One-line JSON logs: the Secret's kind on an earlier line than its data.
  '{"msg":"apply","kind":"Secret"}\n{"data": {"db.conf": "anNvbi1zZWNyZXQtdmFsdWU="}}\nx\n',
];
const SECRETS = [
  "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7",
  "ZmFrZWtleWJvZHlmYWtla2V5Ym9keQ==",
  "c3VwZXJzZWNyZXRwYXNzd29yZA==",
  "dG9rZW4tdmFsdWUtMTIzNDU2Nzg5MA==",
  "abcdefghijklmnopqrstuvwxyz0123456789",
  "hunter2hunter2",
  "9f2c1e7b",
  "pZ8rT1xQsaltvalue",
  "s3cr3t-bundle-value-xyz",
  "c2VjcmV0LXZhbHVlLWRiY29uZg==",
  "anNvbi1zZWNyZXQtdmFsdWU=",
];

/** The ground truth: the whole output redacted at once, as a command that is not streamed. */
const redactedWhole = async (argv: string[], raw: string) =>
  (await createPipeline([redactSecrets()], "agent").after({ argv, clusterId: "c", requestedBy: "t" }, { commandId: "x", clusterId: "c", status: "success", exitCode: 0, output: raw, truncated: false, durationMs: 0, executedAt: 0, agentId: "a" })).output;

describe("outputStreamer with redact-secrets", () => {
  test("every secret-bearing log redacted whole leaks nothing (the ground truth the stream is held to)", async () => {
    for (const raw of SECRET_LOGS) {
      const whole = await redactedWhole(["logs", "-f", "app"], raw);
      for (const s of SECRETS) expect({ raw: raw.slice(0, 40), leaked: whole.includes(s) ? s : null }).toEqual({ raw: raw.slice(0, 40), leaked: null });
    }
  });

  test("however kubectl's writes split the output, the stream is the whole output redacted at once", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...SECRET_LOGS), fc.array(fc.nat(), { maxLength: 12 }), async (raw, cuts) => {
        const { posted, output } = await streamThrough(["logs", "-f", "app"], splitAt(raw, cuts));
        const sent = posted.map((c) => c.data).join("");
        expect(sent).toBe(output);
        for (const s of SECRETS) expect(sent).not.toContain(s);
        // Nothing is lost or masked differently.
        expect(sent).toBe(await redactedWhole(["logs", "-f", "app"], raw));
      }),
      { numRuns: 300 },
    );
  });

  test("chunks are posted in order with seq 0, 1, 2... and at most maxPostChars each", async () => {
    const raw = Array.from({ length: 40 }, (_, i) => `line ${i} ${"x".repeat(i)}\n`).join("");
    const { posted, output } = await streamThrough(["logs", "-f", "app"], splitAt(raw, [7, 100, 333, 334, 900]));
    expect(posted.map((c) => c.seq)).toEqual(posted.map((_, i) => i));
    expect(posted.every((c) => c.data.length <= 64)).toBe(true);
    expect(output).toBe(raw);
  });

  /** A line streamer whose posts answer `active` and whose redaction is `redact`; feeds two writes 20 ms apart. */
  async function twoWrites(first: string, second: string, active: boolean, redact: (text: string) => { text: string } | { failed: Result }) {
    let stopped = 0;
    const posted: string[] = [];
    const streamer = outputStreamer({ unit: "line", redact: async (t) => redact(t), post: async (c) => (posted.push(c.data), active), stop: () => stopped++, flushMs: 1, maxPostChars: 1000 });
    streamer.push(first);
    await new Promise((r) => setTimeout(r, 20));
    streamer.push(second);
    return { end: await streamer.finish(), stopped, posted };
  }

  test("a post answered 'stop' stops the command and nothing more is posted", async () => {
    const { stopped, posted } = await twoWrites("one\n", "two\n", false, (text) => ({ text }));
    expect(stopped).toBe(1);
    expect(posted).toEqual(["one\n"]);
  });

  test("a policy that fails on a piece withholds it, stops the command and reports the failure", async () => {
    const failure: Result = { commandId: "x", clusterId: "c", status: "failure", exitCode: null, output: "", code: "POLICY_FAILED", truncated: false, durationMs: 0, executedAt: 0, agentId: "a" };
    const { end, stopped, posted } = await twoWrites("good\n", "bad\nlater\n", true, (text) => (text.includes("bad") ? { failed: failure } : { text }));
    expect(end.failed).toEqual(failure);
    expect(stopped).toBe(1);
    expect(posted.join("")).toBe("good\n");
  });
});
