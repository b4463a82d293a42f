/**
 * Passwords: argon2id (RFC 9106) through hash-wasm, WebAssembly with no
 * native addon, so the same code runs in the compiled binary, under Bun and
 * under Node. Hashes are PHC strings (`$argon2id$v=19$m=...`), which carry
 * their own parameters: raising the cost later keeps old hashes verifiable.
 */
import { randomBytes } from "node:crypto";
import { KubentlyError } from "../errors.ts";

/**
 * The cost: OWASP's first argon2id setting (19 MiB, 2 passes, 1 lane),
 * about 60 ms here. Every login, failed or not, pays it once.
 */
export const ARGON2_PARAMS = { memorySize: 19_456, iterations: 2, parallelism: 1, hashLength: 32 } as const;

/** Shortest password accepted. */
export const PASSWORD_MIN_LENGTH = 12;
/** Longest password accepted (characters): bounds the hashing work a request can ask for. */
export const PASSWORD_MAX_LENGTH = 1024;

/** A user name: lower-case letters, digits and `._@-`, 1 to 64, starting with a letter or digit. */
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._@-]{0,63}$/;

type HashWasm = typeof import("hash-wasm");
let wasm: Promise<HashWasm> | undefined;
/** hash-wasm, loaded on first use (its WebAssembly is compiled then), so importing the library costs nothing. */
const hashWasm = (): Promise<HashWasm> => (wasm ??= import("hash-wasm"));

/** Throws `VALIDATION_FAILED` unless `username` is a valid user name. */
export function checkUsername(username: string): void {
  if (!USERNAME_PATTERN.test(username)) {
    throw new KubentlyError("VALIDATION_FAILED", "username must be 1-64 lower-case letters, digits or ._@- starting with a letter or digit", {
      details: { fields: [{ field: "username", message: `must match ${USERNAME_PATTERN.source}` }] },
    });
  }
}

/**
 * Why `password` is too weak for `username`, or null: shorter than
 * {@link PASSWORD_MIN_LENGTH}, longer than {@link PASSWORD_MAX_LENGTH}, one
 * character repeated, or containing the user name.
 */
export function passwordProblem(password: string, username?: string): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return `the password must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `the password must be at most ${PASSWORD_MAX_LENGTH} characters`;
  if (new Set(password).size === 1) return "the password must not be one character repeated";
  if (username && password.toLowerCase().includes(username.toLowerCase())) return "the password must not contain the user name";
  return null;
}

/** Throws `VALIDATION_FAILED` naming the field when {@link passwordProblem} finds one. */
export function checkPassword(password: string, username?: string): void {
  const problem = passwordProblem(password, username);
  if (problem) throw new KubentlyError("VALIDATION_FAILED", problem, { details: { fields: [{ field: "password", message: problem }] } });
}

/** The argon2id PHC string of `password`, with a fresh 16-byte salt. */
export async function hashPassword(password: string): Promise<string> {
  const { argon2id } = await hashWasm();
  return argon2id({ password, salt: randomBytes(16), ...ARGON2_PARAMS, outputType: "encoded" });
}

/** True when `password` matches the PHC string; false for a mismatch or a hash that is not argon2id. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  if (!hash.startsWith("$argon2id$")) return false;
  const { argon2Verify } = await hashWasm();
  try {
    return await argon2Verify({ password, hash });
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/** Starts making the dummy hash (once) without waiting for it. */
export function warmDummy(): void {
  dummy ??= hashPassword(randomBytes(32).toString("base64url"));
  dummy.catch(() => (dummy = undefined));
}

/**
 * Verifies `password` against a hash nobody knows the password of: what a
 * login for an unknown, disabled or password-less user does, so its answer
 * takes as long as a real one and does not tell which names exist.
 */
export async function verifyDummy(password: string): Promise<false> {
  warmDummy();
  await verifyPassword(password, await dummy!);
  return false;
}
