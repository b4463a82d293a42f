/**
 * `kubently manifests docker`: a Dockerfile for the image (the compiled
 * binary and kubectl, non-root, with a health check) and a compose file for
 * the API, Redis and an agent. Secrets are files under `secrets/` handed to
 * the containers as compose secrets (configuration files the binary reads
 * with `KUBENTLY_CONFIG`), never environment values or lines of the compose
 * file.
 */
import { VERSION } from "../lib/version.ts";
import { newSecret } from "../lib/_utils.ts";
import { generateSigningKeyPem } from "../lib/signing.ts";

/** Where `npm run build:bin` writes the executable, relative to the checkout (the Dockerfile copies it). */
export const BINARY_PATH = "dist/kubently";

/** The kubectl the image carries (for what the native executor does not cover). */
export const KUBECTL_VERSION = "v1.35.2";

/**
 * The health check of the API container: `GET /healthz` over bash's
 * `/dev/tcp`, since the image has no curl or wget; exit 0 only on a 200.
 */
export const HEALTH_CHECK = "exec 3<>/dev/tcp/127.0.0.1/${KUBENTLY_PORT:-8080} && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '";

/** What {@link dockerFiles} needs. */
export interface DockerOptions {
  /** The agent's cluster id (the API accepts the generated token for it). */
  clusterId: string;
  /** The image name the compose file builds and runs. */
  image: string;
  /** The build context (the checkout, holding `dist/kubently`) relative to the output directory. */
  context: string;
  /** The Dockerfile's path relative to the build context. */
  dockerfile: string;
}

/** One file to write, with its mode. */
export interface OutFile {
  content: string;
  /** @default 0o644 */
  mode?: number;
}

/** The Dockerfile, compose file and freshly generated secrets, path -> file. */
export function dockerFiles(o: DockerOptions): Record<string, OutFile> {
  const token = newSecret("kat");
  const dockerfile = `# syntax=docker/dockerfile:1
# The Kubently image (${VERSION}): the compiled binary and kubectl, run as uid 65532.
# Build it from the checkout's root after "npm run build:bin" (a Linux binary for the image's architecture):
#   docker build -f ${o.dockerfile} -t ${o.image} .
FROM debian:bookworm-slim
ARG TARGETARCH
ARG KUBECTL_VERSION=${KUBECTL_VERSION}
# CA certificates for kubectl and the agent's HTTPS; bash runs the health check.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
ADD --chmod=0755 https://dl.k8s.io/release/\${KUBECTL_VERSION}/bin/linux/\${TARGETARCH}/kubectl /usr/local/bin/kubectl
COPY --chmod=0755 ${BINARY_PATH} /usr/local/bin/kubently
USER 65532:65532
# kubectl keeps its discovery cache under HOME.
ENV HOME=/tmp
EXPOSE 8080 8000
# /healthz answers 200 while the API process serves (there is no curl: bash's /dev/tcp).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 CMD ${JSON.stringify(["bash", "-c", HEALTH_CHECK])}
ENTRYPOINT ["kubently"]
CMD ["api"]
`;
  // Compose interpolates $VAR in its files: $$ is a literal $ for bash.
  const composeHealth = HEALTH_CHECK.replaceAll("$", () => "$$");
  const hardened = `    user: "65532:65532"
    read_only: true
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true"]
    tmpfs: ["/tmp"]`;
  const compose = `# Kubently ${VERSION}: the API with Redis, and an agent for the cluster in ./kubeconfig.
# From the checkout's root, after "npm run build:bin":
#   sudo chown 65532:65532 <this directory>/secrets/*   # the containers run as uid 65532 and read them
#   docker compose -f <this directory>/compose.yaml up --build
# The admin key is in secrets/api.json (adminKey). The API listens on 127.0.0.1:8080 (REST, MCP, console), A2A on 127.0.0.1:8000.
name: kubently
services:
  redis:
    image: redis:7-alpine
    # No snapshots: queued commands and sessions are short-lived.
    command: ["redis-server", "--save", "", "--appendonly", "no"]
    user: "999:999"
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true"]
    healthcheck:
      test: ["CMD", "redis-cli", "ping"]
      interval: 5s
      timeout: 3s
      retries: 10
  api:
    image: ${o.image}
    build:
      context: ${JSON.stringify(o.context)}
      dockerfile: ${JSON.stringify(o.dockerfile)}
    command: ["api"]
${hardened}
    environment:
      KUBENTLY_BACKEND: redis
      KUBENTLY_REDIS_URL: redis://redis:6379
      # adminKey and agentTokens: a file, not environment values.
      KUBENTLY_CONFIG: /run/secrets/api_config
      KUBENTLY_SIGNING_KEY_FILE: /run/secrets/signing_key
      KUBENTLY_LOG_FORMAT: json
    secrets: [api_config, signing_key]
    ports: ["127.0.0.1:8080:8080", "127.0.0.1:8000:8000"]
    depends_on:
      redis: { condition: service_healthy }
    healthcheck:
      test: ${JSON.stringify(["CMD", "bash", "-c", composeHealth])}
      interval: 10s
      timeout: 3s
      start_period: 10s
      retries: 3
  agent:
    image: ${o.image}
    command: ["agent"]
${hardened}
    environment:
      KUBENTLY_API_URL: http://api:8080
      KUBENTLY_CLUSTER_ID: ${o.clusterId}
      # token: a file, not an environment value.
      KUBENTLY_CONFIG: /run/secrets/agent_config
      KUBENTLY_KUBECONFIG: /etc/kubently/kubeconfig
      KUBENTLY_LOG_FORMAT: json
    secrets: [agent_config]
    volumes:
      # The cluster the agent reads (get, list, watch): its server must be reachable from the container, not 127.0.0.1.
      - ./kubeconfig:/etc/kubently/kubeconfig:ro
    depends_on:
      api: { condition: service_healthy }
secrets:
  api_config: { file: ./secrets/api.json }
  agent_config: { file: ./secrets/agent.json }
  signing_key: { file: ./secrets/signing.pem }
`;
  const secret = (value: unknown): OutFile => ({ content: typeof value === "string" ? value : `${JSON.stringify(value, null, 2)}\n`, mode: 0o600 });
  return {
    Dockerfile: { content: dockerfile },
    "compose.yaml": { content: compose },
    "secrets/api.json": secret({ adminKey: newSecret("kadm"), agentTokens: [`${o.clusterId}:${token}`] }),
    "secrets/agent.json": secret({ token }),
    "secrets/signing.pem": secret(generateSigningKeyPem()),
  };
}
