/**
 * Signed commands (DESIGN.md section 7). The API signs every command it
 * queues with Ed25519 over the fields that decide what runs where and until
 * when; the agent verifies before running anything. A compromised queue
 * backend can therefore not make an agent run a command: it cannot sign.
 *
 * The private key never enters the backend's stores. Replicas that share a
 * backend must share the key (configuration); otherwise the backend's
 * `SigningKeyStore` keeps one apart from them (SQLite: a file beside the
 * database) or each start makes a fresh one (memory).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, hkdfSync, sign, verify, type KeyObject } from "node:crypto";
import { KubentlyError } from "./errors.ts";
import type { Command } from "./schemas.ts";

/** Signs commands. */
export interface CommandSigner {
  /** Short id of the key pair (sha256 of the public key, 16 hex chars). */
  keyId: string;
  /** SPKI PEM of the public key, given to agents. */
  publicKeyPem: string;
  /** Returns `keyId:signature` (base64url) for the command. */
  sign(command: Command): string;
  /**
   * A 32-byte secret for another use (the console's session cookies),
   * derived from the private key with HKDF-SHA256 and `purpose` as its info:
   * replicas that share the signing key derive the same secret, and the
   * secret tells nothing about the key.
   */
  deriveKey(purpose: string): Uint8Array;
}

/** The bytes that are signed: version, id, cluster, argv, deadline and timeout, unambiguously encoded. */
export const signedPayload = (c: Pick<Command, "id" | "clusterId" | "argv" | "deadline" | "timeoutMs">): Buffer =>
  Buffer.from(JSON.stringify(["kubently-command-v1", c.id, c.clusterId, c.argv, c.deadline, c.timeoutMs]));

const keyIdOf = (publicKey: KeyObject) =>
  createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest("hex").slice(0, 16);

/**
 * Creates a signer from a PKCS#8 PEM Ed25519 private key, or a fresh key pair
 * when none is given. Throws `VALIDATION_FAILED` for a key that is not Ed25519.
 */
export function createSigner(privateKeyPem?: string): CommandSigner {
  let privateKey: KeyObject;
  try {
    privateKey = privateKeyPem ? createPrivateKey(privateKeyPem) : generateKeyPairSync("ed25519").privateKey;
  } catch (e) {
    throw new KubentlyError("VALIDATION_FAILED", `signing key is not a valid PEM private key: ${(e as Error).message}`, { cause: e });
  }
  if (privateKey.asymmetricKeyType !== "ed25519") throw new KubentlyError("VALIDATION_FAILED", "signing key must be Ed25519");
  const publicKey = createPublicKey(privateKey);
  const keyId = keyIdOf(publicKey);
  return {
    keyId,
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    sign: (command) => `${keyId}:${sign(null, signedPayload(command), privateKey).toString("base64url")}`,
    deriveKey: (purpose) => new Uint8Array(hkdfSync("sha256", privateKey.export({ type: "pkcs8", format: "der" }), "kubently-derived-key-v1", purpose, 32)),
  };
}

/** Generates a PKCS#8 PEM Ed25519 private key (for `KUBENTLY_SIGNING_KEY`). */
export const generateSigningKeyPem = (): string =>
  generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();

/** Verifies commands against trusted public keys. */
export interface CommandVerifier {
  /** null when the signature is valid, else the reason it is not. */
  check(command: Command): string | null;
}

/** Builds a verifier from SPKI PEM public keys (several during a key rotation). */
export function createVerifier(publicKeyPems: readonly string[]): CommandVerifier {
  const keys = new Map<string, KeyObject>();
  for (const pem of publicKeyPems) {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== "ed25519") throw new KubentlyError("VALIDATION_FAILED", "verification key must be Ed25519");
    keys.set(keyIdOf(key), key);
  }
  return {
    check(command) {
      if (!command.signature) return "the command is not signed";
      const [keyId, sig] = command.signature.split(":");
      const key = keys.get(keyId ?? "");
      if (!key || !sig) return `the command is signed with an unknown key (${(keyId ?? "").slice(0, 16)})`;
      return verify(null, signedPayload(command), key, Buffer.from(sig, "base64url")) ? null : "the command's signature does not match its content";
    },
  };
}
