/**
 * What the bench sections share: percentiles, a process's RSS, the backends
 * to measure, and a timed closed-loop load that sorts every answer into
 * success, 429 `CLUSTER_BUSY`, timeout or other failure.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, type Proc } from "../e2e/_harness.ts";
import { redisUnavailable, startRedis } from "../_redis.ts";

/** The `p`th percentile of an ascending list. */
export const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** Resident set size of a process in MB, from /proc/<pid>/status (VmRSS). */
export const rssMb = (pid: number): number => Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)![1]) / 1024;

/** The first group of `re` in the process's output (its URL). */
export async function urlOf(proc: Proc, re: RegExp): Promise<string> {
  return (await proc.waitFor(re))[1]!;
}

/** A backend to measure: the flags that select it (a fresh store per call), and how to release it. */
export interface BenchBackend {
  name: string;
  args: () => string[];
  stop?: () => Promise<void>;
}

/** memory, SQLite on a temp file, and Redis on its own redis-server (with a signing key file) when one is installed. */
export async function backends(): Promise<BenchBackend[]> {
  const dir = mkdtempSync(join(tmpdir(), "kubently-bench-"));
  let n = 0;
  const list: BenchBackend[] = [
    { name: "memory", args: () => [] },
    { name: "sqlite", args: () => ["--backend", "sqlite", "--sqlite-file", join(dir, `bench-${n++}.db`)] },
  ];
  if (redisUnavailable() === null) {
    const redis = await startRedis();
    // Redis never holds the signing key: `api`/`all` on Redis need a key file.
    const key = join(dir, "signing.pem");
    writeFileSync(key, Bun.spawnSync([BINARY, "keygen"]).stdout);
    list.push({ name: "redis", args: () => ["--backend", "redis", "--redis-url", redis.url, "--redis-prefix", `bench${n++}`, "--signing-key-file", key], stop: () => redis.stop() });
  } else console.log(`(redis skipped: ${redisUnavailable()})`);
  // KUBENTLY_BENCH_BACKENDS=redis,sqlite measures only those.
  const only = (process.env.KUBENTLY_BENCH_BACKENDS ?? "").split(",").map((x) => x.trim()).filter(Boolean);
  return only.length === 0 ? list : list.filter((b) => only.includes(b.name));
}

/** Options of {@link timedLoad}. */
export interface TimedLoadOptions {
  url: string;
  key: string;
  /** The `POST /debug/execute` body every caller sends. */
  body: Record<string, unknown>;
  callers: number;
  seconds: number;
  /** After a 429, wait its `Retry-After` (at most 5 s) before the next request, as a well-behaved client does. @default false */
  honourRetryAfter?: boolean;
  /** More request headers (a traceparent). @default none */
  headers?: Record<string, string>;
}

/** Answers that arrived within the load's window, sorted by outcome. */
export interface Tally {
  answers: number;
  ok: number;
  /** 429 with code `CLUSTER_BUSY` (admission control). */
  busy: number;
  /** A `timeout` result (`DEADLINE_EXCEEDED`, `COMMAND_TIMEOUT`). */
  timeouts: number;
  /** Everything else: other statuses, HTTP errors, connection errors. */
  failures: number;
  /** ms of each successful command, ascending. */
  latencies: number[];
  /** Non-success answers by `"<HTTP status> <code>"` (or `"fetch error"`), for the notes under a table. */
  reasons: Map<string, number>;
  seconds: number;
}

/**
 * `callers` loops, each sending the next request when the last is answered,
 * for `seconds`. Only answers that land within the window count (those in
 * flight at its end are awaited and dropped), so rates are steady-state ones.
 */
export async function timedLoad(o: TimedLoadOptions): Promise<Tally> {
  const body = JSON.stringify(o.body);
  const headers = { ...o.headers, "x-api-key": o.key, "content-type": "application/json" };
  const t: Tally = { answers: 0, ok: 0, busy: 0, timeouts: 0, failures: 0, latencies: [], reasons: new Map(), seconds: o.seconds };
  const started = performance.now();
  const until = started + o.seconds * 1000;
  const note = (reason: string) => t.reasons.set(reason, (t.reasons.get(reason) ?? 0) + 1);
  await Promise.all(
    Array.from({ length: o.callers }, async () => {
      while (performance.now() < until) {
        const sent = performance.now();
        let status = 0;
        let json: { status?: string; code?: string | null } = {};
        let retryAfter = 0;
        try {
          const res = await fetch(`${o.url}/debug/execute`, { method: "POST", headers, body });
          status = res.status;
          retryAfter = Number(res.headers.get("retry-after") ?? 0);
          json = (await res.json()) as typeof json;
        } catch {
          status = -1;
        }
        const now = performance.now();
        if (now > until) break;
        t.answers++;
        if (status === 200 && json.status === "success") {
          t.ok++;
          t.latencies.push(now - sent);
          continue;
        }
        if (status === 429 && json.code === "CLUSTER_BUSY") t.busy++;
        else if (json.status === "timeout") t.timeouts++;
        else t.failures++;
        note(status === -1 ? "fetch error" : `${status} ${json.code ?? json.status ?? ""}`.trim());
        if (status === -1) await Bun.sleep(100);
        if (status === 429 && o.honourRetryAfter) await Bun.sleep(Math.max(0, Math.min(retryAfter * 1000, 5_000, until - performance.now())));
      }
    }),
  );
  t.latencies.sort((a, b) => a - b);
  return t;
}

/** `"<reason> ×n, ..."` for a table's notes. */
export const reasonsText = (t: Tally): string =>
  [...t.reasons].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} ×${n}`).join(", ") || "none";
