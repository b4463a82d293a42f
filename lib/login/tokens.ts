/**
 * What the cookies carry, signed with HS256 (jose): the session (who, which
 * role at sign-in, a `jti` for sign-out, when it ends) and an OIDC login's
 * state. Keys are derived (HKDF-SHA256) per purpose from one secret, so a
 * token of one kind is never accepted as another, and the CSRF token is an
 * HMAC of the session's `jti`: the server recomputes it from the cookie and
 * needs to store nothing.
 */
import { createHmac, hkdfSync, randomUUID, timingSafeEqual } from "node:crypto";
import { SignJWT, jwtVerify } from "jose";
import type { UserRole } from "../contracts.ts";

const ISSUER = "kubently";
const SESSION_AUDIENCE = "kubently-console";
const OIDC_AUDIENCE = "kubently-oidc-state";

/** The keys of one instance, each for one purpose. */
export interface TokenKeys {
  session: Uint8Array;
  csrf: Uint8Array;
  oidc: Uint8Array;
}

/** The purposes keys are derived for (HKDF info). */
export const KEY_PURPOSES = { session: "kubently-session-jwt-v1", csrf: "kubently-csrf-v1", oidc: "kubently-oidc-state-v1" } as const;

/** Keys derived from a configured `sessionSecret` (HKDF-SHA256 with a fixed salt). */
export function keysFromSecret(secret: string): TokenKeys {
  const derive = (purpose: string) => new Uint8Array(hkdfSync("sha256", Buffer.from(secret, "utf8"), "kubently-session-secret", purpose, 32));
  return { session: derive(KEY_PURPOSES.session), csrf: derive(KEY_PURPOSES.csrf), oidc: derive(KEY_PURPOSES.oidc) };
}

/** Keys derived by a function of the purpose (the command signer's `deriveKey`). */
export const keysFrom = (derive: (purpose: string) => Uint8Array): TokenKeys => ({
  session: derive(KEY_PURPOSES.session),
  csrf: derive(KEY_PURPOSES.csrf),
  oidc: derive(KEY_PURPOSES.oidc),
});

/** A verified session token's claims. */
export interface SessionClaims {
  /** The user name. */
  sub: string;
  /** The role at sign-in (informational: each request reads the user's current role). */
  role: UserRole;
  jti: string;
  /** Epoch ms it was issued. */
  issuedAt: number;
  /** Epoch ms it ends. */
  expiresAt: number;
  /** The user record's `createdAt`: a session outlives neither its user nor a re-created user of the same name. */
  userCreatedAt: number;
  /** How the user signed in. */
  method: "password" | "oidc";
}

/** Signs a new session for `ttlMs`. */
export async function issueSession(key: Uint8Array, s: Omit<SessionClaims, "jti" | "issuedAt" | "expiresAt">, ttlMs: number): Promise<{ token: string; claims: SessionClaims }> {
  const issuedAt = Date.now();
  // Whole seconds, as the token's `exp` says it.
  const claims: SessionClaims = { ...s, jti: randomUUID(), issuedAt, expiresAt: Math.floor((issuedAt + ttlMs) / 1000) * 1000 };
  const token = await new SignJWT({ role: s.role, t: issuedAt, uc: s.userCreatedAt, amr: [s.method] })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(ISSUER)
    .setAudience(SESSION_AUDIENCE)
    .setSubject(s.sub)
    .setJti(claims.jti)
    .setIssuedAt(Math.floor(issuedAt / 1000))
    .setExpirationTime(claims.expiresAt / 1000)
    .sign(key);
  return { token, claims };
}

/** The session's claims when `token` is a valid, unexpired session signed with `key`; else null. */
export async function verifySession(key: Uint8Array, token: string): Promise<SessionClaims | null> {
  if (token.length > 4096) return null;
  try {
    const { payload } = await jwtVerify(token, key, { issuer: ISSUER, audience: SESSION_AUDIENCE, algorithms: ["HS256"], requiredClaims: ["sub", "jti", "exp", "iat"] });
    const { sub, jti, exp, role, t, uc, amr } = payload as Record<string, unknown>;
    if (typeof sub !== "string" || typeof jti !== "string" || typeof exp !== "number" || typeof t !== "number" || typeof uc !== "number") return null;
    if (role !== "admin" && role !== "operator" && role !== "viewer") return null;
    const method = Array.isArray(amr) && amr[0] === "oidc" ? "oidc" : "password";
    return { sub, role, jti, issuedAt: t, expiresAt: exp * 1000, userCreatedAt: uc, method };
  } catch {
    return null;
  }
}

/** The CSRF token of a session: HMAC-SHA256 of its `jti`, base64url. */
export const csrfToken = (key: Uint8Array, jti: string): string => createHmac("sha256", key).update(`csrf:${jti}`).digest("base64url");

/** True when `presented` is the session's CSRF token, compared in constant time. */
export function csrfMatches(key: Uint8Array, jti: string, presented: string | null): boolean {
  if (!presented) return false;
  const expected = Buffer.from(csrfToken(key, jti));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** An OIDC login between the redirect to the provider and its callback. */
export interface OidcState {
  state: string;
  nonce: string;
  verifier: string;
  redirectUri: string;
}

/** Signs an OIDC login's state for `ttlMs`. */
export const signOidcState = (key: Uint8Array, s: OidcState, ttlMs: number): Promise<string> =>
  new SignJWT({ ...s })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(ISSUER)
    .setAudience(OIDC_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor((Date.now() + ttlMs) / 1000))
    .sign(key);

/** The OIDC login's state when `token` is valid and unexpired; else null. */
export async function verifyOidcState(key: Uint8Array, token: string | null): Promise<OidcState | null> {
  if (!token || token.length > 4096) return null;
  try {
    const { payload } = await jwtVerify(token, key, { issuer: ISSUER, audience: OIDC_AUDIENCE, algorithms: ["HS256"] });
    const { state, nonce, verifier, redirectUri } = payload as Record<string, unknown>;
    if (typeof state !== "string" || typeof nonce !== "string" || typeof verifier !== "string" || typeof redirectUri !== "string") return null;
    return { state, nonce, verifier, redirectUri };
  } catch {
    return null;
  }
}
