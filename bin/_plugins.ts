/**
 * Loads the policies named in configuration: built-in ids, or third-party
 * modules by path (relative to the config file) or package name (resolved
 * from the working directory). A module exports a policy object, or a factory
 * taking the options, as its default export or as `policy`. Works from the
 * compiled binary: modules are imported at run time, and their imports of
 * `kubently` resolve to the running Kubently (`_kubently-modules.ts`).
 */
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { CounterStore } from "../lib/contracts.ts";
import type { Policy } from "../lib/policy.ts";
import { type Analyzer, isAnalyzer } from "../lib/diagnose/index.ts";
import { BUILTIN_ANALYZERS } from "../plugins/analyzers/index.ts";
import { namespaces } from "../plugins/namespaces.ts";
import { outputLimits } from "../plugins/output-limits.ts";
import { rateLimit } from "../plugins/rate-limit.ts";
import { redactSecrets } from "../plugins/redact-secrets.ts";
import { readOnly } from "../plugins/read-only.ts";
import { provideKubentlyModules } from "./_kubently-modules.ts";

/** A policy as configuration names it. */
export type PluginSpec = string | { use: string; options?: unknown };

/** What built-in factories may need from the process that loads them. */
export interface PluginHost {
  /** Which side is loading: API-only built-ins are left out on the agent. */
  side: "api" | "agent";
  /** The backend's shared counters (API side). */
  counters?: CounterStore;
}

/** The built-in policies by id. */
export const BUILTIN_POLICIES: Record<string, { sides?: ("api" | "agent")[]; make: (options: never, host: PluginHost) => Policy }> = {
  "read-only": { make: readOnly },
  namespaces: { make: namespaces },
  "output-limits": { make: outputLimits },
  "redact-secrets": { make: redactSecrets },
  "rate-limit": { sides: ["api"], make: (options: object | undefined, host) => rateLimit({ ...(options ?? {}), store: host.counters! }) },
};

const isPolicy = (p: unknown): p is Policy =>
  typeof p === "object" && p !== null && typeof (p as Policy).id === "string" &&
  ["before", "after"].every((hook) => (p as Record<string, unknown>)[hook] === undefined || typeof (p as Record<string, unknown>)[hook] === "function");

/**
 * The candidate closest to `input` (case-insensitive optimal string alignment
 * distance: one typo, swap, extra or missing character is one step), or
 * `null` when none is within max(2, a third of its length) steps and none
 * starts with `input` (of 4 characters or more).
 */
export function closest(input: string, candidates: readonly string[]): string | null {
  const a = input.toLowerCase();
  let best: { candidate: string; distance: number } | null = null;
  for (const candidate of candidates) {
    const b = candidate.toLowerCase();
    const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
    for (let i = 1; i <= a.length; i++) {
      for (let j = 1; j <= b.length; j++) {
        const cost = a[i - 1] === b[j - 1] ? 0 : 1;
        d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
      }
    }
    const distance = d[a.length]![b.length]!;
    const near = distance <= Math.max(2, Math.floor(b.length / 3)) || (a.length >= 4 && b.startsWith(a));
    if (near && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate ?? null;
}

async function importModule(name: string, baseDir: string, builtin = { noun: "policy", ids: Object.keys(BUILTIN_POLICIES) }): Promise<Record<string, unknown>> {
  provideKubentlyModules();
  if (name.startsWith(".") || isAbsolute(name)) return import(pathToFileURL(resolve(baseDir, name)).href);
  let path: string;
  try {
    // Resolved as an import from the working directory, so ESM-only packages (`exports: { import }`) load too.
    path = Bun.resolveSync(name, process.cwd());
  } catch (e) {
    if ((e as { code?: string }).code !== "ERR_MODULE_NOT_FOUND" && (e as { code?: string }).code !== "MODULE_NOT_FOUND") throw e;
    const suggestion = closest(name, builtin.ids);
    throw new Error(
      `it is neither a built-in ${builtin.noun} (${builtin.ids.join(", ")}) nor a package found from ${process.cwd()}` +
        (suggestion ? `; did you mean "${suggestion}"?` : " (a module path starts with ./ or /)"),
    );
  }
  return import(pathToFileURL(path).href);
}

/** Turns configured specs into policies, in order; throws naming the spec that failed. */
export async function loadPolicies(specs: readonly PluginSpec[], baseDir: string, host: PluginHost): Promise<Policy[]> {
  const policies: Policy[] = [];
  for (const spec of specs) {
    const { use, options } = typeof spec === "string" ? { use: spec, options: undefined } : spec;
    const builtin = BUILTIN_POLICIES[use];
    if (builtin?.sides && !builtin.sides.includes(host.side)) continue;
    let made: unknown;
    try {
      if (builtin) made = builtin.make(options as never, host);
      else {
        const mod = await importModule(use, baseDir);
        const exported = mod.default ?? mod.policy;
        made = typeof exported === "function" ? await (exported as (o: unknown) => unknown)(options) : exported;
      }
    } catch (e) {
      throw new Error(`plugin "${use}" could not be loaded: ${(e as Error).message}`);
    }
    if (!isPolicy(made)) throw new Error(`plugin "${use}" does not export a policy ({ id, before?, after? }) or a factory returning one`);
    policies.push(made);
  }
  return policies;
}

/** An analyzer as configuration names it: `"builtin"` (every built-in), a built-in id, or a module. */
export type AnalyzerSpec = PluginSpec;

/**
 * Turns configured analyzer specs into analyzers, in order: `"builtin"`
 * expands to every built-in, a built-in id adds one, anything else is a
 * module whose default export (or `analyzer`) is an analyzer or a factory
 * taking the options. No specs: every built-in. Throws naming the spec that
 * failed, and on two analyzers with one id.
 */
export async function loadAnalyzers(specs: readonly AnalyzerSpec[] | undefined, baseDir: string): Promise<Analyzer[]> {
  const out: Analyzer[] = [];
  for (const spec of specs ?? ["builtin"]) {
    const { use, options } = typeof spec === "string" ? { use: spec, options: undefined } : spec;
    if (use === "builtin") {
      out.push(...BUILTIN_ANALYZERS);
      continue;
    }
    const builtin = BUILTIN_ANALYZERS.find((a) => a.id === use);
    let made: unknown = builtin;
    if (!builtin) {
      try {
        const mod = await importModule(use, baseDir, { noun: "analyzer", ids: BUILTIN_ANALYZERS.map((a) => a.id) });
        const exported = mod.default ?? mod.analyzer;
        made = typeof exported === "function" ? await (exported as (o: unknown) => unknown)(options) : exported;
      } catch (e) {
        throw new Error(`analyzer "${use}" could not be loaded: ${(e as Error).message}`);
      }
    }
    if (!isAnalyzer(made)) throw new Error(`analyzer "${use}" does not export an analyzer ({ id, kinds, analyze }) or a factory returning one`);
    if (out.some((a) => a.id === made.id)) throw new Error(`analyzer id "${made.id}" is registered twice`);
    out.push(made);
  }
  return out;
}
