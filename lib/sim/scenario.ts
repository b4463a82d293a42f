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
import type { KubeObject } from "./_k8s.ts";
import { type ScenarioSource, parseScenarioSource, scenarioFromSources } from "./scenario-file.ts";
import defaultText from "./scenarios/default.yaml" with { type: "text" };
import emptyText from "./scenarios/empty.yaml" with { type: "text" };

/** One line of container output with its kubelet timestamp (epoch ms). */
export interface LogLine {
  t: number;
  text: string;
}

/** What `GET .../pods/<name>/log` serves for one container. */
export interface ContainerLogs {
  /** Output of the current (or, when crash-looping, the most recent) container instance. */
  current: LogLine[];
  /** Output of the previous instance; absent when the container never restarted. */
  previous?: LogLine[];
  /** Lines written after the server started, cycled for `logs -f`; only running containers follow. */
  follow?: string[];
  /** When set, the kubelet refuses to serve logs with this message (container never started). */
  unavailable?: string;
}

/** Usage of one container or node, in canonical quantities (`12m`, `126Mi`). */
export interface ResourceUsage {
  cpu: string;
  memory: string;
}

/** metrics.k8s.io answers that replace the derived ones (see metrics.ts). */
export interface MetricOverrides {
  /** Keyed `<namespace>/<pod>`: usage per container name, in the order written. */
  pods: Map<string, Record<string, ResourceUsage>>;
  /** Keyed by node name. */
  nodes: Map<string, ResourceUsage>;
}

/** One fault a scenario contains, as a diagnosis should name it (the `expect` list; the cluster ignores it). */
export interface ScenarioExpectation {
  /** Analyzer id, e.g. `crash-loop`. */
  analyzer: string;
  /** Finding code, e.g. `CrashLoopBackOff`. */
  code: string;
  namespace?: string;
  kind?: string;
  name?: string;
  [field: string]: unknown;
}

/** What a scenario says about itself (its `Scenario` document). */
export interface ScenarioMeta {
  /** `metadata.name`, else the file's (or directory's) name without extension. */
  name: string;
  description: string | null;
  /** The faults it contains; empty when it states none. */
  expect: ScenarioExpectation[];
}

/** Everything a simulated cluster serves. */
export interface Scenario {
  /** Server start (epoch ms): the instant `capturedAt` maps to. */
  startedAt: number;
  objects: KubeObject[];
  /** Container logs keyed by `<namespace>/<pod>/<container>`. */
  logs: Map<string, ContainerLogs>;
  /** Metric overrides; absent when the scenario has none (every metric is derived). */
  metrics?: MetricOverrides;
  meta: ScenarioMeta;
}

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
