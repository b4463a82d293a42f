/**
 * The console's pages as data: a hash route (`#/clusters/demo`) names a
 * page, its path parameters and what the signed-in role needs to see it.
 * The app shell renders the page a route names; the nav lists the routes
 * marked `nav` that the role may use. Pure: unit-tested without a DOM.
 */

/** A console role, as `GET /ui/session` answers it. */
export type Role = "admin" | "operator" | "viewer";

/** What a role may do in the console (the server checks again and refuses the rest). */
export const can = {
  /** Run commands, diagnoses and confirm commands: operators and admins. */
  execute: (role: string | null | undefined) => role === "admin" || role === "operator",
  /** Keys, agent tokens, audit chain verification: admins. */
  admin: (role: string | null | undefined) => role === "admin",
};

/** The pages, by name. */
export type PageName =
  | "login" | "clusters" | "cluster" | "feed" | "diagnose" | "audit" | "replay"
  | "terminal" | "admin-keys" | "admin-tokens" | "not-found";

/** One route. */
export interface RouteDef {
  /** A path with `:name` segments, matched against the hash without its query. */
  path: string;
  page: PageName;
  /** Shown in the nav and the document title. */
  title: string;
  /** Listed in the nav (for the roles that may use it). */
  nav?: boolean;
  /** What the role needs: absent, any signed-in user. */
  needs?: "execute" | "admin";
  /** Shown without a session (the login page). */
  public?: boolean;
}

/** Every route, in nav order. The first match wins. */
export const ROUTES: readonly RouteDef[] = [
  { path: "/login", page: "login", title: "Sign in", public: true },
  { path: "/clusters", page: "clusters", title: "Clusters", nav: true },
  { path: "/clusters/:id", page: "cluster", title: "Cluster" },
  { path: "/feed", page: "feed", title: "Live feed", nav: true },
  { path: "/diagnose", page: "diagnose", title: "Diagnose", nav: true, needs: "execute" },
  { path: "/diagnose/:id", page: "diagnose", title: "Diagnose", needs: "execute" },
  { path: "/audit", page: "audit", title: "Audit", nav: true },
  { path: "/sessions/:id", page: "replay", title: "Session replay" },
  { path: "/terminal", page: "terminal", title: "Terminal", nav: true, needs: "execute" },
  { path: "/admin/keys", page: "admin-keys", title: "API keys", nav: true, needs: "admin" },
  { path: "/admin/tokens", page: "admin-tokens", title: "Agent tokens", nav: true, needs: "admin" },
];

/** Where a signed-in user lands. */
export const HOME = "/clusters";

/** A matched route. */
export interface RouteMatch {
  route: RouteDef;
  params: Record<string, string>;
  query: URLSearchParams;
}

const NOT_FOUND: RouteDef = { path: "", page: "not-found", title: "Not found" };

/**
 * Matches a location hash (`#/clusters/demo?x=1`, `#/`, or empty) against
 * {@link ROUTES}. An empty hash or `#/` is {@link HOME}; no match is the
 * not-found page. Parameters are percent-decoded; one that is not valid
 * percent-encoding makes the route not match.
 */
export function matchRoute(hash: string): RouteMatch {
  const raw = hash.replace(/^#/, "");
  const q = raw.indexOf("?");
  let path = q < 0 ? raw : raw.slice(0, q);
  const query = new URLSearchParams(q < 0 ? "" : raw.slice(q + 1));
  if (path === "" || path === "/") path = HOME;
  const segments = path.replace(/\/+$/, "").split("/");
  for (const route of ROUTES) {
    const pattern = route.path.split("/");
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pattern.length && ok; i++) {
      const p = pattern[i]!;
      const s = segments[i]!;
      if (p.startsWith(":")) {
        try {
          params[p.slice(1)] = decodeURIComponent(s);
        } catch {
          ok = false;
        }
        ok &&= s !== "";
      } else ok = p === s;
    }
    if (ok) return { route, params, query };
  }
  return { route: NOT_FOUND, params: {}, query };
}

/** True when `role` may open `route` (public routes: anyone). */
export function allowed(route: RouteDef, role: string | null | undefined): boolean {
  if (route.public) return true;
  if (!role) return false;
  if (route.needs === "admin") return can.admin(role);
  if (route.needs === "execute") return can.execute(role);
  return true;
}

/** The nav entries `role` may use, in order. */
export const navFor = (role: string | null | undefined): RouteDef[] => ROUTES.filter((r) => r.nav && allowed(r, role));

/**
 * A hash link: `href("/clusters/", id)` percent-encodes every part after the
 * first, so a cluster id can never change the route; `query` entries with
 * an empty or undefined value are left out.
 */
export function href(base: string, ...rest: (string | Record<string, string | undefined>)[]): string {
  let path = base;
  let query = "";
  for (const part of rest) {
    if (typeof part === "string") path += encodeURIComponent(part);
    else {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(part)) if (v !== undefined && v !== "") q.set(k, v);
      const s = q.toString();
      if (s) query = `?${s}`;
    }
  }
  return `#${path}${query}`;
}
