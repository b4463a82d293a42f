/**
 * A real OpenID Connect provider for tests: panva's oidc-provider on
 * 127.0.0.1 with one static client and the given accounts, consent granted
 * for that client, and its development login form. Plus a tiny browser
 * (fetch with a cookie jar, redirects followed by hand) that signs in
 * through Kubently's /ui/oidc routes.
 */
import { expect } from "bun:test";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

/** An account: its id is what the provider's login form takes and its `sub`. */
export type OidcAccount = Record<string, unknown>;

/** A running provider. */
export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

export { freePort } from "./_ports.ts";

/** Starts a provider whose client may redirect to `redirectUri`. */
export async function startIdp(redirectUri: string, accounts: Record<string, OidcAccount>): Promise<TestIdp> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = "kubently";
  const clientSecret = "kubently-client-secret-0123456789";
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri], grant_types: ["authorization_code"], response_types: ["code"] }],
    claims: { openid: ["sub"], profile: ["preferred_username"], email: ["email", "email_verified"], groups: ["groups"] },
    scopes: ["openid", "profile", "email", "groups"],
    cookies: { keys: ["oidc-test-cookie-key"] },
    async findAccount(_ctx, id) {
      const account = accounts[id];
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...account }) };
    },
    // Consent is granted for the test's client: the flow is login, then back to Kubently.
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope("openid profile email groups");
      grant.addOIDCClaims(["preferred_username", "email", "email_verified", "groups"]);
      await grant.save();
      return grant;
    },
  });
  server.on("request", provider.callback());
  return { issuer, clientId, clientSecret, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A browser: cookies by name; Kubently's (`kubently_*`) go to Kubently only, the provider's to the provider. */
export class TestBrowser {
  readonly jar = new Map<string, string>();
  constructor(readonly kubentlyUrl: string) {}

  private take(res: Response) {
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(";")[0]!;
      const eq = pair.indexOf("=");
      const [name, value] = [pair.slice(0, eq), pair.slice(eq + 1)];
      if (value === "" || /max-age=0/i.test(c) || /expires=Thu, 01 Jan 1970/i.test(c)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  /** One request, no redirect followed. */
  async go(target: string, init: RequestInit = {}): Promise<Response> {
    const mine = target.startsWith(this.kubentlyUrl);
    const cookie = [...this.jar].filter(([n]) => n.startsWith("kubently_") === mine).map(([n, v]) => `${n}=${v}`).join("; ");
    const res = await fetch(target, { ...init, redirect: "manual", headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) } });
    this.take(res);
    return res;
  }

  /** Follows redirects on the provider until one goes back to Kubently (the callback, answered) or a page answers. */
  async follow(start: Response, base: string): Promise<Response> {
    let res = start;
    for (let i = 0; i < 10 && res.status >= 300 && res.status < 400; i++) {
      const next = new URL(res.headers.get("location")!, base).href;
      if (next.startsWith(this.kubentlyUrl)) return this.go(next);
      res = await this.go(next);
    }
    return res;
  }

  /** The whole OIDC sign-in as `accountId`, submitting the provider's login form: the callback's answer. */
  async signIn(issuer: string, accountId: string): Promise<Response> {
    const start = await this.go(`${this.kubentlyUrl}/ui/oidc/login`);
    expect(start.status).toBe(302);
    const form = await this.follow(await this.go(start.headers.get("location")!), issuer);
    const action = (await form.text()).match(/<form[^>]*action="([^"]+)"/)?.[1];
    expect(action).toBeDefined();
    const submitted = await this.go(new URL(action!, issuer).href, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ prompt: "login", login: accountId, password: "any" }).toString(),
    });
    return this.follow(submitted, issuer);
  }
}
