/**
 * The console shell: the session, the hash router and the nav. Routes are
 * data (ui/routes.ts); this maps each page name to its component and keeps
 * people without a session on the login page and roles away from pages
 * they may not use (the server refuses those calls anyway).
 */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { onUnauthenticated } from "./ui/api.ts";
import { ErrorBox, Loading } from "./ui/components.tsx";
import { allowed, href, matchRoute, navFor, type PageName, type RouteMatch } from "./ui/routes.ts";
import { SessionContext, loadSession, logout } from "./ui/session.ts";
import type { SessionInfo } from "./ui/types.ts";
import { AdminKeysPage } from "./pages/admin-keys.tsx";
import { AdminTokensPage } from "./pages/admin-tokens.tsx";
import { AuditPage } from "./pages/audit.tsx";
import { ClusterPage, ClustersPage } from "./pages/clusters.tsx";
import { DiagnosePage } from "./pages/diagnose.tsx";
import { FeedPage } from "./pages/feed.tsx";
import { LoginPage, safeNext } from "./pages/login.tsx";
import { ReplayPage } from "./pages/replay.tsx";
import { TerminalPage } from "./pages/terminal.tsx";

/** What a page component receives. */
interface PageProps {
  params: Record<string, string>;
  query: URLSearchParams;
}

const PAGES: Record<Exclude<PageName, "login">, (p: PageProps) => ComponentChildren> = {
  clusters: () => <ClustersPage />,
  cluster: (p) => <ClusterPage params={p.params} />,
  feed: (p) => <FeedPage query={p.query} />,
  diagnose: (p) => <DiagnosePage params={p.params} query={p.query} />,
  audit: (p) => <AuditPage query={p.query} />,
  replay: (p) => <ReplayPage params={p.params} />,
  terminal: (p) => <TerminalPage query={p.query} />,
  "admin-keys": () => <AdminKeysPage />,
  "admin-tokens": () => <AdminTokensPage />,
  "not-found": () => (
    <section data-testid="not-found">
      <h1>Not found</h1>
      <p>There is no such page. <a href={href("/clusters")}>Clusters</a></p>
    </section>
  ),
};

/** The current hash without its `#`, for `?next=`. */
const here = () => location.hash.replace(/^#/, "") || "/";

export function App() {
  const [match, setMatch] = useState<RouteMatch>(() => matchRoute(location.hash));
  const [session, setSession] = useState<SessionInfo | null>(null);
  const [ready, setReady] = useState(false);
  const [sso, setSso] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const onHash = () => setMatch(matchRoute(location.hash));
    addEventListener("hashchange", onHash);
    const off = onUnauthenticated(() => setSession(null));
    loadSession().then(
      (s) => {
        setSession(s.session);
        setSso(s.sso);
        setReady(true);
      },
      (e) => {
        setError(e);
        setReady(true);
      },
    );
    return () => {
      removeEventListener("hashchange", onHash);
      off();
    };
  }, []);
  const { route } = match;
  const needsLogin = ready && !session && !route.public;
  useEffect(() => {
    // Checked against the live hash: a sign-out may have moved it already, before hashchange re-rendered.
    if (needsLogin && matchRoute(location.hash).route.page !== "login") location.hash = href("/login", { next: here() === "/" ? undefined : here() });
    else if (ready && session && route.page === "login") location.hash = `#${safeNext(match.query.get("next"))}`;
  }, [needsLogin, ready, session, route.page]);
  useEffect(() => {
    document.title = `${route.title} · Kubently`;
  }, [route.title]);
  const signOut = async () => {
    await logout();
    location.hash = "#/login";
    setSession(null);
  };
  let body: ComponentChildren;
  if (!ready) body = <Loading />;
  else if (error && !session) body = <ErrorBox error={error} />;
  else if (route.page === "login") body = session ? <Loading /> : <LoginPage sso={sso} />;
  else if (!session) body = <Loading />;
  else if (!allowed(route, session.role)) {
    body = (
      <section data-testid="forbidden">
        <h1>Not for your role</h1>
        <p>{`${route.title} needs ${route.needs === "admin" ? "the admin" : "an operator or admin"} role; you are signed in as ${session.role}.`}</p>
      </section>
    );
  } else body = PAGES[route.page](match);
  const nav = navFor(session?.role);
  return (
    <SessionContext.Provider value={{ session, setSession }}>
      {session ? (
        <header class="top">
          <a class="brand" href={href("/clusters")}>Kubently</a>
          <nav data-testid="nav">
            {nav.filter((r) => r.needs !== "admin").map((r) => (
              <a key={r.path} href={href(r.path)} data-testid="nav-link" data-route={r.path} class={route.path.split("/")[1] === r.path.split("/")[1] ? "active" : ""}>{r.title}</a>
            ))}
            {nav.some((r) => r.needs === "admin") ? (
              <span class="admin-nav" data-testid="admin-nav">
                {nav.filter((r) => r.needs === "admin").map((r) => (
                  <a key={r.path} href={href(r.path)} data-testid="nav-link" data-route={r.path} class={route.path === r.path ? "active" : ""}>{r.title}</a>
                ))}
              </span>
            ) : null}
          </nav>
          <span class="who" data-testid="session-user" data-role={session.role}>
            {session.username} <span class="muted">({session.role})</span>
          </span>
          <button type="button" class="link" data-testid="logout" onClick={signOut}>Sign out</button>
        </header>
      ) : null}
      <main>{body}</main>
    </SessionContext.Provider>
  );
}
