/**
 * The agent card: public metadata at the well-known path, and a per-caller
 * variant (the authenticated extended card) that also lists the clusters
 * that caller may use. The public card never names a cluster.
 */
import { AgentCard, type AgentSkill } from "@a2a-js/sdk";
import { ServerCallContext, type A2ARequestHandler } from "@a2a-js/sdk/server";
import { LegacyRestTransportHandler } from "@a2a-js/sdk/compat/v0_3/server";

/** What the card says about this server. */
export interface CardInfo {
  publicUrl: string;
  name: string;
  description: string;
  version: string;
  documentationUrl?: string;
}

/** A cluster as the extended card lists it. */
export interface CardCluster {
  id: string;
  connected: boolean;
}

const MODES = ["text/plain", "application/json"];

function skill(id: string, name: string, description: string, tags: string[], examples: string[]): AgentSkill {
  return { id, name, description, tags, examples, inputModes: MODES, outputModes: MODES, securityRequirements: [] };
}

/**
 * Builds the card. With `clusters` (only ever for an authenticated caller)
 * the skills say which clusters the caller may use.
 */
export function buildAgentCard(info: CardInfo, clusters?: readonly CardCluster[]): AgentCard {
  const clusterText = clusters
    ? clusters.length === 0
      ? " No clusters are available to you yet."
      : ` Clusters available to you: ${clusters.map((c) => `${c.id} (${c.connected ? "connected" : "agent not connected"})`).join(", ")}.`
    : " Ask \"which clusters can I use?\" (authenticated) to see the clusters available to you.";
  return {
    name: info.name,
    description: info.description,
    supportedInterfaces: [
      { url: info.publicUrl, protocolBinding: "JSONRPC", protocolVersion: "1.0", tenant: "" },
      { url: info.publicUrl, protocolBinding: "JSONRPC", protocolVersion: "0.3", tenant: "" },
    ],
    provider: undefined,
    version: info.version,
    ...(info.documentationUrl ? { documentationUrl: info.documentationUrl } : {}),
    capabilities: { streaming: true, pushNotifications: false, extendedAgentCard: true, extensions: [] },
    securitySchemes: {
      apiKey: {
        scheme: {
          $case: "apiKeySecurityScheme",
          value: { description: "A Kubently API key, the same one the REST API takes.", location: "header", name: "X-API-Key" },
        },
      },
      bearer: {
        scheme: {
          $case: "httpAuthSecurityScheme",
          value: { description: "A Kubently API key sent as a bearer token.", scheme: "Bearer", bearerFormat: "" },
        },
      },
    },
    securityRequirements: [{ schemes: { apiKey: { list: [] } } }, { schemes: { bearer: { list: [] } } }],
    defaultInputModes: MODES,
    defaultOutputModes: MODES,
    skills: [
      skill(
        "kubectl",
        "Inspect Kubernetes resources (read-only kubectl)",
        "Runs one read-only kubectl command (get, describe, top, events, explain, rollout status/history, version, " +
          "api-resources) on a cluster through its in-cluster agent and returns the output. Send a kubectl command line " +
          "(with or without the word kubectl), a plain request, or a data part {cluster_id, command, resource?, namespace?, args?} " +
          "or {cluster_id, argv}. Writes, exec, port-forward, secrets and credential flags are denied by policy." +
          clusterText,
        ["kubernetes", "kubectl", "debugging", "read-only"],
        [
          "get pods in namespace shop on cluster prod",
          "describe pod web-1 -n shop",
          "kubectl get deployments -n shop -o wide",
          "describe deployment web in namespace shop",
          "events in namespace shop on prod",
          "top pods in shop",
          '{"cluster_id": "prod", "command": "get", "resource": "pods", "namespace": "shop"}',
        ],
      ),
      skill(
        "logs",
        "Read container logs",
        "Reads a pod's (or a workload's) container logs: the current or previous container, a number of lines, a time window." +
          clusterText,
        ["kubernetes", "logs", "debugging", "crashloop"],
        ["logs checkout-xyz --previous", "show logs of checkout-abc in shop on prod", "last 100 lines of logs for pod web-1 container app in shop"],
      ),
      skill(
        "diagnose",
        "Diagnose a cluster",
        "Runs Kubently's analyzers inside the cluster over one read of a namespace (or the whole cluster) and returns what " +
          "is wrong: crash loops, image pulls, pending pods, services without endpoints... each finding with its severity, " +
          "evidence, a hint and the read-only kubectl commands that confirm it. Nothing is changed in the cluster. Ask in " +
          "words, send `diagnose -n NS [--analyzers a,b]`, or a data part {skill: \"diagnose\", cluster_id | cluster_ids, " +
          "namespace?, analyzers?}. The answer is an artifact with the findings as text and as JSON (the REST diagnosis)." +
          clusterText,
        ["kubernetes", "diagnostics", "troubleshooting", "health", "read-only"],
        [
          "what is wrong in namespace shop on cluster demo",
          "diagnose cluster prod",
          "any problems in payments on demo?",
          "why is checkout failing in shop on demo",
          "diagnose -n shop --analyzers crash-loop,image-pull",
          '{"skill": "diagnose", "cluster_id": "demo", "namespace": "shop"}',
        ],
      ),
      skill(
        "clusters",
        "List available clusters",
        "Lists the clusters you may run commands on and whether their agents are connected." + clusterText,
        ["kubernetes", "clusters"],
        ["which clusters can I use?", "list clusters"],
      ),
    ],
    signatures: [],
  };
}

/** The card as v1.0 JSON. */
export const cardJsonV1 = (card: AgentCard): unknown => AgentCard.toJSON(card);

/** The card as v0.3 JSON (`url`, `protocolVersion`, `preferredTransport`...), translated by the SDK's compat layer. */
export async function cardJsonV03(card: AgentCard): Promise<Record<string, unknown>> {
  // The compat layer's card translator is reachable through its REST handler: feed it this card.
  const stub = { getAuthenticatedExtendedAgentCard: async () => card } as unknown as A2ARequestHandler;
  const legacy = (await new LegacyRestTransportHandler(stub).getAuthenticatedExtendedAgentCard(new ServerCallContext())) as unknown as Record<string, unknown>;
  // As the SDK's own card router does, embed the v1.0 interfaces so a v1.0 client can pick them.
  return { ...legacy, supportedInterfaces: card.supportedInterfaces.map((i) => ({ url: i.url, protocolBinding: i.protocolBinding, protocolVersion: i.protocolVersion })) };
}
