/**
 * The two cookies of the console: the session (`kubently_session`) and, for
 * an OIDC login in progress, its state (`kubently_oidc`). Both hold a JWT
 * (base64url and dots), so values need no encoding.
 */

/** The session cookie's name. */
export const SESSION_COOKIE = "kubently_session";
/** The cookie that carries an OIDC login's state, nonce and PKCE verifier between the redirect and the callback. */
export const OIDC_COOKIE = "kubently_oidc";

/** The value of cookie `name` in the request's `Cookie` header (the first one), or null. */
export function readCookie(headers: Headers, name: string): string | null {
  const header = headers.get("cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1");
    return value === "" ? null : value;
  }
  return null;
}

/** Attributes of a cookie the API sets. */
export interface CookieAttributes {
  /** Seconds; 0 deletes the cookie. */
  maxAge: number;
  secure: boolean;
  sameSite: "Strict" | "Lax";
  /** @default "/" */
  path?: string;
}

/** A `Set-Cookie` value: always HttpOnly. */
export function serializeCookie(name: string, value: string, a: CookieAttributes): string {
  return [`${name}=${value}`, `Path=${a.path ?? "/"}`, `Max-Age=${Math.max(0, Math.floor(a.maxAge))}`, "HttpOnly", `SameSite=${a.sameSite}`, ...(a.secure ? ["Secure"] : [])].join("; ");
}
