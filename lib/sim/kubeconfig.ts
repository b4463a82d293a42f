/**
 * Kubeconfig files for a simulated cluster: one cluster, user and context,
 * all named `kubently-sim`, namespace `default`.
 */
import { Buffer } from "node:buffer";

/** The user credential a kubeconfig carries. */
export type SimCredentials =
  | { token: string }
  | {
      /** PEM client certificate; kube-apiserver takes the user from its CN and groups from its O. */
      clientCertificate: string;
      /** PEM private key of `clientCertificate`. */
      clientKey: string;
    };

/** Options of {@link simKubeconfig} and of `SimCluster.kubeconfig()`. */
export interface SimKubeconfigOptions {
  /**
   * Credential of the user; `null` writes a user with none (an anonymous
   * client; note that kubectl then prompts for a username on a 401, so run it
   * with stdin closed). @default the cluster's first accepted token, or the dummy token
   * `kubently-sim-token` when the cluster has no auth
   */
  credentials?: SimCredentials | null;
}

/** Inputs of {@link simKubeconfig}. */
export interface SimKubeconfigInput extends SimKubeconfigOptions {
  /** PEM CA written as `certificate-authority-data`; for `https://` servers. @default undefined */
  certificateAuthority?: string;
}

/** The token kubeconfigs carry when the cluster has no auth, which accepts anything. */
export const DUMMY_TOKEN = "kubently-sim-token";

const b64 = (pem: string) => Buffer.from(pem, "utf8").toString("base64");
// Tokens are usually plain; anything else is written as a double-quoted (JSON) string, which YAML reads back verbatim.
const scalar = (s: string) => (/^[A-Za-z0-9._~+/=-]+$/.test(s) ? s : JSON.stringify(s));

/**
 * Kubeconfig YAML for a simulated cluster at `server`. Without options the text
 * is the historical one (a dummy token, no CA), byte for byte.
 */
export function simKubeconfig(server: string, input: SimKubeconfigInput = {}): string {
  const credentials = input.credentials === undefined ? { token: DUMMY_TOKEN } : input.credentials;
  const user: string[] = [];
  if (credentials === null) user.push("  user: {}");
  else if ("token" in credentials) user.push("  user:", `    token: ${scalar(credentials.token)}`);
  else user.push("  user:", `    client-certificate-data: ${b64(credentials.clientCertificate)}`, `    client-key-data: ${b64(credentials.clientKey)}`);
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: kubently-sim",
    "  cluster:",
    ...(input.certificateAuthority ? [`    certificate-authority-data: ${b64(input.certificateAuthority)}`] : []),
    `    server: ${server}`,
    "contexts:",
    "- name: kubently-sim",
    "  context:",
    "    cluster: kubently-sim",
    "    user: kubently-sim",
    "    namespace: default",
    "current-context: kubently-sim",
    "preferences: {}",
    "users:",
    "- name: kubently-sim",
    ...user,
    "",
  ].join("\n");
}
