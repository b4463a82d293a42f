/**
 * What a simulated cluster serves, and the built-in scenarios.
 *
 * A scenario is data: Kubernetes objects, container logs and metric overrides,
 * read from scenario files (scenario-file.ts; the format is in
 * docs/simulated-cluster.md). The built-ins are such files, embedded in this
 * module so they reach the compiled binary and the npm package:
 * - `default` (scenarios/default.yaml): one troubleshooting story on a 3-node
 *   cluster. `shop/checkout` crash-loops because statefulset `postgres` was
 *   scaled to 0; `shop/recommendations` is OOMKilled; a `payments/payments-api`
 *   rollout is stuck on ImagePullBackOff; `payments/ledger-reconciler` is
 *   Pending (no node fits 64Gi); plus Secrets, ConfigMaps, CoreDNS and
 *   kube-proxy. Its `expect` list names the faults.
 * - `empty` (scenarios/empty.yaml): the system namespaces, three nodes and
 *   `default/kubernetes`.
 */
import { type ScenarioSource, parseScenarioSource, scenarioFromSources } from "./scenario-file.ts";
import defaultText from "./scenarios/default.yaml" with { type: "text" };
import emptyText from "./scenarios/empty.yaml" with { type: "text" };

export type { LogLine, ContainerLogs, ResourceUsage, MetricOverrides, ScenarioExpectation, ScenarioMeta, Scenario } from "./_scenario-types.ts";
import type { Scenario } from "./_scenario-types.ts";

/** The scenarios built into the simulated cluster. */
export const BUILTIN_SCENARIOS = ["default", "empty"] as const;

/** Names of the built-in scenarios. */
export type ScenarioName = (typeof BUILTIN_SCENARIOS)[number];

const TEXTS: Record<ScenarioName, string> = { default: defaultText as string, empty: emptyText as string };

/** Parsed once per process: every start shifts its own copy. */
const parsed = new Map<ScenarioName, ScenarioSource>();

/** Builds the named built-in scenario anchored at `now`. */
export function buildScenario(name: ScenarioName = "default", now = Date.now()): Scenario {
  let source = parsed.get(name);
  if (!source) {
    const text = TEXTS[name];
    if (text === undefined) throw new TypeError(`unknown built-in scenario "${name}" (${BUILTIN_SCENARIOS.join(", ")})`);
    source = parseScenarioSource(text, { file: `${name}.yaml`, format: "yaml" });
    parsed.set(name, source);
  }
  return scenarioFromSources([source], { name, startedAt: now });
}
