/**
 * The native Kubernetes layer: connection (kubeconfig, in-cluster, exec and
 * OIDC credentials through @kubernetes/client-node, loaded on first use),
 * a pooled HTTPS transport, cached discovery, typed reads and watches, and
 * native implementations of the read-only kubectl commands with kubectl's
 * exact output. The agent's `native` and `auto` executors stand on it; so
 * will the cluster snapshot diagnostics read.
 */
export type { KubeObject, KubeReader, ListOptions, ResourceInfo } from "./_types.ts";
export { loadConnection } from "./config.ts";
export type { KubeConnection, KubeConnectionOptions, KubeTls } from "./config.ts";
export { KubeApiError, apiError, createTransport } from "./transport.ts";
export type { KubeRequest, KubeTransport } from "./transport.ts";
export { createDiscovery, resourcePath } from "./discovery.ts";
export type { Discovery, DiscoveryOptions, GroupVersionResources } from "./discovery.ts";
export { TABLE_ACCEPT, createKubeClient, kubeClientOver } from "./client.ts";
export type { KubeClient, KubeClientOptions, KubeTable } from "./client.ts";
export { watchResource } from "./watch.ts";
export type { WatchEvent, WatchOptions } from "./watch.ts";
export { NATIVE_COMMANDS, commandFor, uncovered } from "./commands/index.ts";
export { errorText } from "./commands/_io.ts";
export { goPlatform, nativeClientVersion } from "./print/version.ts";
export type { CommandIO, CommandOutcome, NativeCommand } from "./commands/index.ts";
