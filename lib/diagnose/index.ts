/**
 * Diagnostics: deterministic analyzers over one snapshot of live cluster
 * state, run inside the agent so raw objects stay in the cluster and only
 * findings (redacted by the agent's policies) leave. Built-in analyzers live
 * in `plugins/analyzers/`, one file each, on the same API plugin authors use.
 */
export { SEVERITIES, defineAnalyzer, isAnalyzer } from "./analyzer.ts";
export type { AnalyzeContext, Analyzer, Finding, Severity } from "./analyzer.ts";
export { ALL_SNAPSHOT_KINDS, EVENT_SELECTORS, LOG_BUDGET, MAX_SNAPSHOT_EVENTS, SNAPSHOT_KINDS, clusterLogTail, createSnapshot, eventTime, loadSnapshot } from "./snapshot.ts";
export type { LoadSnapshotOptions, LogTail, Snapshot, SnapshotInput, SnapshotKind } from "./snapshot.ts";
export type { KubeObject } from "../kube/index.ts";
export { formatBytes, parseQuantity } from "../kube/_quantity.ts";
export { EVIDENCE_LIMITS, aboutContainer, age, podEvents, readWhole, sameObject, condition, confirm, containerSpec, containerStatuses, controllerOf, eventLine, finding, isDone, mapSelectorMatches, phaseOf, selectorMatches, waitingContainers, warningsFor, workloadOf } from "./helpers.ts";
export type { Condition, ContainerStatus, FindingInput, Terminated } from "./helpers.ts";
export { count, hintFromProblems, isYoung, labelSelectorString, mapSelectorString, oneLine, podProblems } from "./pods.ts";
export type { PodProblem } from "./pods.ts";
export { MAX_FINDINGS, analyze, diagnoseCluster, kindsOf, selectAnalyzers, sortFindings } from "./run.ts";
export type { DiagnoseOptions, Diagnosis } from "./run.ts";
