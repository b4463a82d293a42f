/**
 * `#/login`: name and password to `POST /ui/login`, and "Sign in with SSO"
 * (to `/ui/oidc/login`) when the server offers it. On success the page the
 * person asked for (`?next=`) opens.
 */
import { useContext, useEffect, useState } from "preact/hooks";
import { apiBase } from "../ui/api.ts";
import { ErrorBox } from "../ui/components.tsx";
import { HOME } from "../ui/routes.ts";
import { SessionContext, loadLoginOptions, login } from "../ui/session.ts";

/** A `next` that is a console route (`/...`, never `//host`, never the login page itself); anything else is home. */
export const safeNext = (next: string | null): string => (next && /^\/(?!\/)[\w\-./:%?=&~]*$/.test(next) && !/^\/login\b/.test(next) ? next : HOME);

export function LoginPage({ sso }: { sso: boolean }) {
  const { setSession } = useContext(SessionContext);
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [ssoUrl, setSsoUrl] = useState<string | null>(null);
  useEffect(() => {
    loadLoginOptions(sso).then((o) => setSsoUrl(o.ssoUrl));
  }, [sso]);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const s = await login(username, password);
      setPassword("");
      // The shell sees the session and opens `?next=` (or home).
      setSession(s);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="login">
      <h1>Kubently</h1>
      <p class="muted">Read-only Kubernetes debugging. Sign in to continue.</p>
      <form data-testid="login-form" onSubmit={submit}>
        <label>
          Username
          <input data-testid="login-username" name="username" autocomplete="username" required value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
        </label>
        <label>
          Password
          <input data-testid="login-password" name="password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        <button type="submit" class="primary" data-testid="login-submit" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
      </form>
      {error ? <div data-testid="login-error"><ErrorBox error={error} /></div> : null}
      {ssoUrl ? (
        <p>
          <a class="button" data-testid="login-sso" href={apiBase() + ssoUrl}>Sign in with SSO</a>
        </p>
      ) : null}
    </div>
  );
}
