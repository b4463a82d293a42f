/**
 * Admin management of console users: create (with a password, or none for
 * a user who signs in through OIDC), list, change role or disable, set a
 * password, delete. Only admins; every change is audited. Password hashes
 * never leave this module's callers' stores: views leave them out.
 */
import type { CoreContext } from "../context.ts";
import type { UserPatch, UserRecord, UserRole, UserStore } from "../contracts.ts";
import { KubentlyError } from "../errors.ts";
import { requireRole } from "../identity.ts";
import type { Identity } from "../schemas.ts";
import { checkPassword, checkUsername, hashPassword } from "./passwords.ts";

/** A user as listed: never the password hash. */
export interface UserView {
  username: string;
  role: UserRole;
  disabled: boolean;
  /** The user can sign in with a password. */
  hasPassword: boolean;
  /** The user signs in through OIDC. */
  oidc: boolean;
  createdAt: number;
  updatedAt?: number;
  lastLoginAt?: number;
}

/** The view of a record. */
export const userView = (u: UserRecord): UserView => ({
  username: u.username,
  role: u.role,
  disabled: u.disabled === true,
  hasPassword: u.passwordHash !== undefined,
  oidc: u.oidcSubject !== undefined,
  createdAt: u.createdAt,
  ...(u.updatedAt !== undefined ? { updatedAt: u.updatedAt } : {}),
  ...(u.lastLoginAt !== undefined ? { lastLoginAt: u.lastLoginAt } : {}),
});

/** What creating a user takes. */
export interface CreateUserInput {
  username: string;
  role: UserRole;
  /** Absent: the user can sign in only through OIDC (the first OIDC login of that name binds its subject). */
  password?: string;
}

/** Throws `NOT_FOUND` (404) when the backend keeps no users. */
export function requireUsers(store: UserStore | undefined): UserStore {
  if (!store) throw new KubentlyError("NOT_FOUND", "console users are not available: the backend keeps no users (Backend.users)");
  return store;
}

const notFound = (username: string) => new KubentlyError("NOT_FOUND", `no user ${username.slice(0, 64)}`);

/** User administration for one Kubently instance. */
export function userService(ctx: CoreContext) {
  const { audit } = ctx.backend;
  const store = () => requireUsers(ctx.backend.users);
  const record = (identity: Identity, eventType: string, reason: string) =>
    audit.append({ at: Date.now(), eventType, identity: identity.name, role: identity.role, reason });

  return {
    /** Creates a user; `CONFLICT` when the name exists. */
    async create(identity: Identity, input: CreateUserInput): Promise<UserView> {
      requireRole(identity, ["admin"], "manage users");
      const users = store();
      checkUsername(input.username);
      if (input.password !== undefined) checkPassword(input.password, input.username);
      const user: UserRecord = {
        username: input.username,
        role: input.role,
        createdAt: Date.now(),
        ...(input.password !== undefined ? { passwordHash: await hashPassword(input.password) } : {}),
      };
      if (!(await users.create(user))) throw new KubentlyError("CONFLICT", `user ${input.username} already exists`);
      await record(identity, "user.created", `user ${user.username} (${user.role}${user.passwordHash ? "" : ", no password"})`);
      return userView(user);
    },

    async list(identity: Identity): Promise<UserView[]> {
      requireRole(identity, ["admin"], "manage users");
      return (await store().list()).map(userView);
    },

    /** Changes the role or disables/enables; a disabled user's sessions stop at their next request. */
    async update(identity: Identity, username: string, patch: { role?: UserRole; disabled?: boolean }): Promise<UserView> {
      requireRole(identity, ["admin"], "manage users");
      const users = store();
      const before = await users.get(username);
      if (!before) throw notFound(username);
      const change: UserPatch = { updatedAt: Date.now(), ...(patch.role ? { role: patch.role } : {}), ...(patch.disabled !== undefined ? { disabled: patch.disabled } : {}) };
      const after = await users.update(username, change);
      if (!after) throw notFound(username);
      const what = [
        ...(patch.role && patch.role !== before.role ? [`role ${before.role} -> ${patch.role}`] : []),
        ...(patch.disabled !== undefined && patch.disabled !== (before.disabled === true) ? [patch.disabled ? "disabled" : "enabled"] : []),
      ];
      await record(identity, "user.updated", `user ${username}: ${what.length ? what.join(", ") : "no change"}`);
      return userView(after);
    },

    /** Sets a new password; the user's open sessions end. */
    async setPassword(identity: Identity, username: string, password: string): Promise<void> {
      requireRole(identity, ["admin"], "manage users");
      const users = store();
      if (!(await users.get(username))) throw notFound(username);
      checkPassword(password, username);
      const now = Date.now();
      if (!(await users.update(username, { passwordHash: await hashPassword(password), sessionsNotBefore: now, updatedAt: now }))) throw notFound(username);
      await record(identity, "user.password.changed", `user ${username}`);
    },

    /** Deletes a user; their sessions stop at their next request. */
    async remove(identity: Identity, username: string): Promise<void> {
      requireRole(identity, ["admin"], "manage users");
      if (!(await store().delete(username))) throw notFound(username);
      await record(identity, "user.deleted", `user ${username}`);
    },
  };
}

/** The user service type. */
export type UserService = ReturnType<typeof userService>;
