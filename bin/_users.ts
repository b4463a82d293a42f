/**
 * `kubently user`: the console's users (docs/login.md) through the admin API
 * (`/admin/users`), like `kubently key`. Passwords come from stdin
 * (`--password-stdin`) or a prompt on the terminal with echo off, never
 * from a flag (it would show in `ps` and shell history); a weak one is
 * refused before it is sent.
 */
import { passwordProblem } from "../lib/login/passwords.ts";
import { CONNECTION_USAGE, EXIT, UsageError, noMore, print, printJsonOk, request, required, table, type CliVerb, type VerbInput } from "./_cli.ts";

const seg = encodeURIComponent;

interface UserJson {
  username: string;
  role: string;
  disabled: boolean;
  has_password: boolean;
  oidc: boolean;
  created_at: string;
  updated_at: string | null;
  last_login_at: string | null;
}

const USER_USAGE = `Usage: kubently user SUBCOMMAND [flags]    (admin key)

  add NAME --role ROLE [--password-stdin | --no-password] [--json]
                  a console user; ROLE is admin, operator or viewer. The password
                  is read from stdin with --password-stdin, else prompted for on the
                  terminal (twice, not echoed); at least 12 characters. --no-password
                  makes a user who signs in through OIDC only.
  list [--json]   every user: NAME, ROLE, SIGN-IN (password, oidc), DISABLED, LAST LOGIN
  passwd NAME [--password-stdin]
                  set a new password; the user's open sessions end
  set NAME [--role ROLE] [--disable | --enable]
                  change the role, or disable (sessions stop at once) / enable
  remove NAME     delete the user; their sessions stop at once

${CONNECTION_USAGE}`;

/** Reads all of stdin; one trailing newline (what echo and a here-string add) is dropped. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

/** One line typed on the terminal with echo off (Enter ends it, Backspace edits, Ctrl-C or Ctrl-D gives up). */
function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    let value = "";
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      process.stderr.write("\n");
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (data: Buffer) => {
      for (const ch of data.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return done();
        if (ch === "\u0003" || ch === "\u0004") return done(new UsageError("no password given"));
        if (ch === "\u007f" || ch === "\b") value = [...value].slice(0, -1).join("");
        else if (ch >= " ") value += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on("data", onData);
  });
}

/** The password for `username`: stdin with --password-stdin, else the terminal (typed twice); refused when weak. */
async function passwordFor(username: string, flags: VerbInput["flags"]): Promise<string> {
  let password: string;
  if (flags["password-stdin"]) password = await readStdin();
  else if (process.stdin.isTTY) {
    password = await promptHidden(`Password for ${username}: `);
    const again = await promptHidden("Again: ");
    if (again !== password) throw new UsageError("the passwords do not match");
  } else throw new UsageError("no terminal to prompt for the password on: pipe it in with --password-stdin");
  const problem = passwordProblem(password, username);
  if (problem) throw new UsageError(`refusing a weak password: ${problem}`);
  return password;
}

const ROLES = ["admin", "operator", "viewer"];
const roleFlag = (flags: VerbInput["flags"], needed: boolean): string | undefined => {
  const role = flags.role;
  if (role === undefined) {
    if (needed) throw new UsageError("user add needs --role (admin, operator or viewer)");
    return undefined;
  }
  if (typeof role !== "string" || !ROLES.includes(role)) throw new UsageError(`--role must be admin, operator or viewer, not "${String(role)}"`);
  return role;
};

/** `kubently user add | list | passwd | set | remove`. */
export const user: CliVerb = {
  summary: "console users (admin)",
  usage: USER_USAGE,
  flags: {
    role: { type: "string" },
    "password-stdin": { type: "boolean" },
    "no-password": { type: "boolean" },
    disable: { type: "boolean" },
    enable: { type: "boolean" },
    json: { type: "boolean" },
  },
  async run(input) {
    const [sub, ...rest] = input.args;
    const args = [...rest, ...input.rest];
    const { config, flags } = input;
    const subs: Record<string, () => Promise<number>> = {
      async add() {
        const name = required(args, 0, "the user's name (kubently user add NAME --role viewer)", "user");
        noMore(args, 1, "user");
        const role = roleFlag(flags, true);
        if (flags["no-password"] && flags["password-stdin"]) throw new UsageError("--no-password and --password-stdin do not go together");
        const password = flags["no-password"] ? undefined : await passwordFor(name, flags);
        const created = await request<UserJson>(config, "POST", "/admin/users", { username: name, role, ...(password !== undefined ? { password } : {}) });
        if (flags.json) return printJsonOk(created);
        await print(`created user ${created.username} (role ${created.role}${created.has_password ? "" : ", OIDC sign-in only"})`);
        return EXIT.ok;
      },
      async list() {
        noMore(args, 0, "user");
        const { users } = await request<{ users: UserJson[] }>(config, "GET", "/admin/users");
        if (flags.json) return printJsonOk({ users });
        const signIn = (u: UserJson) => [u.has_password ? "password" : "", u.oidc ? "oidc" : ""].filter(Boolean).join(",") || "-";
        await print(table(["NAME", "ROLE", "SIGN-IN", "DISABLED", "CREATED", "LAST LOGIN"], users.map((u) => [u.username, u.role, signIn(u), u.disabled ? "yes" : "no", u.created_at, u.last_login_at ?? "never"])));
        return EXIT.ok;
      },
      async passwd() {
        const name = required(args, 0, "the user's name (kubently user passwd NAME)", "user");
        noMore(args, 1, "user");
        const password = await passwordFor(name, flags);
        await request(config, "POST", `/admin/users/${seg(name)}/password`, { password });
        await print(`set a new password for ${name}; their open sessions have ended`);
        return EXIT.ok;
      },
      async set() {
        const name = required(args, 0, "the user's name (kubently user set NAME --role R | --disable | --enable)", "user");
        noMore(args, 1, "user");
        if (flags.disable && flags.enable) throw new UsageError("--disable and --enable do not go together");
        const role = roleFlag(flags, false);
        const disabled = flags.disable ? true : flags.enable ? false : undefined;
        if (role === undefined && disabled === undefined) throw new UsageError("user set needs --role, --disable or --enable");
        const u = await request<UserJson>(config, "PATCH", `/admin/users/${seg(name)}`, { ...(role ? { role } : {}), ...(disabled !== undefined ? { disabled } : {}) });
        if (flags.json) return printJsonOk(u);
        await print(`user ${u.username}: role ${u.role}${u.disabled ? ", disabled" : ""}`);
        return EXIT.ok;
      },
      async remove() {
        const name = required(args, 0, "the user's name (kubently user remove NAME)", "user");
        noMore(args, 1, "user");
        await request(config, "DELETE", `/admin/users/${seg(name)}`);
        await print(`removed user ${name}`);
        return EXIT.ok;
      },
    };
    if (!sub) throw new UsageError(`missing the subcommand: kubently user ${Object.keys(subs).join("|")} (see kubently user --help)`);
    const run = subs[sub];
    if (!run) throw new UsageError(`unknown subcommand "${sub}" for kubently user (${Object.keys(subs).join(", ")})`);
    return run();
  },
};
