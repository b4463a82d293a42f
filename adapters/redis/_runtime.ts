/**
 * The Redis backend's connection: ioredis and bullmq loaded on first use, the
 * command client (created from a URL or the host's own), one subscriber
 * connection per backend for wake-ups, the Lua scripts, and BullMQ's root
 * queue backend that every per-cluster queue shares (so a backend holds two
 * connections whatever the number of clusters or waiting agents).
 */
import { createHash } from "node:crypto";
import type * as BullMQ from "bullmq";
import type { Cluster, Redis } from "ioredis";
import type { WaitOptions } from "../../lib/contracts.ts";
import { KubentlyError } from "../../lib/errors.ts";
import type { Waiters } from "../../lib/_utils.ts";
import { SCRIPTS, type ScriptName } from "./_lua.ts";

/** An ioredis client: a standalone/Sentinel `Redis` or a `Cluster`. */
export type RedisClient = Redis | Cluster;

/**
 * The public face of an ioredis client a host passes in (`Redis`,
 * standalone or Sentinel, or `Cluster`): the members Kubently relies on, so
 * the adapter's published types name none of ioredis's (whose own
 * declarations do not compile without `skipLibCheck`). Any ioredis client
 * is one.
 */
export interface RedisClientLike {
  readonly status: string;
  duplicate(): unknown;
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number }): void;
  quit(): Promise<unknown>;
}

/** What the install hint says. */
export const INSTALL_HINT = "npm install ioredis bullmq";

/** Everything the stores and the queue need once connected. */
export interface Runtime {
  /** Prefix of every key this backend writes. */
  readonly prefix: string;
  /** BullMQ's key prefix: a cluster's queue lives under `<bullPrefix>:<clusterId>:*`. */
  readonly bullPrefix: string;
  /** The pub/sub channel carrying `q:<clusterId>` (work to lease), `r:<commandId>` (a result landed), `o:<commandId>` (output appended) and `e:<event>` (the event bus, adapters/redis/events.ts). */
  readonly channel: string;
  readonly redis: RedisClient;
  readonly bull: typeof BullMQ;
  /** BullMQ's backend on the shared connection; per-cluster queues are built on its connection. */
  readonly root: BullMQ.RedisQueueBackend;
  /** Runs one of the scripts in `_lua.ts` (EVALSHA, falling back to EVAL after a server restart). */
  run<T = unknown>(script: ScriptName, keys: string[], args: (string | number)[]): Promise<T>;
}

/** Gets the connected runtime (connecting on first use). */
export type RuntimeSource = () => Promise<Runtime>;

/** Errors that say Redis is away (not a caller's mistake, not a closed backend): what the circuit breaker counts. */
const outages = new WeakSet<Error>();

/** True for an error made by {@link backendError} from a Redis failure or by {@link withTimeout}. */
export const isOutage = (e: unknown): boolean => e instanceof Error && outages.has(e);

/** A `BACKEND_UNAVAILABLE` error that counts as Redis being away. */
export function outage(message: string, cause?: unknown): KubentlyError {
  const error = new KubentlyError("BACKEND_UNAVAILABLE", message, cause === undefined ? undefined : { cause });
  outages.add(error);
  return error;
}

/** Turns anything thrown by Redis (or ioredis/bullmq) into `BACKEND_UNAVAILABLE`; our own errors pass through. */
export function backendError(e: unknown): KubentlyError {
  if (e instanceof KubentlyError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return outage(`redis: ${message}`, e);
}

/** Runs `fn`, reporting Redis failures as {@link backendError}. */
export async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw backendError(e);
  }
}

/** Rejects with `BACKEND_UNAVAILABLE` when `promise` takes longer than `ms`; the promise itself goes on. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(outage(`redis: ${what} (no answer within ${ms} ms)`)), ms);
    (timer as { unref?: () => void }).unref?.();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Longest single wait before a waiter checks Redis again anyway (a safety net; wake-ups come by message). */
export const WAIT_SLICE_MS = 10_000;

/**
 * Calls `look` until it finds something (non-null), waiting between looks on
 * `waiters` under `key`, which the channel's messages wake. Each wait is
 * registered before its look, so a message arriving between the look and the
 * wait is not lost. Resolves with `null` when `waitMs` runs out (after a last
 * look), the signal aborts or `closed()` turns true; with no `waitMs`, looks once.
 */
export async function lookOrWait<T>(waiters: Waiters<true>, key: string, options: WaitOptions, closed: () => boolean, look: () => Promise<T | null>): Promise<T | null> {
  const until = Date.now() + (options.waitMs ?? 0);
  for (;;) {
    const remaining = until - Date.now();
    const stop = new AbortController();
    const waiting =
      remaining > 0 && !options.signal?.aborted && !closed()
        ? waiters.wait(key, Math.min(remaining, WAIT_SLICE_MS), options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal)
        : null;
    let found: T | null;
    try {
      found = await look();
    } catch (e) {
      stop.abort();
      throw e;
    }
    if (found !== null || !waiting) {
      stop.abort();
      return found;
    }
    await waiting;
    if (closed() || options.signal?.aborted) return null;
  }
}

const noop = () => {};

async function loadModules(): Promise<{ RedisCtor: typeof Redis; bull: typeof BullMQ }> {
  try {
    // String literals, so `bun build --compile` bundles both packages.
    const [ioredis, bull] = await Promise.all([import("ioredis"), import("bullmq")]);
    return { RedisCtor: ioredis.Redis ?? ioredis.default, bull };
  } catch (e) {
    throw new KubentlyError(
      "BACKEND_UNAVAILABLE",
      `the redis backend needs the ioredis and bullmq packages (${INSTALL_HINT}): ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
}

/** Command name of each script on the client; versioned by content so two Kubently versions never clash. */
const COMMANDS = Object.fromEntries(
  (Object.keys(SCRIPTS) as ScriptName[]).map((name) => [name, `kubently_${name}_${createHash("sha1").update(SCRIPTS[name].lua).digest("hex").slice(0, 10)}`]),
) as Record<ScriptName, string>;
const scriptCommand = (name: ScriptName) => COMMANDS[name];

function defineScripts(client: RedisClient): void {
  for (const name of Object.keys(SCRIPTS) as ScriptName[]) {
    const command = scriptCommand(name);
    if (typeof (client as unknown as Record<string, unknown>)[command] !== "function") {
      client.defineCommand(command, { numberOfKeys: SCRIPTS[name].keys, lua: SCRIPTS[name].lua });
    }
  }
}

/** Closes a client we created, politely when it is connected. */
async function shut(client: RedisClient): Promise<void> {
  if (client.status === "ready" || client.status === "connect") {
    try {
      await withTimeout(client.quit(), 1_000, "QUIT");
      return;
    } catch {
      // fall through to a hard disconnect
    }
  }
  client.disconnect();
}

/** Options of {@link Connection}. */
export interface ConnectionOptions {
  url?: string;
  client?: RedisClientLike;
  prefix: string;
  /** Every message on the backend's channel. */
  onMessage(message: string): void;
  /** The subscriber reconnected: messages sent meanwhile were lost, so waiters must check again. */
  onResubscribed(): void;
  /** Once, after the first successful connection. */
  onOpen(runtime: Runtime): void;
}

/** How long a call waits for the first connection before failing with `BACKEND_UNAVAILABLE`. */
const OPEN_TIMEOUT_MS = 5_000;

/**
 * Opens lazily and at most once at a time; a failed open is retried by the
 * next call. Connection loss afterwards is ioredis' business (it reconnects,
 * retrying each command a few times before it fails).
 */
export class Connection {
  private opening?: Promise<Runtime>;
  private runtime?: Runtime;
  private own?: RedisClient;
  private sub?: RedisClient;
  private subscribed?: Promise<unknown>;
  private closed = false;

  constructor(private readonly options: ConnectionOptions) {}

  /** The connected runtime; `BACKEND_UNAVAILABLE` when Redis (or a package) is missing. */
  get(): Promise<Runtime> {
    if (this.runtime && !this.closed) return Promise.resolve(this.runtime);
    if (this.closed) return Promise.reject(new KubentlyError("BACKEND_UNAVAILABLE", "redis: the backend is closed"));
    if (!this.opening) {
      this.opening = this.open().then(
        (rt) => {
          this.runtime = rt;
          this.options.onOpen(rt);
          return rt;
        },
        (e) => {
          this.opening = undefined;
          throw backendError(e);
        },
      );
      this.opening.catch(noop);
    }
    return withTimeout(this.opening, OPEN_TIMEOUT_MS, "cannot connect");
  }

  private async open(): Promise<Runtime> {
    const { RedisCtor, bull } = await loadModules();
    const { prefix } = this.options;
    const redis =
      // A host's client is an ioredis client (RedisClientLike is its published shape).
      (this.options.client as RedisClient | undefined) ??
      (this.own ??= (() => {
        const client = new RedisCtor(this.options.url ?? "redis://127.0.0.1:6379", {
          // Fail a command after a few reconnect attempts instead of queueing it for long:
          // callers get BACKEND_UNAVAILABLE within about a second while Redis is away.
          maxRetriesPerRequest: 3,
          retryStrategy: (times: number) => Math.min(50 * 2 ** (times - 1), 2_000),
        });
        client.on("error", noop);
        return client;
      })());
    defineScripts(redis);
    const channel = `${prefix}:ev`;
    if (!this.sub) {
      // Redis#duplicate and Cluster#duplicate differ in their optional arguments; neither is needed.
      const sub = (redis.duplicate as () => RedisClient).call(redis);
      this.sub = sub;
      sub.on("error", noop);
      sub.on("message", (_channel: string, message: string) => this.options.onMessage(message));
      let readies = 0;
      sub.on("ready", () => {
        if (readies++ === 0) return;
        // ioredis re-subscribes on reconnect; a PING answered after that SUBSCRIBE
        // means we hear every message from here on, so waiters may check again.
        const wake = () => this.options.onResubscribed();
        sub.ping().then(wake, wake);
      });
    }
    const sub = this.sub;
    this.subscribed ??= sub.subscribe(channel).catch((e: unknown) => {
      this.subscribed = undefined;
      throw e;
    });
    await this.subscribed;
    const bullPrefix = `${prefix}:q`;
    const root = bull.createRedisBackend("kubently", { connection: redis, prefix: bullPrefix } as Parameters<typeof bull.createRedisBackend>[1]);
    root.on("error", noop);
    try {
      await root.waitUntilReady();
      if (this.closed) throw new KubentlyError("BACKEND_UNAVAILABLE", "redis: the backend is closed");
    } catch (e) {
      await root.close().catch(noop);
      throw e;
    }
    return {
      prefix,
      bullPrefix,
      channel,
      redis,
      bull,
      root,
      run<T>(script: ScriptName, keys: string[], args: (string | number)[]) {
        const fn = (redis as unknown as Record<string, (...a: (string | number)[]) => Promise<T>>)[scriptCommand(script)]!;
        return fn.call(redis, ...keys, ...args);
      },
    };
  }

  /** Answers PING within a second. */
  async ping(): Promise<boolean> {
    try {
      const rt = await withTimeout(this.get(), 1_000, "cannot connect");
      return (await withTimeout(rt.redis.ping(), 1_000, "PING")) === "PONG";
    } catch {
      return false;
    }
  }

  /** Closes the connections this backend created; a host's client stays open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.runtime?.root.close().catch(noop);
    await Promise.all([this.sub, this.own].map((c) => c && shut(c)));
  }
}
