/**
 * The signed-in person: `GET /ui/session` at start, `POST /ui/login` and
 * `POST /ui/logout`, and whether single sign-on is offered. The session
 * lives in the HttpOnly cookie the server sets; the page only keeps the
 * CSRF token it is told, in memory.
 */
import { createContext } from "preact";
import { ApiError, request, setCsrfToken } from "./api.ts";
import type { SessionInfo } from "./types.ts";

/** What the pages read: the session (null before sign-in) and a way to change it. */
export interface SessionState {
  session: SessionInfo | null;
  setSession(s: SessionInfo | null): void;
}

/** The session, for every page. */
export const SessionContext = createContext<SessionState>({ session: null, setSession: () => {} });

/** How a person may sign in: SSO is offered only when the server says so. */
export interface LoginOptions {
  /** Where "Sign in with SSO" goes; null: no SSO. */
  ssoUrl: string | null;
}

/**
 * True when a server answer says OpenID Connect sign-in is configured. Read
 * loosely (`oidc: true`, `oidc_enabled: true`, `oidc: {enabled: true}`,
 * `sso: true`) since `/ui/session`'s 401 body and `/ui/config` may name it
 * either way.
 */
export function offersSso(body: unknown): boolean {
  if (!body || typeof body !== "object") return false;
  const b = body as Record<string, unknown>;
  const flag = (v: unknown) => v === true || (typeof v === "object" && v !== null && (v as { enabled?: unknown }).enabled === true);
  return flag(b.oidc) || flag(b.sso) || b.oidc_enabled === true || b.sso_enabled === true || flag((b.details as Record<string, unknown> | undefined)?.oidc);
}

/** The current session, or null (with what the 401 said about sign-in). */
export async function loadSession(): Promise<{ session: SessionInfo | null; sso: boolean }> {
  try {
    const { data } = await request<SessionInfo>("GET", "/ui/session", { quiet401: true });
    setCsrfToken(data.csrf_token);
    return { session: data, sso: false };
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return { session: null, sso: offersSso(e.body) };
    throw e;
  }
}

let config: Promise<boolean> | null = null;

/** Whether SSO is offered: from the 401 already seen, else `GET /ui/config` (asked once per page load; absent: no SSO). */
export async function loadLoginOptions(knownSso: boolean): Promise<LoginOptions> {
  config ??= request<unknown>("GET", "/ui/config", { quiet401: true }).then((r) => offersSso(r.data), () => false);
  return { ssoUrl: knownSso || (await config) ? "/ui/oidc/login" : null };
}

/** Signs in; throws ApiError (401 for a wrong name or password). */
export async function login(username: string, password: string): Promise<SessionInfo> {
  const { data } = await request<SessionInfo>("POST", "/ui/login", { body: { username, password }, quiet401: true });
  setCsrfToken(data.csrf_token);
  return data;
}

/** Signs out (the cookie is cleared by the server); never throws. */
export async function logout(): Promise<void> {
  await request("POST", "/ui/logout", { quiet401: true }).catch(() => {});
  setCsrfToken(null);
}
