/**
 * Sign-in through an OpenID Connect provider (docs/login.md#oidc) with
 * openid-client: the authorization code flow with PKCE, its state, nonce and
 * verifier kept in a short-lived signed cookie between the redirect and the
 * callback. The ID token's issuer, audience, nonce and expiry are checked by
 * openid-client; the user's role comes from a claim (`roleMap`), else the
 * user record's, else `defaultRole`, else the sign-in is refused.
 * openid-client is imported on the first OIDC sign-in.
 */
import type { UserRecord, UserRole } from "../contracts.ts";
import { KubentlyError } from "../errors.ts";
import { OIDC_COOKIE, readCookie, serializeCookie } from "./cookies.ts";
import { USERNAME_PATTERN } from "./passwords.ts";
import type { LoginService, OidcOptions, SignIn } from "./service.ts";
import { signOidcState, verifyOidcState } from "./tokens.ts";
import { requireUsers } from "./users.ts";
import type { CoreContext } from "../context.ts";


/** How long a started OIDC sign-in may take. */
const STATE_TTL_MS = 10 * 60_000;
const STRENGTH: Record<UserRole, number> = { viewer: 1, operator: 2, admin: 3 };
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

type OpenIdClient = typeof import("openid-client");

/** The role `roleMap` gives the claim's values (the strongest), or null. */
export function mappedRole(claim: unknown, roleMap: Record<string, UserRole> = {}): UserRole | null {
  const values = typeof claim === "string" ? [claim] : Array.isArray(claim) ? claim.filter((c): c is string => typeof c === "string") : [];
  let best: UserRole | null = null;
  for (const v of values) {
    const role = Object.hasOwn(roleMap, v) ? roleMap[v]! : null;
    if (role && (!best || STRENGTH[role] > STRENGTH[best])) best = role;
  }
  return best;
}

/** OIDC sign-in for one instance; `enabled` is false without `login.oidc`. */
export function oidcLogin(ctx: CoreContext, login: LoginService) {
  const options = login.oidc;
  let config: Promise<{ client: OpenIdClient; config: import("openid-client").Configuration }> | undefined;

  /** The provider's configuration, discovered once (a failed discovery is tried again on the next sign-in). */
  const discovered = () =>
    (config ??= (async () => {
      const o = options!;
      const client = await import("openid-client");
      const issuer = new URL(o.issuer);
      const insecure = issuer.protocol === "http:" && LOOPBACK.has(issuer.hostname);
      if (issuer.protocol !== "https:" && !insecure) throw new KubentlyError("VALIDATION_FAILED", "oidc.issuer must be an https URL (http only on loopback, for tests)");
      const c = await client.discovery(issuer, o.clientId, o.clientSecret, o.clientSecret ? undefined : client.None(), {
        ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
        timeout: 10,
      });
      return { client, config: c };
    })().catch((e: unknown) => {
      config = undefined;
      throw new KubentlyError("BACKEND_UNAVAILABLE", `the OIDC provider ${options!.issuer} could not be discovered: ${(e as Error).message}`, { cause: e });
    }));

  const required = () => {
    if (!options) throw new KubentlyError("NOT_FOUND", "OIDC sign-in is not configured (login.oidc)");
    requireUsers(ctx.backend.users);
    return options;
  };

  /** The callback URL: configured, else this request's origin (a proxy's X-Forwarded-Proto/-Host honoured). */
  const redirectUri = (request: Request, o: OidcOptions): string => {
    if (o.redirectUrl) return o.redirectUrl;
    const proto = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() === "https" ? "https" : "http";
    const host = request.headers.get("x-forwarded-host")?.split(",")[0]?.trim() || request.headers.get("host") || "localhost";
    return `${proto}://${host}/ui/oidc/callback`;
  };

  const stateCookie = (request: Request, value: string, maxAge: number) =>
    // Lax, not Strict: it must come back on the provider's cross-site redirect to the callback.
    serializeCookie(OIDC_COOKIE, value, { maxAge, secure: login.secure(request), sameSite: "Lax", path: "/ui/oidc" });

  const refuse = async (who: string, reason: string): Promise<never> => {
    await login.auditFailure(who, `oidc: ${reason}`);
    throw new KubentlyError("UNAUTHENTICATED", `OIDC sign-in failed: ${reason}`);
  };

  /** The user record for the provider's claims: made, bound or updated; refused when it cannot be. */
  async function resolveUser(claims: Record<string, unknown>, o: OidcOptions): Promise<UserRecord> {
    const users = requireUsers(ctx.backend.users);
    const sub = typeof claims.sub === "string" ? claims.sub : "";
    const claimName = o.usernameClaim ?? (typeof claims.preferred_username === "string" ? "preferred_username" : "email");
    const raw = claims[claimName];
    const username = typeof raw === "string" ? raw.trim().toLowerCase() : "";
    if (!sub || !USERNAME_PATTERN.test(username)) return refuse(sub ? `sub ${sub.slice(0, 64)}` : "(no sub)", `the ${claimName} claim is not a valid user name`);
    if (claimName === "email" && claims.email_verified === false) return refuse(username, "the email address is not verified");
    const existing = await users.get(username);
    if (existing?.oidcSubject !== undefined && existing.oidcSubject !== sub) return refuse(username, "the user name belongs to another OIDC subject");
    // A password user is never taken over by a provider account of the same name; a password-less one made by an admin is bound.
    if (existing && existing.oidcSubject === undefined && existing.passwordHash !== undefined) return refuse(username, "a local user with a password has this name");
    if (existing?.disabled) return refuse(username, "the user is disabled");
    const role = mappedRole(claims[o.roleClaim ?? "groups"], o.roleMap) ?? existing?.role ?? o.defaultRole;
    if (!role) return refuse(username, `no role: the ${o.roleClaim ?? "groups"} claim maps to none and there is no defaultRole`);
    const now = Date.now();
    if (!existing) {
      const user: UserRecord = { username, role, oidcSubject: sub, createdAt: now };
      if (await users.create(user)) {
        await ctx.backend.audit.append({ at: now, eventType: "user.created", identity: username, role, reason: `user ${username} (${role}) by OIDC sign-in` });
        return user;
      }
      return resolveUser(claims, o); // created meanwhile by another sign-in: check it again
    }
    const updated = await users.update(username, { role, oidcSubject: sub, updatedAt: now });
    if (!updated) return refuse(username, "the user was deleted meanwhile");
    if (existing.role !== role) await ctx.backend.audit.append({ at: now, eventType: "user.updated", identity: username, role, reason: `user ${username}: role ${existing.role} -> ${role} by OIDC sign-in` });
    return updated;
  }

  return {
    get enabled(): boolean {
      return options !== undefined;
    },

    /** `GET /ui/oidc/login`: where to send the browser, and the state cookie. */
    async start(request: Request): Promise<{ location: string; cookie: string }> {
      const o = required();
      const { client, config: c } = await discovered();
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const redirect = redirectUri(request, o);
      const url = client.buildAuthorizationUrl(c, {
        redirect_uri: redirect,
        scope: (o.scopes ?? ["openid", "profile", "email"]).join(" "),
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
        state,
        nonce,
      });
      const token = await signOidcState(login.tokenKeys().oidc, { state, nonce, verifier, redirectUri: redirect }, STATE_TTL_MS);
      return { location: url.href, cookie: stateCookie(request, token, STATE_TTL_MS / 1000) };
    },

    /**
     * `GET /ui/oidc/callback`: exchanges the code (PKCE, state and nonce
     * checked), resolves the user and starts the session. The state cookie
     * is cleared whatever happens.
     */
    async callback(request: Request): Promise<SignIn & { clearState: string }> {
      const o = required();
      const clearState = stateCookie(request, "", 0);
      const pending = await verifyOidcState(login.tokenKeys().oidc, readCookie(request.headers, OIDC_COOKIE));
      const query = new URL(request.url).searchParams;
      if (!pending) return refuse("(unknown)", "no sign-in in progress in this browser, or it took over 10 minutes: start again");
      const error = query.get("error");
      if (error) return refuse("(unknown)", `the provider answered ${error.slice(0, 64)}${query.get("error_description") ? `: ${query.get("error_description")!.slice(0, 200)}` : ""}`);
      const { client, config: c } = await discovered();
      const current = new URL(pending.redirectUri);
      current.search = query.toString();
      let claims: Record<string, unknown>;
      try {
        const tokens = await client.authorizationCodeGrant(c, current, { pkceCodeVerifier: pending.verifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true });
        claims = { ...(tokens.claims() ?? {}) };
        const roleClaim = o.roleClaim ?? "groups";
        // Providers often leave groups and names out of the ID token: ask the userinfo endpoint then.
        if ((claims[roleClaim] === undefined || claims[o.usernameClaim ?? "preferred_username"] === undefined) && tokens.access_token && c.serverMetadata().userinfo_endpoint) {
          const info = await client.fetchUserInfo(c, tokens.access_token, claims.sub as string);
          claims = { ...info, ...claims, ...(claims[roleClaim] === undefined && info[roleClaim] !== undefined ? { [roleClaim]: info[roleClaim] } : {}) };
        }
      } catch (e) {
        return refuse("(unknown)", (e as Error).message.slice(0, 200));
      }
      const user = await resolveUser(claims, o);
      return { ...(await login.startSession(request, user, "oidc")), clearState };
    },
  };
}

/** The OIDC sign-in type. */
export type OidcLogin = ReturnType<typeof oidcLogin>;
