/**
 * The shape of a scenario: the objects, container logs and metric overrides a
 * simulated cluster serves, and what the scenario says of itself.
 */
import type { KubeObject } from "./_k8s.ts";

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
