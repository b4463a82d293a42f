/**
 * Authentication of the simulated cluster, opt-in. Like kube-apiserver's union
 * authenticator, a request passes when any configured method accepts it: a
 * client certificate signed by the client CA, or a bearer token from the list.
 * Everything else (no credential, a wrong token, a certificate from another
 * CA) is refused with kube-apiserver's 401 Status, which kubectl prints as
 * "You must be logged in to the server (Unauthorized)".
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import { type KubeStatus, statusFailure } from "./_k8s.ts";

/** Who may call a simulated cluster. */
export interface SimAuthOptions {
  /** Bearer tokens accepted in `Authorization: Bearer <token>`. @default [] */
  tokens?: string[];
  /**
   * PEM CA certificate(s); a client certificate signed by one of them is
   * accepted. Needs `tls`: the server asks for a certificate but lets the TLS
   * handshake finish without one, so a missing or foreign certificate gets a
   * Kubernetes 401 Status instead of a TLS alert. @default undefined (no client certificates)
   */
  clientCa?: string;
}

/** kube-apiserver's answer to an unauthenticated request. */
export const UNAUTHORIZED: KubeStatus = statusFailure(401, "Unauthorized", "Unauthorized");

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * Returns a predicate telling whether a request is authenticated under
 * `auth`; without `auth` every request is (the dummy-token default).
 */
export function createAuthenticator(auth: SimAuthOptions | undefined): (req: IncomingMessage) => boolean {
  if (!auth) return () => true;
  // Compared as digests in constant time, so response timing reveals nothing of the tokens.
  const tokens = (auth.tokens ?? []).filter((t) => t !== "").map(digest);
  const certificates = auth.clientCa !== undefined;
  return (req) => {
    // socket.authorized is set by the TLS layer against `ca` (the client CA); Bun and Node both report it.
    if (certificates && (req.socket as TLSSocket).authorized === true) return true;
    const m = (req.headers.authorization ?? "").match(/^Bearer\s+(\S+)\s*$/i);
    if (!m?.[1]) return false;
    const got = digest(m[1]);
    return tokens.some((t) => timingSafeEqual(t, got));
  };
}
