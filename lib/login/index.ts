/**
 * Human login, the one door (docs/login.md): console users with argon2id
 * passwords and roles, the session cookie and its CSRF rule, OIDC sign-in,
 * and the function every route calls to learn who a request is.
 */
export { OIDC_COOKIE, SESSION_COOKIE } from "./cookies.ts";
export { loginRoutes, type LoginRoutes } from "./http.ts";
export { mappedRole, oidcLogin, type OidcLogin } from "./oidc.ts";
export type { OidcOptions } from "./service.ts";
export {
  ARGON2_PARAMS,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  USERNAME_PATTERN,
  checkPassword,
  checkUsername,
  hashPassword,
  passwordProblem,
  verifyPassword,
} from "./passwords.ts";
export { CSRF_HEADER, LOGIN_DEFAULTS, isSameOrigin, loginService, type LoginOptions, type LoginRateLimit, type LoginService, type SessionView, type SignIn } from "./service.ts";
export { userService, userView, type CreateUserInput, type UserService, type UserView } from "./users.ts";

import type { CoreContext } from "../context.ts";
import { loginRoutes } from "./http.ts";
import { oidcLogin } from "./oidc.ts";
import { loginService, type LoginOptions } from "./service.ts";
import { userService } from "./users.ts";

/** Everything human login needs for one instance: the services and their routes. */
export function createLogin(ctx: CoreContext, options: LoginOptions = {}) {
  const login = loginService(ctx, options);
  const oidc = oidcLogin(ctx, login);
  const users = userService(ctx);
  return { login, oidc, users, routes: loginRoutes(login, oidc, users), authenticate: login.authenticate };
}

/** Human login of one instance. */
export type Login = ReturnType<typeof createLogin>;
