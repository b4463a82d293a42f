/**
 * Loads the policies named in configuration: built-in ids, or third-party
 * modules by path (relative to the config file) or package name (resolved
 * from the working directory). A module exports a policy object, or a factory
 * taking the options, as its default export or as `policy`. Works from the
 * compiled binary: modules are imported at run time.
 */
import { createRequire } from "node:module";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { CounterStore } from "../lib/contracts.ts";
import type { Policy } from "../lib/policy.ts";
import { namespaces } from "../plugins/namespaces.ts";
import { outputLimits } from "../plugins/output-limits.ts";
import { rateLimit } from "../plugins/rate-limit.ts";
import { redactSecrets } from "../plugins/redact-secrets.ts";
import { readOnly } from "../plugins/read-only.ts";

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

async function importModule(name: string, baseDir: string): Promise<Record<string, unknown>> {
  const isPath = name.startsWith(".") || isAbsolute(name);
  if (isPath) return import(pathToFileURL(resolve(baseDir, name)).href);
  try {
    return await import(pathToFileURL(createRequire(resolve(process.cwd(), "noop.js")).resolve(name)).href);
  } catch {
    return import(name);
  }
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
