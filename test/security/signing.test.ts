/**
 * Property: every field of a command envelope that decides what runs, where
 * and until when is covered by its signature. The table is derived from
 * `CommandSchema`'s keys, so a field added to the envelope is tampered with
 * here automatically and fails until it is signed or listed in UNSIGNED with
 * a reason.
 *
 * Pins issue 19, bug 1: `clusterId` left out of the signed payload let a
 * command signed for `c1` and relabelled `c2` run on `c2`.
 */
import { describe, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { CommandSchema, type Command } from "../../lib/schemas.ts";
import { createSigner, createVerifier, generateSigningKeyPem, signedPayload } from "../../lib/signing.ts";
import { runOnAgent } from "./_agent.ts";

/** Fields the signature deliberately leaves out, and why changing them cannot make an agent run something else. */
const UNSIGNED: Record<string, string> = {
  signature: "the signature itself",
  sessionId: "bookkeeping on the API side; the agent runs the same argv in the same cluster whatever it says",
  requestedBy: "audit and agent-side policy context; not an access decision (the API decided before signing)",
  onBehalfOf: "recorded, never used for access",
  correlationId: "ties log lines together; decides nothing",
  createdAt: "informational; `deadline` bounds when the command may run",
  stream: "a delivery hint the agent bounds by its own output cap (see CommandSchema)",
  traceparent: "the trace the agent's spans join (docs/operations.md, Tracing); chooses no behaviour",
  tracestate: "vendor data of the same trace context; chooses no behaviour",
};

const PEM = generateSigningKeyPem();
const signer = createSigner(PEM);
const verifier = createVerifier([signer.publicKeyPem]);

/** A command with every optional field set, signed. */
function envelope(): Command {
  const c: Command = {
    id: "cmd-1",
    clusterId: "c1",
    sessionId: "s-1",
    argv: ["get", "pods", "-n", "shop"],
    timeoutMs: 5_000,
    deadline: 1_900_000_000_000,
    requestedBy: "svc:tester",
    onBehalfOf: "alice",
    correlationId: "corr-1",
    createdAt: 1_899_999_990_000,
    stream: { maxBytes: 1024 },
    traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    tracestate: "vendor=value",
  };
  return { ...c, signature: signer.sign(c) };
}

/** Ways to change a value of the field's type so it still passes the schema. */
function tamperings(value: unknown): unknown[] {
  if (typeof value === "string") return [`${value}x`, value.slice(1), ""].filter((v) => v !== value);
  if (typeof value === "number") return [value + 1, value - 1, value * 2];
  if (Array.isArray(value)) return [[...value, "-A"], value.slice(0, -1), [...value].reverse(), [value.join(" ")]];
  throw new Error(`no tampering defined for ${typeof value}: add one so the field is covered`);
}

const FIELDS = Object.keys(CommandSchema.entries);
const SIGNED = FIELDS.filter((f) => !(f in UNSIGNED));

test("every CommandSchema field is either signed or listed as unsigned with a reason", () => {
  expect(SIGNED.sort()).toEqual(["argv", "clusterId", "deadline", "id", "timeoutMs"]);
  for (const f of Object.keys(UNSIGNED)) expect(FIELDS).toContain(f);
  // The fixture sets every field, so the table below tampers with every signed one.
  expect(Object.keys(envelope()).sort()).toEqual([...FIELDS].sort());
});

describe("createVerifier(keys).check(command)", () => {
  test("accepts the command exactly as signed", () => {
    expect(verifier.check(envelope())).toBeNull();
  });

  for (const field of SIGNED) {
    test(`rejects the command when ${field} changed after signing`, () => {
      const original = envelope();
      for (const changed of tamperings(original[field as keyof Command])) {
        const forged = { ...original, [field]: changed } as Command;
        expect({ field, changed, problem: verifier.check(forged) }).toEqual({ field, changed, problem: "the command's signature does not match its content" });
      }
    });
  }

  test("rejects an unsigned command", () => {
    const { signature: _signature, ...unsigned } = envelope();
    expect(verifier.check(unsigned)).toBe("the command is not signed");
  });

  test("rejects a signature by a key it does not trust, naming the key id", () => {
    const foreign = createSigner();
    const c = envelope();
    expect(verifier.check({ ...c, signature: foreign.sign(c) })).toBe(`the command is signed with an unknown key (${foreign.keyId})`);
  });

  test("rejects a trusted key id with no signature after it", () => {
    const c = envelope();
    expect(verifier.check({ ...c, signature: `${signer.keyId}:` })).toBe(`the command is signed with an unknown key (${signer.keyId})`);
    expect(verifier.check({ ...c, signature: signer.keyId })).toBe(`the command is signed with an unknown key (${signer.keyId})`);
  });

  test("cuts a long unknown key id to 16 characters in the reason", () => {
    const c = envelope();
    expect(verifier.check({ ...c, signature: `${"k".repeat(40)}:AAAA` })).toBe(`the command is signed with an unknown key (${"k".repeat(16)})`);
  });

  test("rejects a signature over other bytes", () => {
    const c = envelope();
    const other = signer.sign({ ...c, id: "cmd-2" });
    expect(verifier.check({ ...c, signature: other })).toBe("the command's signature does not match its content");
  });

  test("accepts any of several keys (rotation)", () => {
    const old = createSigner();
    const both = createVerifier([old.publicKeyPem, signer.publicKeyPem]);
    const c = envelope();
    expect(both.check(c)).toBeNull();
    expect(both.check({ ...c, signature: old.sign(c) })).toBeNull();
  });
});

describe("signedPayload(command)", () => {
  test("encodes the version tag and the signed fields unambiguously, in a fixed order", () => {
    const c = envelope();
    expect(signedPayload(c).toString()).toBe('["kubently-command-v1","cmd-1","c1",["get","pods","-n","shop"],1900000000000,5000]');
    // Splitting one argument in two is a different payload.
    expect(signedPayload({ ...c, argv: ["get pods"] }).equals(signedPayload({ ...c, argv: ["get", "pods"] }))).toBe(false);
  });
});

describe("createSigner(pem)", () => {
  test("signs as keyId:base64url and derives the same key id and public key from the same PEM", () => {
    const again = createSigner(PEM);
    expect(again.keyId).toBe(signer.keyId);
    expect(again.publicKeyPem).toBe(signer.publicKeyPem);
    expect(signer.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(signer.publicKeyPem).toStartWith("-----BEGIN PUBLIC KEY-----");
    const c = envelope();
    expect(c.signature).toMatch(new RegExp(`^${signer.keyId}:[A-Za-z0-9_-]{86}$`));
    // Ed25519 is deterministic: the same command signs the same.
    expect(again.sign(c)).toBe(c.signature!);
  });

  test("without a PEM makes a fresh key each time", () => {
    expect(createSigner().keyId).not.toBe(createSigner().keyId);
  });

  test("refuses a PEM that is not a private key, and a key that is not Ed25519", () => {
    expect(() => createSigner("not a pem")).toThrow(expect.objectContaining({ code: "VALIDATION_FAILED", message: expect.stringContaining("signing key is not a valid PEM private key: "), cause: expect.any(Error) }));
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    expect(() => createSigner(ec)).toThrow(expect.objectContaining({ code: "VALIDATION_FAILED", message: "signing key must be Ed25519" }));
  });

  test("createVerifier refuses a public key that is not Ed25519", () => {
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }).toString();
    expect(() => createVerifier([ec])).toThrow(expect.objectContaining({ code: "VALIDATION_FAILED", message: "verification key must be Ed25519" }));
  });

  test("generateSigningKeyPem returns a PKCS#8 PEM", () => {
    expect(generateSigningKeyPem()).toStartWith("-----BEGIN PRIVATE KEY-----");
  });
});

describe("the agent refuses a tampered command with SIGNATURE_INVALID", () => {
  test("a command signed for c1 and relabelled c2 is refused by c2's agent (issue 19, bug 1)", async () => {
    const c = envelope();
    const [result] = await runOnAgent("c2", [signer.publicKeyPem], [{ ...c, clusterId: "c2" }]);
    expect(result).toMatchObject({ status: "denied", code: "SIGNATURE_INVALID", output: "" });
  });

  test("every signed field changed after signing: refused, never run", async () => {
    const original = envelope();
    const forged = SIGNED.map((field) => ({ ...original, [field]: tamperings(original[field as keyof Command])[0] }) as Command);
    const results = await runOnAgent("c1", [signer.publicKeyPem], [original, ...forged]);
    expect(results[0]).toMatchObject({ status: "success", output: "get pods -n shop\n" });
    expect(results.slice(1).map((r, i) => ({ field: SIGNED[i], status: r.status, code: r.code }))).toEqual(
      SIGNED.map((field) => ({ field, status: "denied", code: "SIGNATURE_INVALID" })),
    );
  });
});
