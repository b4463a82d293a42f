/**
 * A real `redis-server` for tests: its own process on a free port in a temp
 * dir, started and stopped by the test. When the binary is missing the test
 * fails under `CI=true` and is skipped (with the printed reason) otherwise;
 * see {@link redisUnavailable}.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { freePort } from "./_ports.ts";

/** Options for {@link startRedis}. */
export interface StartRedisOptions {
  /**
   * Keep an append-only file so data survives {@link RedisServer.restart}
   * (`appendfsync always`, so nothing acknowledged is lost). Without it the
   * server keeps nothing on disk and a restart empties it.
   * @default false
   */
  appendonly?: boolean;
}

/** A running redis-server owned by the test. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** The server's working directory (append-only files live here). */
  dir: string;
  /** Stops the server: a clean shutdown, or `SIGKILL` with `{ kill: true }`. The port and data dir are kept for {@link start}. */
  stop(options?: { kill?: boolean }): Promise<void>;
  /** Starts it again on the same port and dir and waits until it answers PING. */
  start(): Promise<void>;
  /** `stop()` then `start()`. */
  restart(options?: { kill?: boolean }): Promise<void>;
  /** Stops the server for good and deletes its dir. */
  close(): Promise<void>;
}

/** Where redis-server is, or null. */
function findRedisServer(): string | null {
  for (const dir of [...(process.env.PATH ?? "").split(delimiter), "/usr/bin", "/usr/local/bin", "/usr/sbin"]) {
    if (!dir) continue;
    const candidate = join(dir, "redis-server");
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/**
 * Why Redis tests cannot run here, or null when they can. Throws under
 * `CI=true` instead of returning a reason: CI must not skip them silently.
 */
export function redisUnavailable(): string | null {
  const bin = findRedisServer();
  let reason: string | null = null;
  if (!bin) reason = "redis-server is not installed (apt-get install redis-server)";
  else if (spawnSync(bin, ["--version"]).status !== 0) reason = `${bin} --version failed`;
  if (reason && process.env.CI === "true") throw new Error(`CI=true but ${reason}`);
  return reason;
}


/** True when something on `port` answers PING with PONG (and not LOADING). */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    let data = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      data += chunk.toString();
      if (data.includes("\r\n")) done(data.startsWith("+PONG"));
    });
  });
}

/** Starts a redis-server of its own on a free port; see {@link RedisServer}. */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  const bin = findRedisServer();
  if (!bin) throw new Error("redis-server is not installed");
  const dir = mkdtempSync(join(tmpdir(), "kubently-redis-"));
  const port = await freePort();
  const args = [
    "--port", String(port),
    "--bind", "127.0.0.1",
    "--dir", dir,
    "--save", "",
    "--daemonize", "no",
    "--loglevel", "warning",
    "--logfile", join(dir, "redis.log"),
    ...(options.appendonly ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]),
  ];
  let child: ChildProcess | null = null;
  // A test runner that exits without closing us must not leave redis-server behind.
  const reap = () => child?.kill("SIGKILL");
  process.once("exit", reap);

  async function start(): Promise<void> {
    if (child) return;
    const proc = spawn(bin!, args, { stdio: "ignore" });
    child = proc;
    proc.once("exit", () => {
      if (child === proc) child = null;
    });
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      if (child !== proc) throw new Error(`redis-server on port ${port} exited while starting (see ${join(dir, "redis.log")})`);
      if (await pong(port)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    proc.kill("SIGKILL");
    throw new Error(`redis-server on port ${port} did not answer PING within 10 s`);
  }

  async function stop({ kill = false }: { kill?: boolean } = {}): Promise<void> {
    const proc = child;
    if (!proc) return;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill(kill ? "SIGKILL" : "SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
    child = null;
  }

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    stop,
    start,
    async restart(o) {
      await stop(o);
      await start();
    },
    async close() {
      await stop();
      process.off("exit", reap);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
