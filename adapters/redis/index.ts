/**
 * The Redis backend: BullMQ for the command queue, ioredis for the rest. Many
 * API replicas share one Redis; a result completed on one replica wakes the
 * caller waiting on another at once (pub/sub), and every state change that
 * replicas could race on is one Lua script. See docs/adapters/redis.md.
 *
 * ioredis and bullmq are optional peer dependencies, imported on first use:
 * importing this module never fails without them; using the backend then
 * fails with `BACKEND_UNAVAILABLE` saying `npm install ioredis bullmq`.
 */
import { createBreaker, guardMethods, type BreakerOptions, type GuardOptions } from "../../lib/breaker.ts";
import type { Backend } from "../../lib/contracts.ts";
import { KubentlyError } from "../../lib/errors.ts";
import { Connection, isOutage, outage, type RedisClientLike } from "./_runtime.ts";
import { redisEvents } from "./events.ts";
import { HOUSEKEEPING, RedisQueue, type Housekeeping } from "./queue.ts";
import { redisAudit, redisAuth, redisCounters, redisSessions } from "./stores.ts";
import { redisStreams } from "./streams.ts";
import { redisUsers } from "./users.ts";

export type { RedisClientLike } from "./_runtime.ts";
export { INSTALL_HINT } from "./_runtime.ts";
export type { Housekeeping } from "./queue.ts";

/** Options for {@link redisBackend}. Give `url` or `client`. */
export interface RedisBackendOptions {
  /**
   * Where Redis is: `redis://[user:password@]host:port[/db]` or `rediss://` for
   * TLS. The backend creates its clients from it and closes them on `close()`.
   * @default "redis://127.0.0.1:6379" when `client` is not given either
   */
  url?: string;
  /**
   * An ioredis client the host already has: a `Redis` (standalone or Sentinel,
   * `new Redis({ sentinels, name })`) or a `Cluster`. The backend runs its
   * commands on it, opens one extra connection (`client.duplicate()`) for
   * pub/sub, and leaves the client open on `close()`. It must not use
   * ioredis' `keyPrefix` (use `prefix`).
   * @default undefined
   */
  client?: RedisClientLike;
  /**
   * Prefix of every key (BullMQ's queues live under `<prefix>:q:<clusterId>`).
   * Backends with different prefixes share a Redis without seeing each other.
   * On Redis Cluster use a hash tag, e.g. `"{kubently}"`, so that every key
   * lands in one slot (the Lua scripts touch several keys at once).
   * @default "kubently"
   */
  prefix?: string;
  /** How long results (and their commands) stay readable after they land, and output streams after their last chunk. @default 900000 (15 minutes) */
  resultTtlMs?: number;
  /**
   * How often each replica sweeps for expired leases and passed deadlines
   * (one round trip when there is nothing to do). Lease calls also reclaim
   * expired leases themselves before taking a job.
   * @default 250
   */
  sweepIntervalMs?: number;
  /**
   * The circuit breaker in front of Redis (docs/operations.md, "Circuit
   * breakers"): after `failures` outages in a row every call fails at once
   * with `BACKEND_UNAVAILABLE` until a trial call, after `halfOpenAfterMs`,
   * finds Redis back. `false` turns it off.
   * @default { failures: 5, halfOpenAfterMs: { initial: 500, max: 5000 } }
   */
  circuitBreaker?: Pick<BreakerOptions, "failures" | "halfOpenAfterMs"> | false;
  /**
   * Each replica's housekeeping (docs/replicas.md, "Fleet scale"): BullMQ's
   * stalled check, run only for clusters where this replica activated a job
   * lately, and the release of a cluster's BullMQ objects once nobody used
   * them for `idleEvictMs`.
   * @default { intervalMs: 30000, idleEvictMs: 300000 }
   */
  housekeeping?: Partial<Housekeeping>;
}

/**
 * Creates the Redis backend bundle. Synchronous: it starts connecting in the
 * background; calls made meanwhile wait for the connection (at most 5 s, then
 * `BACKEND_UNAVAILABLE`). Any Redis failure surfaces as `BACKEND_UNAVAILABLE`
 * with the Redis error as `cause`.
 *
 * @example
 * const backend = redisBackend({ url: process.env.REDIS_URL });
 * const kubently = createKubently({ backend });
 */
export function redisBackend(options: RedisBackendOptions = {}): Backend {
  const prefix = options.prefix ?? "kubently";
  const resultTtlMs = options.resultTtlMs ?? 900_000;
  let queue!: RedisQueue;
  let streams!: ReturnType<typeof redisStreams>;
  let events!: ReturnType<typeof redisEvents>;
  const connection = new Connection({
    url: options.url,
    client: options.client,
    prefix,
    onMessage: (message) => {
      queue.onMessage(message);
      streams.onMessage(message);
      events.onMessage(message);
    },
    onResubscribed: () => {
      queue.wakeAll();
      streams.wakeAll();
      events.onResubscribed();
    },
    onOpen: () => queue.start(),
  });
  const runtime = () => connection.get();
  queue = new RedisQueue(runtime, resultTtlMs, options.sweepIntervalMs ?? 250, { ...HOUSEKEEPING, ...options.housekeeping });
  streams = redisStreams(runtime, resultTtlMs);
  events = redisEvents(runtime);
  // Connect now, so this replica sweeps (expired leases, passed deadlines) even before its first call.
  connection.get().catch(() => {});
  const breaker =
    options.circuitBreaker === false
      ? null
      : createBreaker({
          name: "redis",
          failures: options.circuitBreaker?.failures ?? 5,
          halfOpenAfterMs: options.circuitBreaker?.halfOpenAfterMs ?? { initial: 500, max: 5_000 },
          isFailure: isOutage,
          unavailable: (s) => new KubentlyError("BACKEND_UNAVAILABLE", `redis: circuit open after repeated failures (last: ${s.lastFailure ?? "unknown"}); calls fail at once until a trial call finds Redis back`),
        });
  // Long polls (an agent's lease, a caller awaiting a result, a stream reader) never serve as the breaker's trial call.
  const guard = <T extends object>(store: T, options: GuardOptions = {}): T => (breaker ? guardMethods(store, breaker, options) : store);
  const ping = breaker
    ? () =>
        breaker
          .execute(async () => {
            if (!(await connection.ping())) throw outage("redis: PING failed");
            return true;
          })
          .catch(() => false)
    : () => connection.ping();
  return {
    name: "redis",
    capabilities: { durable: true, shared: true },
    sessions: guard(redisSessions(runtime)),
    queue: guard(queue, { waits: ["lease", "awaitResult"] }),
    auth: guard(redisAuth(runtime)),
    // scan() is an async iterable: each page it reads fails on its own while Redis is away.
    audit: guard(redisAudit(runtime), { pass: ["scan"] }),
    counters: guard(redisCounters(runtime)),
    events,
    users: guard(redisUsers(runtime)),
    streams: guard(streams, { waits: ["read"] }),
    ...(breaker ? { breakers: [breaker] } : {}),
    ping,
    async close() {
      streams.close();
      await queue.close();
      await connection.close();
    },
  };
}
