/**
 * Faults under steady load through the compiled binary (issue 17): nothing
 * the API accepted is lost, and the audit log accounts for every command
 * exactly once.
 *
 * - Redis (a real redis-server with an append-only file): two API replicas
 *   and one agent; redis-server is killed and restarted, the agent is killed
 *   with SIGKILL and restarted, one replica is killed with SIGKILL.
 * - SQLite: `kubently api` and an agent; the API is killed with SIGKILL under
 *   load and restarted on the same file; then, with no agent running,
 *   commands are queued (`wait: false`), the API restarts, an agent starts,
 *   and the queued commands run.
 *
 * After each: every command answered with a 2xx and a command id reaches a
 * terminal result (`GET /debug/result/{id}` stops answering 202 within its
 * deadline plus grace); each has exactly one terminal audit entry, and so
 * has every `command.queued` entry (commands whose caller lost its
 * connection included); a denial has exactly one `command.denied`; the hash
 * chain verifies. On SQLite, where the agent is never killed, no command may
 * end `AGENT_LOST`: the agent ran it and its lease outlives the API's
 * downtime. The agent runs a stand-in kubectl that sleeps 150 ms, so a kill
 * always finds commands in flight. A scenario's log line lists the commands
 * that did not succeed and what the processes logged about them.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { redisUnavailable, startRedis, type RedisServer } from "../_redis.ts";
import { fakeKubeconfig, fakeKubectl } from "./_fake-kubectl.ts";
import { BINARY, ensureBinary, post, prerequisites, run, type Proc } from "./_harness.ts";

const KEY = "faults-audit-key-0123456789abcdef";
const ADMIN = "faults-audit-admin-0123456789abcdef";
const TOKEN = "faults-audit-token-0123456789abcdef";
const TIMEOUT_SECONDS = 5;
/** LIMITS.resultGraceMs, and time for a restarted API to come back. */
const GRACE_MS = 2_000;
const SLACK_MS = 5_000;
/** An entry of each of these types ends a command's story in the audit log (docs/rest-api.md, "Audit"). */
const TERMINAL = ["command.executed", "command.refused", "command.timeout", "command.cancelled", "command.lost", "command.denied"];

interface Accepted {
  id: string;
  http: number;
  status: string;
  /** When the caller's wait must have ended: sent + timeout (epoch ms). */
  deadline: number;
}
interface Final {
  id: string;
  http: number;
  status: string;
  code: string | null;
}
interface AuditEntry {
  seq: number;
  at: number;
  eventType: string;
  commandId?: string;
  correlationId?: string;
  outcome?: string;
  reason?: string;
}

const sleep = (ms: number) => Bun.sleep(ms);
const get = async (url: string, key = ADMIN) => {
  const res = await fetch(url, { headers: { "x-api-key": key } });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
};

/**
 * `callers` loops sending `get pods` (pausing 20 ms between requests) to
 * the live URLs in turn until stopped; a caller whose API is down retries
 * after 200 ms. Each caller has its own correlation id, which is how the
 * audit entries of a scenario are found again.
 */
function steadyLoad(urls: string[], tag: string, callers = 4) {
  const accepted: Accepted[] = [];
  const unanswered = { count: 0 };
  const others = new Map<string, number>();
  let stopped = false;
  let turn = 0;
  const correlations = Array.from({ length: callers }, (_, i) => `${tag}-caller-${i}`);
  const loops = correlations.map(async (correlation) => {
    while (!stopped) {
      const url = urls[turn++ % urls.length]!;
      const sent = Date.now();
      try {
        const { status, body } = await post(`${url}/debug/execute`, KEY, { cluster_id: "faults", argv: ["get", "pods"], timeout_seconds: TIMEOUT_SECONDS, correlation_id: correlation });
        if (status >= 200 && status < 300 && body.command_id) accepted.push({ id: body.command_id, http: status, status: body.status, deadline: sent + TIMEOUT_SECONDS * 1000 });
        else {
          const answer = `${status} ${body.code ?? body.status}`;
          others.set(answer, (others.get(answer) ?? 0) + 1);
        }
        await sleep(20);
      } catch {
        unanswered.count++;
        await sleep(200);
      }
    }
  });
  return {
    accepted,
    correlations,
    /** Answers that were not a 2xx with a command id, by `"<status> <code>"`. */
    others,
    /** Requests whose connection failed (API down or killed while the caller waited). */
    unanswered,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/** Polls each command's result until it is no longer 202 or its deadline plus grace and slack has passed. */
async function finals(url: () => string, commands: Pick<Accepted, "id" | "deadline">[]): Promise<Final[]> {
  return Promise.all(
    commands.map(async ({ id, deadline }) => {
      for (;;) {
        const r = await get(`${url()}/debug/result/${id}`).catch(() => ({ status: -1, body: null }));
        if ((r.status !== 202 && r.status !== -1) || Date.now() > deadline + GRACE_MS + SLACK_MS) {
          return { id, http: r.status, status: r.body?.status ?? r.body?.code ?? "?", code: r.body?.code ?? null };
        }
        await sleep(250);
      }
    }),
  );
}

/** Every audit entry carrying one of `correlations`, by command id. */
async function auditByCommand(url: string, correlations: string[]): Promise<Map<string, AuditEntry[]>> {
  const byCommand = new Map<string, AuditEntry[]>();
  for (const correlation of correlations) {
    const { body } = await get(`${url}/audit?correlation_id=${encodeURIComponent(correlation)}&limit=1000`);
    // The scenarios stay well under one page per correlation id; a full page would hide entries.
    expect(body.count).toBeLessThan(1000);
    for (const e of body.entries as AuditEntry[]) {
      if (!e.commandId) continue;
      byCommand.set(e.commandId, [...(byCommand.get(e.commandId) ?? []), e]);
    }
  }
  return byCommand;
}

/** Commands the audit log says were queued that no caller got as a 2xx (its API died while it waited, or the agent refused it), with their deadlines. */
function unseen(accepted: Accepted[], byCommand: Map<string, AuditEntry[]>): Pick<Accepted, "id" | "deadline">[] {
  const seen = new Set(accepted.map((a) => a.id));
  return [...byCommand]
    .filter(([id]) => !seen.has(id))
    .flatMap(([id, entries]) => entries.filter((e) => e.eventType === "command.queued").map((e) => ({ id, deadline: e.at + TIMEOUT_SECONDS * 1000 })));
}

/** One line per entry, oldest first: what a failure report shows. */
const story = (entries: AuditEntry[] = []) =>
  [...entries].sort((a, b) => a.seq - b.seq).map((e) => `${e.seq} ${e.eventType}${e.outcome ? ` outcome=${e.outcome}` : ""}${e.reason ? ` reason=${e.reason}` : ""}`);
const terminalCount = (entries: AuditEntry[] = []) => entries.filter((e) => TERMINAL.includes(e.eventType)).length;

/** Commands not ended by exactly one terminal audit entry, with their results and audit trail. */
function auditGaps(ids: string[], byCommand: Map<string, AuditEntry[]>, results: Map<string, Final>) {
  return ids
    .filter((id) => terminalCount(byCommand.get(id)) !== 1)
    .map((id) => {
      const r = results.get(id);
      return { id, result: r ? `${r.http} ${r.status} ${r.code ?? ""}`.trim() : "?", audit: story(byCommand.get(id)) };
    });
}

/** `id code` of each result that is not a success, for the log. */
const unsuccessful = (all: Final[]) => {
  const bad = all.filter((f) => f.status !== "success").map((f) => `${f.id} ${f.code ?? f.status}`);
  return bad.length === 0 ? "none" : `${bad.slice(0, 10).join(", ")}${bad.length > 10 ? ` and ${bad.length - 10} more` : ""}`;
};

/** Lines of the processes' logs that name a command that did not succeed (an agent's failed result posts, say), at most 20. */
const logsAbout = (all: Final[], procs: Proc[]) => {
  const ids = all.filter((f) => f.status !== "success" && f.code !== "SIGNATURE_INVALID").map((f) => f.id);
  const lines = procs.flatMap((p) => p.output().split("\n")).filter((line) => ids.some((id) => line.includes(id)));
  return lines.length === 0 ? "" : `\n  ${lines.slice(0, 20).join("\n  ")}`;
};

/** Counts of `"<http> <status> <code>"` over the final results, for the log. */
const tally = (all: Final[]) => {
  const m: Record<string, number> = {};
  for (const f of all) {
    const k = `${f.http} ${f.status}${f.code ? ` ${f.code}` : ""}`;
    m[k] = (m[k] ?? 0) + 1;
  }
  return m;
};

/** What a scenario leaves for its tests to check. */
interface Findings {
  accepted: Accepted[];
  /** Results of the accepted commands, then of the other queued ones ({@link unseen}). */
  finals: Final[];
  byCommand: Map<string, AuditEntry[]>;
  denied: string;
  verify: { ok: boolean; count?: number; brokenAt?: number; reason?: string };
}

/** The checks every scenario answers to, one test each, so a run reports each property on its own. */
function auditTests(label: string, findings: () => Findings) {
  test(`${label}: no command is lost (each accepted or queued command reaches a terminal result within its deadline + grace)`, () => {
    const f = findings();
    expect(f.accepted.length).toBeGreaterThan(20);
    const lost = f.finals.filter((r) => r.http !== 200 && r.http !== 403);
    expect(lost).toEqual([]);
  });
  test(`${label}: every accepted command has exactly one terminal audit entry`, () => {
    const f = findings();
    const results = new Map(f.finals.map((r) => [r.id, r]));
    expect(auditGaps(f.accepted.map((a) => a.id), f.byCommand, results)).toEqual([]);
  });
  test(`${label}: every command.queued entry has exactly one terminal entry (callers that lost their connection included)`, () => {
    const f = findings();
    const results = new Map(f.finals.map((r) => [r.id, r]));
    const queued = [...f.byCommand].filter(([, entries]) => entries.some((e) => e.eventType === "command.queued")).map(([id]) => id);
    expect(queued.length).toBeGreaterThanOrEqual(f.accepted.length);
    expect(auditGaps(queued, f.byCommand, results)).toEqual([]);
  });
  test(`${label}: a denied command has exactly one audit entry, command.denied`, () => {
    const f = findings();
    expect(story(f.byCommand.get(f.denied)).map((line) => line.replace(/^\d+ /, "").replace(/ reason=.*/, ""))).toEqual(["command.denied"]);
  });
  test(`${label}: the audit chain verifies`, () => {
    expect(findings().verify).toMatchObject({ ok: true });
  });
}

/** A denial (a write verb) through `url`, with its own correlation id; returns its command id. */
async function deny(url: string, correlation: string): Promise<string> {
  const { status, body } = await post(`${url}/debug/execute`, KEY, { cluster_id: "faults", argv: ["delete", "pod", "x"], correlation_id: correlation });
  return status === 403 ? body.command_id : `(answered ${status} ${body.code ?? body.status})`;
}

describe.skipIf(prerequisites([redisUnavailable(), ensureBinary()]).skip)("faults under load on Redis: redis-server restart, agent SIGKILL, API replica SIGKILL", () => {
  let redis: RedisServer;
  const procs: Proc[] = [];
  let findings: Findings;

  beforeAll(async () => {
    redis = await startRedis({ appendonly: true });
    const dir = mkdtempSync(join(tmpdir(), "kubently-faults-audit-"));
    const kubectl = fakeKubectl(150);
    // Replicas sharing a backend share a signing key (docs/adapters/redis.md).
    writeFileSync(join(dir, "signing.pem"), Bun.spawnSync([BINARY, "keygen"]).stdout);
    const urls: string[] = [];
    for (let i = 0; i < 2; i++) {
      const api = run(["api", "--backend", "redis", "--redis-url", redis.url, "--redis-prefix", "faults", "--port", "0", "--disable-a2a", "--host", "127.0.0.1", "--api-keys", `t:${KEY}`, "--admin-key", ADMIN, "--signing-key-file", join(dir, "signing.pem")], { KUBENTLY_AGENT_TOKENS: `faults:${TOKEN}` });
      procs.push(api);
      urls.push((await api.waitFor(/API listening on (http:\/\/\S+) /))[1]!);
    }
    const [live, doomed] = [urls[0]!, urls[1]!];
    const startAgent = async () => {
      const agent = run(["agent", "--api-url", live, "--cluster-id", "faults", "--token", TOKEN, "--executor", "kubectl", "--kubectl", kubectl, "--kubeconfig", fakeKubeconfig(kubectl), "--concurrency", "4"]);
      procs.push(agent);
      await agent.waitFor(/serving cluster faults/);
      return agent;
    };
    const agent = await startAgent();

    const tag = `redis-${Date.now()}`;
    const load = steadyLoad(urls, tag);
    await sleep(3_000);
    await redis.restart({ kill: true });
    await sleep(3_000);
    agent.child.kill("SIGKILL");
    await agent.exited;
    await sleep(1_000);
    await startAgent();
    await sleep(3_000);
    procs[1]!.child.kill("SIGKILL");
    await procs[1]!.exited;
    urls.splice(urls.indexOf(doomed), 1);
    await sleep(3_000);
    await load.stop();
    const denied = await deny(live, `${tag}-denied`);

    const results = await finals(() => live, load.accepted);
    // Commands whose caller never heard back end by their deadline too: wait for the last one.
    await sleep(Math.max(0, Math.max(...load.accepted.map((a) => a.deadline)) + GRACE_MS + 1_000 - Date.now()));
    const byCommand = await auditByCommand(live, [...load.correlations, `${tag}-denied`]);
    results.push(...(await finals(() => live, unseen(load.accepted, byCommand))));
    const verify = (await get(`${live}/audit/verify`)).body;
    findings = { accepted: load.accepted, finals: results, byCommand, denied, verify };
    console.log(`[redis] accepted ${load.accepted.length}, other answers ${JSON.stringify(Object.fromEntries(load.others))}, no answer ${load.unanswered.count}, queued in audit ${[...byCommand.values()].filter((es) => es.some((e) => e.eventType === "command.queued")).length}, results ${JSON.stringify(tally(results))}; not successful: ${unsuccessful(results)}${logsAbout(results, procs)}`);
  }, 75_000);

  afterAll(async () => {
    for (const p of procs.reverse()) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
    await redis?.close();
  });

  auditTests("redis", () => findings);
});

describe.skipIf(prerequisites([ensureBinary()]).skip)("faults under load on SQLite: API SIGKILL and restart on the same file, queued commands across a restart", () => {
  const procs: Proc[] = [];
  let findings: Findings;
  let queuedFinals: Final[] = [];
  let queuedAudit = new Map<string, AuditEntry[]>();
  const queuedStatuses: number[] = [];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubently-faults-audit-"));
    const kubectl = fakeKubectl(150);
    let port = 0;
    // No --signing-key-file: what the API signed before a restart must still be accepted after it.
    const startApi = async () => {
      const api = run(["api", "--backend", "sqlite", "--sqlite-file", join(dir, "kubently.db"), "--port", String(port), "--disable-a2a", "--host", "127.0.0.1", "--api-keys", `t:${KEY}`, "--admin-key", ADMIN], { KUBENTLY_AGENT_TOKENS: `faults:${TOKEN}` });
      procs.push(api);
      const url = (await api.waitFor(/API listening on (http:\/\/\S+) /))[1]!;
      port = Number(new URL(url).port);
      return { api, url };
    };
    const startAgent = async (url: string) => {
      const agent = run(["agent", "--api-url", url, "--cluster-id", "faults", "--token", TOKEN, "--executor", "kubectl", "--kubectl", kubectl, "--kubeconfig", fakeKubeconfig(kubectl), "--concurrency", "4"]);
      procs.push(agent);
      await agent.waitFor(/serving cluster faults/);
      return agent;
    };
    let { api, url } = await startApi();
    const agent = await startAgent(url);

    const tag = `sqlite-${Date.now()}`;
    const load = steadyLoad([url], tag);
    await sleep(4_000);
    api.child.kill("SIGKILL");
    await api.exited;
    await sleep(500);
    ({ api, url } = await startApi());
    await sleep(5_000);
    await load.stop();
    const denied = await deny(url, `${tag}-denied`);
    const results = await finals(() => url, load.accepted);

    // With no agent running, queue commands nobody waits for; restart the API; then start an agent.
    await agent.stop();
    const queued: Accepted[] = [];
    for (let i = 0; i < 5; i++) {
      const { status, body } = await post(`${url}/debug/execute`, KEY, { cluster_id: "faults", argv: ["get", "pods", "-n", `ns-${i}`], timeout_seconds: 30, wait: false, correlation_id: `${tag}-queued` });
      queuedStatuses.push(status);
      queued.push({ id: body.command_id, http: status, status: body.status, deadline: Date.now() + 30_000 });
    }
    await api.stop();
    ({ api, url } = await startApi());
    await startAgent(url);
    // They should run within seconds of the agent starting; no need to wait out their 30 s.
    queuedFinals = await finals(() => url, queued.map((q) => ({ ...q, deadline: Date.now() + 10_000 - GRACE_MS - SLACK_MS })));

    await sleep(Math.max(0, Math.max(...load.accepted.map((a) => a.deadline)) + GRACE_MS + 1_000 - Date.now()));
    const byCommand = await auditByCommand(url, [...load.correlations, `${tag}-denied`]);
    results.push(...(await finals(() => url, unseen(load.accepted, byCommand))));
    queuedAudit = await auditByCommand(url, [`${tag}-queued`]);
    const verify = (await get(`${url}/audit/verify`)).body;
    findings = { accepted: load.accepted, finals: results, byCommand, denied, verify };
    console.log(`[sqlite] accepted ${load.accepted.length}, other answers ${JSON.stringify(Object.fromEntries(load.others))}, no answer ${load.unanswered.count}, queued in audit ${[...byCommand.values()].filter((es) => es.some((e) => e.eventType === "command.queued")).length}, results ${JSON.stringify(tally(results))}; queued across the restart: ${JSON.stringify(tally(queuedFinals))}; not successful: ${unsuccessful([...results, ...queuedFinals])}${logsAbout([...results, ...queuedFinals], procs)}`);
  }, 75_000);

  afterAll(async () => {
    for (const p of procs.reverse()) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
  });

  auditTests("sqlite", () => findings);

  test("sqlite: an agent that stays up delivers every result across the API's SIGKILL and restart (no AGENT_LOST)", () => {
    // The agent ran these; only its result posts met the API's downtime. Its lease outlives that by seconds.
    expect(findings.finals.filter((f) => f.code === "AGENT_LOST")).toEqual([]);
  });

  test("sqlite: commands queued with wait:false while no agent runs survive an API restart and run once an agent starts", () => {
    expect(queuedStatuses).toEqual(Array(5).fill(202));
    expect(queuedFinals.map((f) => `${f.http} ${f.status} ${f.code ?? ""}`.trim())).toEqual(Array(5).fill("200 success"));
    for (const f of queuedFinals) expect(story(queuedAudit.get(f.id)).map((line) => line.replace(/^\d+ /, "").replace(/ reason=.*/, ""))).toEqual(["command.queued", "command.executed outcome=success"]);
  });
});
