/**
 * Human login (docs/login.md): who a request is (an API key or bearer
 * first, then the console's session cookie, with the CSRF rule for its
 * method), password sign-in with brute-force limits, sign-out, and the
 * session's description for the console. OIDC sign-in is in oidc.ts.
 */
import { memoryCounters } from "../../adapters/memory/index.ts";
import type { CoreContext } from "../context.ts";
import type { CounterStore, UserRecord, UserRole } from "../contracts.ts";
import { KubentlyError } from "../errors.ts";
import { presentedSecret } from "../identity.ts";
import type { Identity } from "../schemas.ts";
import { clientAddressOf } from "../wire/http.ts";
import { OIDC_COOKIE, SESSION_COOKIE, readCookie, serializeCookie } from "./cookies.ts";
import { USERNAME_PATTERN, verifyDummy, verifyPassword, warmDummy } from "./passwords.ts";
import { csrfMatches, csrfToken, issueSession, keysFrom, keysFromSecret, verifySession, type SessionClaims, type TokenKeys } from "./tokens.ts";
import { requireUsers } from "./users.ts";

/** Brute-force limits of password sign-in, each counted in a fixed window. */
/** Options of OIDC sign-in (`createKubently({ login: { oidc } })`, the config file's `oidc`). */
export interface OidcOptions {
  /** The provider's issuer URL (discovery at `<issuer>/.well-known/openid-configuration`). An `http:` issuer is accepted for tests on loopback only. */
  issuer: string;
  clientId: string;
  /** Absent: a public client (PKCE only). */
  clientSecret?: string;
  /** The callback URL registered at the provider. @default `<the request's origin>/ui/oidc/callback` (set it when mounted under a base path) */
  redirectUrl?: string;
  /** @default ["openid", "profile", "email"] */
  scopes?: string[];
  /** The claim naming the user (lower-cased; must be a valid user name). @default "preferred_username", then "email" */
  usernameClaim?: string;
  /** The claim whose values `roleMap` maps (a string or a list of strings). @default "groups" */
  roleClaim?: string;
  /** Claim value -> role, e.g. `{ "kubently-admins": "admin" }`; of several matches the strongest role wins. */
  roleMap?: Record<string, UserRole>;
  /** The role of a user whose claim maps to none and who has no record yet. Absent: such a user is refused. */
  defaultRole?: UserRole;
}

export interface LoginRateLimit {
  /** Failed sign-ins per user name per window; a successful one starts the count again. @default 5 */
  perUser?: number;
  /** Sign-ins (failed or not) per client address per window; 0 turns it off. @default 20 */
  perAddress?: number;
  /** @default 300 */
  windowSeconds?: number;
}

/** Options of human login, `createKubently({ login })`. */
export interface LoginOptions {
  /** How long a session lasts (no sliding). @default 28800 (8 hours) */
  sessionTtlSeconds?: number;
  /**
   * The secret session cookies are signed with (32 characters at least);
   * replicas must share it. Absent: derived (HKDF) from the command-signing
   * key, which replicas share already.
   */
  sessionSecret?: string;
  /** `Secure` cookies always (true), never (false), or when the request came over https (`X-Forwarded-Proto` or an https `Origin`). @default "auto" */
  secureCookies?: boolean | "auto";
  rateLimit?: LoginRateLimit;
  /**
   * Behind a reverse proxy, the header that carries the client's address
   * (`x-forwarded-for`: its last entry, the one the proxy added; `x-real-ip`).
   * Absent: the socket's peer, as Kubently's own server saw it.
   */
  clientAddressHeader?: string;
  /** Browser origins besides the request's own that may send cookie-authenticated changes (`createKubently`'s `allowedOrigins`; `*` is ignored here). */
  allowedOrigins?: readonly string[];
  /** Sign-in through an OpenID Connect provider. */
  oidc?: OidcOptions;
}

/** The defaults, for docs and tests. */
export const LOGIN_DEFAULTS = { sessionTtlSeconds: 28_800, perUser: 5, perAddress: 20, windowSeconds: 300 } as const;

/** The request header that carries the CSRF token. */
export const CSRF_HEADER = "x-csrf-token";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const INVALID = "invalid username or password";

/** A signed-in console session, as `GET /ui/session` describes it. */
export interface SessionView {
  username: string;
  role: UserRole;
  csrfToken: string;
  expiresAt: number;
}

/** What a successful sign-in answers: the session and its `Set-Cookie`. */
export interface SignIn extends SessionView {
  cookie: string;
}

/** The origin (scheme://host[:port]) of a URL, or null. */
function originOf(url: string | null): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.origin : null;
  } catch {
    return null;
  }
}

/**
 * True when the request comes from a page of this API's own origin: its
 * `Origin` (or, without one, its `Referer`) names the host the request was
 * sent to (`Host`, or `X-Forwarded-Host` set by a proxy: a browser cannot
 * send that header cross-site without a CORS preflight, which Kubently
 * never grants), or is one of `allowed`. A request with neither header is
 * not same-origin: browsers send `Origin` with every change and WebSocket.
 */
export function isSameOrigin(request: Request, allowed: readonly string[] = []): boolean {
  const origin = request.headers.get("origin");
  const from = origin !== null ? originOf(origin) : originOf(request.headers.get("referer"));
  if (!from) return false;
  if (allowed.includes(from)) return true;
  const { protocol, host } = new URL(from);
  // Read under the origin's scheme, so a default port written out (":443") compares equal to none.
  const hostOf = (authority: string): string | null => {
    try {
      return new URL(`${protocol}//${authority.trim()}`).host;
    } catch {
      return null;
    }
  };
  const own = [request.headers.get("host"), request.headers.get("x-forwarded-host")?.split(",")[0]].filter((h): h is string => !!h).map(hostOf);
  return own.includes(host);
}

/** Human login for one Kubently instance. */
export function loginService(ctx: CoreContext, options: LoginOptions = {}) {
  const ttlMs = (options.sessionTtlSeconds ?? LOGIN_DEFAULTS.sessionTtlSeconds) * 1000;
  const windowMs = (options.rateLimit?.windowSeconds ?? LOGIN_DEFAULTS.windowSeconds) * 1000;
  const perUser = options.rateLimit?.perUser ?? LOGIN_DEFAULTS.perUser;
  const perAddress = options.rateLimit?.perAddress ?? LOGIN_DEFAULTS.perAddress;
  const allowedOrigins = (options.allowedOrigins ?? []).filter((o) => o !== "*");
  if (options.sessionSecret !== undefined && options.sessionSecret.length < 32) {
    throw new KubentlyError("VALIDATION_FAILED", "sessionSecret must be at least 32 characters");
  }
  // Every built-in backend has counters; a third-party one without them gets limits in this process.
  const counters: CounterStore = ctx.backend.counters ?? memoryCounters();
  let keys: TokenKeys | undefined;
  /** The token keys, made on first use: a kept signing key is loaded by `ready()`. */
  const tokenKeys = (): TokenKeys => (keys ??= options.sessionSecret ? keysFromSecret(options.sessionSecret) : keysFrom((p) => ctx.signer.deriveKey(p)));
  const audit = (eventType: string, identity: string, extra: { role?: string; reason?: string } = {}) =>
    ctx.backend.audit.append({ at: Date.now(), eventType, identity, ...extra });

  const secure = (request: Request): boolean => {
    if (typeof options.secureCookies === "boolean") return options.secureCookies;
    const proto = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
    return proto === "https" || (request.headers.get("origin") ?? "").startsWith("https://");
  };
  const sessionCookie = (request: Request, token: string) => serializeCookie(SESSION_COOKIE, token, { maxAge: ttlMs / 1000, secure: secure(request), sameSite: "Strict" });
  const clearCookie = (request: Request) => serializeCookie(SESSION_COOKIE, "", { maxAge: 0, secure: secure(request), sameSite: "Strict" });

  const clientAddress = (request: Request): string | undefined => {
    if (options.clientAddressHeader) {
      const value = request.headers.get(options.clientAddressHeader);
      const last = value?.split(",").at(-1)?.trim();
      if (last) return last.slice(0, 64);
    }
    return clientAddressOf(request);
  };

  const unauthenticated = (message: string) => new KubentlyError("UNAUTHENTICATED", message);
  const csrfFailed = (message: string) => new KubentlyError("CSRF_FAILED", message);

  /**
   * The session behind the request's cookie and its user, or an
   * `UNAUTHENTICATED` error: a bad signature, an expired or signed-out
   * session, a deleted, re-created or disabled user, a password changed
   * since. Two backend reads, made at once.
   */
  async function currentSession(request: Request, verified?: SessionClaims): Promise<{ claims: SessionClaims; user: UserRecord }> {
    const users = ctx.backend.users;
    const token = readCookie(request.headers, SESSION_COOKIE);
    if (!users || !token) throw unauthenticated("a valid API key (X-API-Key or Authorization: Bearer) or a console session is required");
    const claims = verified ?? (await verifySession(tokenKeys().session, token));
    if (!claims) throw unauthenticated("the console session has expired or is not valid: sign in again");
    const [user, revoked] = await Promise.all([users.get(claims.sub), users.isSessionRevoked(claims.jti)]);
    if (revoked) throw unauthenticated("the console session was signed out: sign in again");
    if (!user || user.createdAt !== claims.userCreatedAt || user.disabled) throw unauthenticated("the console session's user no longer exists or is disabled");
    if (user.sessionsNotBefore !== undefined && claims.issuedAt < user.sessionsNotBefore) throw unauthenticated("the password changed since this session began: sign in again");
    return { claims, user };
  }

  /** Throws `CSRF_FAILED` unless a cookie-authenticated request may do what its method says. */
  function checkCsrf(request: Request, claims: SessionClaims): void {
    const upgrade = request.headers.get("upgrade")?.toLowerCase() === "websocket";
    if (SAFE_METHODS.has(request.method) && !upgrade) return;
    if (!isSameOrigin(request, allowedOrigins)) {
      throw csrfFailed(`a request signed in with the session cookie must come from this API's own origin (Origin ${(request.headers.get("origin") ?? "absent").slice(0, 100)})`);
    }
    if (upgrade) return;
    if (!csrfMatches(tokenKeys().csrf, claims.jti, request.headers.get(CSRF_HEADER))) {
      throw csrfFailed("a request signed in with the session cookie must carry the session's X-CSRF-Token (from POST /ui/login or GET /ui/session)");
    }
  }

  const view = (claims: SessionClaims, user: UserRecord): SessionView => ({
    username: user.username,
    role: user.role,
    csrfToken: csrfToken(tokenKeys().csrf, claims.jti),
    expiresAt: claims.expiresAt,
  });

  /** Signs `user` in: a new session, its cookie and CSRF token; the user's `lastLoginAt` is set. */
  async function startSession(request: Request, user: UserRecord, method: "password" | "oidc"): Promise<SignIn> {
    const users = requireUsers(ctx.backend.users);
    const { token, claims } = await issueSession(tokenKeys().session, { sub: user.username, role: user.role, userCreatedAt: user.createdAt, method }, ttlMs);
    await users.update(user.username, { lastLoginAt: claims.issuedAt });
    await audit("user.login", user.username, { role: user.role, reason: `${method}${clientAddress(request) ? ` from ${clientAddress(request)}` : ""}` });
    return { ...view(claims, user), cookie: sessionCookie(request, token) };
  }

  /** Counts one attempt under `key`; throws `RATE_LIMITED` with Retry-After past `limit`. */
  async function limit(key: string, max: number, what: string): Promise<void> {
    if (max <= 0) return;
    const { count, resetAt } = await counters.hit(key, windowMs);
    if (count > max) {
      const retryAfter = Math.max(1, Math.ceil((resetAt - Date.now()) / 1000));
      throw new KubentlyError("RATE_LIMITED", `too many sign-in attempts for this ${what}; try again in ${retryAfter} s`, { details: { retry_after: retryAfter } });
    }
  }

  return {
    /** True when the backend keeps users (human login is possible). */
    get enabled(): boolean {
      return ctx.backend.users !== undefined;
    },

    /**
     * Who sends the request: its API key or bearer token when it carries
     * one (a wrong one is refused, whatever cookie comes with it), else its
     * console session cookie, checked against the user record (disabled,
     * deleted, a new role: in effect at once) and, for any method but GET,
     * HEAD and OPTIONS and for a WebSocket upgrade, against CSRF
     * (`CSRF_FAILED`). `UNAUTHENTICATED` when it carries neither.
     */
    async authenticate(request: Request): Promise<Identity> {
      const secret = presentedSecret(request.headers);
      if (secret !== null || !ctx.backend.users || readCookie(request.headers, SESSION_COOKIE) === null) return ctx.authenticator.authenticate(secret);
      const token = readCookie(request.headers, SESSION_COOKIE)!;
      // The signature and CSRF first: a forged request costs no backend read.
      const claims = await verifySession(tokenKeys().session, token);
      if (!claims) throw unauthenticated("the console session has expired or is not valid: sign in again");
      checkCsrf(request, claims);
      const { user } = await currentSession(request, claims);
      return { kind: "user", name: user.username, keyId: `user:${user.username}`, role: user.role };
    },

    /** `GET /ui/session`: the signed-in session (the cookie only), or `UNAUTHENTICATED`. */
    async session(request: Request): Promise<SessionView> {
      const { claims, user } = await currentSession(request);
      return view(claims, user);
    },

    /**
     * Password sign-in. Any failure answers the same `UNAUTHENTICATED`
     * ("invalid username or password") after the same work (an unknown,
     * disabled or password-less user is checked against a dummy hash);
     * attempts are limited per user name and per client address
     * (`RATE_LIMITED` with Retry-After); a cross-origin browser request is
     * `CSRF_FAILED` (login CSRF). Every attempt is audited.
     */
    async login(request: Request, input: { username: string; password: string }): Promise<SignIn> {
      const users = requireUsers(ctx.backend.users);
      // The dummy hash is made on the first sign-in, whatever its name, so no later answer takes longer for an unknown one.
      warmDummy();
      if (request.headers.get("origin") !== null && !isSameOrigin(request, allowedOrigins)) {
        throw csrfFailed("sign-in from another origin is refused");
      }
      const username = input.username.trim().toLowerCase();
      const valid = USERNAME_PATTERN.test(username);
      const who = valid ? username : "(invalid user name)";
      const address = clientAddress(request);
      const from = address ? ` from ${address}` : "";
      const user = valid ? await users.get(username) : null;
      try {
        // A successful sign-in moves the user's count to a new key (its lastLoginAt): only failures add up.
        await limit(`login:user:${valid ? username : "-"}:${user?.lastLoginAt ?? 0}`, perUser, "user name");
        if (address) await limit(`login:addr:${address}`, perAddress, "client address");
      } catch (e) {
        await audit("user.login.failed", who, { reason: `rate limited${from}` });
        throw e;
      }
      const ok = user?.passwordHash && !user.disabled ? await verifyPassword(input.password, user.passwordHash) : await verifyDummy(input.password);
      if (!ok || !user) {
        await audit("user.login.failed", who, { reason: `${user?.disabled ? "disabled user" : "invalid username or password"}${from}` });
        throw unauthenticated(INVALID);
      }
      return startSession(request, user, "password");
    },

    /**
     * Sign-out: the session's id is revoked until it would have expired
     * (every replica refuses it from now on) and the cookie is cleared. A
     * request without a valid session just gets the cookie cleared; one
     * with a valid session must pass the CSRF rule.
     */
    async logout(request: Request): Promise<{ cookie: string }> {
      const users = ctx.backend.users;
      const token = readCookie(request.headers, SESSION_COOKIE);
      const claims = users && token ? await verifySession(tokenKeys().session, token) : null;
      if (users && claims) {
        checkCsrf(request, claims);
        await users.revokeSession(claims.jti, claims.expiresAt);
        await audit("user.logout", claims.sub, { role: claims.role });
      }
      return { cookie: clearCookie(request) };
    },

    /** For OIDC sign-in (oidc.ts): starts a session for a user it resolved. */
    startSession,
    /** For OIDC sign-in: audits a failed sign-in. */
    auditFailure: (identity: string, reason: string) => audit("user.login.failed", identity, { reason }),
    /** The keys tokens are signed with. */
    tokenKeys,
    secure,
    /** The OIDC options, when configured. */
    oidc: options.oidc,
    /** The name of the OIDC state cookie. */
    oidcCookie: OIDC_COOKIE,
  };
}

/** The login service type. */
export type LoginService = ReturnType<typeof loginService>;
