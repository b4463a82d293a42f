/**
 * The login routes' HTTP side (docs/rest-api.md#console-login): bodies
 * parsed with valibot, services called, answers shaped in snake_case with
 * the cookies they set. lib/http/app.ts mounts these; each is
 * `(request) => Promise<Response>` after authentication where it needs one.
 */
import * as v from "valibot";
import { parseBody } from "../wire/bodies.ts";
import { LIMITS } from "../limits.ts";
import type { Identity } from "../schemas.ts";
import { jsonResponse, readJsonBody } from "../wire/http.ts";
import type { OidcLogin } from "./oidc.ts";
import { PASSWORD_MAX_LENGTH } from "./passwords.ts";
import type { LoginService, SessionView } from "./service.ts";
import type { UserService, UserView } from "./users.ts";

const role = v.picklist(["admin", "operator", "viewer"]);
/** Long enough for any password the policy accepts, in UTF-8 bytes' worth of characters. */
const password = v.pipe(v.string(), v.maxLength(PASSWORD_MAX_LENGTH * 4));

/** `POST /ui/login`. */
export const LoginBody = v.object({ username: v.pipe(v.string(), v.minLength(1), v.maxLength(256)), password });
/** `POST /ui/logout`: no body, or an empty object. */
export const LogoutBody = v.optional(v.strictObject({}));
/** `POST /admin/users`. */
export const CreateUserBody = v.object({ username: v.pipe(v.string(), v.maxLength(256)), role, password: v.optional(password) });
/** `POST /admin/users/{username}/password`. */
export const PasswordBody = v.object({ password });
/** `PATCH /admin/users/{username}`. */
export const UpdateUserBody = v.pipe(
  v.strictObject({ role: v.optional(role), disabled: v.optional(v.boolean()) }),
  v.check((b) => b.role !== undefined || b.disabled !== undefined, "give role or disabled"),
);

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** A user on the wire. */
export const userJson = (u: UserView) => ({
  username: u.username,
  role: u.role,
  disabled: u.disabled,
  has_password: u.hasPassword,
  oidc: u.oidc,
  created_at: iso(u.createdAt),
  updated_at: iso(u.updatedAt),
  last_login_at: iso(u.lastLoginAt),
});

/** A session on the wire. */
export const sessionJson = (s: SessionView) => ({ username: s.username, role: s.role, csrf_token: s.csrfToken, expires_at: new Date(s.expiresAt).toISOString() });

/** Nothing the browser or a proxy may keep. */
const NO_STORE = { "cache-control": "no-store" };

const body = (request: Request) => readJsonBody(request, LIMITS.maxBodyBytes);

/** The console's routes over the login and user services. */
export function loginRoutes(login: LoginService, oidc: OidcLogin, users: UserService) {
  return {
    /** `POST /ui/login`. */
    async login(request: Request): Promise<Response> {
      const input = parseBody(LoginBody, await body(request));
      const s = await login.login(request, input);
      return jsonResponse(200, sessionJson(s), { ...NO_STORE, "set-cookie": s.cookie });
    },
    /** `POST /ui/logout`: 204, the cookie cleared. */
    async logout(request: Request): Promise<Response> {
      parseBody(LogoutBody, await body(request));
      const { cookie } = await login.logout(request);
      return new Response(null, { status: 204, headers: { "set-cookie": cookie } });
    },
    /** `GET /ui/config`: what the login page may offer, public (no credential): whether SSO (OIDC) sign-in is configured. */
    config(): Response {
      return jsonResponse(200, { oidc: login.oidc !== undefined }, NO_STORE);
    },
    /** `GET /ui/session`. */
    async session(request: Request): Promise<Response> {
      return jsonResponse(200, sessionJson(await login.session(request)), NO_STORE);
    },
    /** `GET /ui/oidc/login`: a redirect to the provider. */
    async oidcLogin(request: Request): Promise<Response> {
      const { location, cookie } = await oidc.start(request);
      return new Response(null, { status: 302, headers: { location, "set-cookie": cookie, ...NO_STORE } });
    },
    /**
     * `GET /ui/oidc/callback`: signs in, then sends the browser on to `/ui`
     * from a page of this origin. A redirect would carry on the provider's
     * cross-site navigation, on which browsers do not send a SameSite=Strict
     * cookie; the page's own navigation is same-site.
     */
    async oidcCallback(request: Request): Promise<Response> {
      const s = await oidc.callback(request);
      const headers = new Headers({ "content-type": "text/html; charset=utf-8", ...NO_STORE, "content-security-policy": "default-src 'none'" });
      headers.append("set-cookie", s.cookie);
      headers.append("set-cookie", s.clearState);
      const html = `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=/ui"><title>Signed in</title><p>Signed in. <a href="/ui">Continue to the console</a></p>`;
      return new Response(html, { status: 200, headers });
    },

    /** `POST /admin/users` (201). */
    async createUser(identity: Identity, request: Request): Promise<Response> {
      const input = parseBody(CreateUserBody, await body(request));
      const u = await users.create(identity, { username: input.username, role: input.role, ...(input.password !== undefined ? { password: input.password } : {}) });
      return jsonResponse(201, userJson(u));
    },
    /** `GET /admin/users`. */
    async listUsers(identity: Identity): Promise<Response> {
      return jsonResponse(200, { users: (await users.list(identity)).map(userJson) });
    },
    /** `PATCH /admin/users/{username}`. */
    async updateUser(identity: Identity, username: string, request: Request): Promise<Response> {
      const input = parseBody(UpdateUserBody, await body(request));
      return jsonResponse(200, userJson(await users.update(identity, username, input)));
    },
    /** `POST /admin/users/{username}/password` (204). */
    async setPassword(identity: Identity, username: string, request: Request): Promise<Response> {
      const input = parseBody(PasswordBody, await body(request));
      await users.setPassword(identity, username, input.password);
      return new Response(null, { status: 204 });
    },
    /** `DELETE /admin/users/{username}` (204). */
    async deleteUser(identity: Identity, username: string): Promise<Response> {
      await users.remove(identity, username);
      return new Response(null, { status: 204 });
    },
  };
}

/** The login routes type. */
export type LoginRoutes = ReturnType<typeof loginRoutes>;
