/**
 * In-memory OutputStreams: chunks per command in this process, dropped a
 * result TTL after their last append, or earlier past the stream bounds.
 */
import type { OutputChunk, OutputStreams } from "../../lib/contracts.ts";
import { KubentlyError } from "../../lib/errors.ts";
import { Waiters } from "../../lib/_utils.ts";
import type { MemoryStoreStats } from "./_stats.ts";

/** The `CONFLICT` for a chunk that skips ahead of the command's next `seq`; every adapter throws this one. */
export const streamGap = (commandId: string, seq: number, next: number): KubentlyError =>
  new KubentlyError("CONFLICT", `chunk ${seq} of ${commandId.slice(0, 80)} arrived before chunk ${next}`);

interface Stream {
  chunks: string[];
  bytes: number;
  touchedAt: number;
}

/** Bounds of {@link memoryStreams}. */
export interface MemoryStreamLimits {
  /** Streams kept at most; the least recently appended is dropped first. */
  maxStreams: number;
  /** Bytes kept at most over all streams (UTF-8); the least recently appended stream is dropped first, never the one being appended to. */
  maxBytes: number;
}

/**
 * In-memory output streams; `close()` ends every wait. Streams are kept in
 * the order of their last append, which is also their expiry order, so
 * expiry and the bounds drop from the front.
 */
export function memoryStreams(
  ttlMs: number,
  limits: MemoryStreamLimits = { maxStreams: Infinity, maxBytes: Infinity },
): OutputStreams & { close(): void; stats(): MemoryStoreStats } {
  const streams = new Map<string, Stream>();
  const waiters = new Waiters<true>();
  let total = 0;
  let dropped = 0;
  const drop = (id: string, s: Stream) => {
    streams.delete(id);
    total -= s.bytes;
  };
  /** Drops expired streams, then the oldest past the bounds (counted), keeping `current`. */
  const trim = (now: number, current: string) => {
    for (const [id, s] of streams) {
      if (id === current) return;
      if (now - s.touchedAt > ttlMs) drop(id, s);
      else if (streams.size > limits.maxStreams || total > limits.maxBytes) {
        drop(id, s);
        dropped++;
      } else return;
    }
  };
  const slice = (id: string, from: number, limit: number): OutputChunk[] =>
    (streams.get(id)?.chunks.slice(Math.max(0, from), Math.max(0, from) + limit) ?? []).map((data, i) => ({ seq: Math.max(0, from) + i, data }));

  return {
    async append(commandId, chunk) {
      const now = Date.now();
      let s = streams.get(commandId);
      if (!s) s = { chunks: [], bytes: 0, touchedAt: now };
      if (chunk.seq < s.chunks.length) return { appended: false, bytes: s.bytes };
      if (chunk.seq > s.chunks.length) throw streamGap(commandId, chunk.seq, s.chunks.length);
      s.chunks.push(chunk.data);
      const size = Buffer.byteLength(chunk.data);
      s.bytes += size;
      total += size;
      s.touchedAt = now;
      // Re-inserted, so the map stays in order of last append.
      streams.delete(commandId);
      streams.set(commandId, s);
      trim(now, commandId);
      waiters.notifyAll(commandId, true);
      return { appended: true, bytes: s.bytes };
    },
    async read(commandId, from, options = {}) {
      trim(Date.now(), commandId);
      const limit = options.limit ?? 1000;
      const now = slice(commandId, from, limit);
      if (now.length > 0 || !options.waitMs) return now;
      await waiters.wait(commandId, options.waitMs, options.signal);
      return slice(commandId, from, limit);
    },
    close() {
      waiters.clear();
    },
    stats: () => ({ count: streams.size, bytes: total, dropped }),
  };
}
