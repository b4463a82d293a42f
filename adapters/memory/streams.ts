/**
 * In-memory OutputStreams: chunks per command in this process, dropped a
 * result TTL after their last append.
 */
import type { OutputChunk, OutputStreams } from "../../lib/contracts.ts";
import { KubentlyError } from "../../lib/errors.ts";
import { Waiters } from "../../lib/_utils.ts";

/** The `CONFLICT` for a chunk that skips ahead of the command's next `seq`; every adapter throws this one. */
export const streamGap = (commandId: string, seq: number, next: number): KubentlyError =>
  new KubentlyError("CONFLICT", `chunk ${seq} of ${commandId.slice(0, 80)} arrived before chunk ${next}`);

interface Stream {
  chunks: string[];
  bytes: number;
  touchedAt: number;
}

/** In-memory output streams; `close()` ends every wait. */
export function memoryStreams(ttlMs: number): OutputStreams & { close(): void } {
  const streams = new Map<string, Stream>();
  const waiters = new Waiters<true>();
  let sweptAt = Date.now();
  const sweep = (now: number) => {
    if (now - sweptAt < Math.min(ttlMs, 60_000)) return;
    sweptAt = now;
    for (const [id, s] of streams) if (now - s.touchedAt > ttlMs) streams.delete(id);
  };
  const slice = (id: string, from: number, limit: number): OutputChunk[] =>
    (streams.get(id)?.chunks.slice(Math.max(0, from), Math.max(0, from) + limit) ?? []).map((data, i) => ({ seq: Math.max(0, from) + i, data }));

  return {
    async append(commandId, chunk) {
      const now = Date.now();
      sweep(now);
      let s = streams.get(commandId);
      if (!s) streams.set(commandId, (s = { chunks: [], bytes: 0, touchedAt: now }));
      if (chunk.seq < s.chunks.length) return { appended: false, bytes: s.bytes };
      if (chunk.seq > s.chunks.length) throw streamGap(commandId, chunk.seq, s.chunks.length);
      s.chunks.push(chunk.data);
      s.bytes += Buffer.byteLength(chunk.data);
      s.touchedAt = now;
      waiters.notifyAll(commandId, true);
      return { appended: true, bytes: s.bytes };
    },
    async read(commandId, from, options = {}) {
      const limit = options.limit ?? 1000;
      const now = slice(commandId, from, limit);
      if (now.length > 0 || !options.waitMs) return now;
      await waiters.wait(commandId, options.waitMs, options.signal);
      return slice(commandId, from, limit);
    },
    close() {
      waiters.clear();
    },
  };
}
