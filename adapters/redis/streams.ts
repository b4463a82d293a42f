/**
 * OutputStreams on Redis: a command's chunks are a list `<prefix>:out:<id>`
 * (index = seq) and its byte total a counter `<prefix>:out-bytes:<id>`. An
 * append is one script (next seq only, counted, both keys kept a result TTL
 * from this append, `o:<id>` published on the backend's channel), so replicas
 * appending the same seq store it once. A read is one LRANGE; with nothing to
 * return it waits for `o:<id>` on the backend's one subscriber connection.
 */
import type { OutputStreams } from "../../lib/contracts.ts";
import { Waiters } from "../../lib/_utils.ts";
import { streamGap } from "../memory/streams.ts";
import { guarded, lookOrWait, type Runtime, type RuntimeSource } from "./_runtime.ts";

/** What the backend drives besides the contract. */
export interface RedisStreams extends OutputStreams {
  /** Every message on the backend's channel (from any replica). */
  onMessage(message: string): void;
  /** Messages may have been lost (the subscriber reconnected): every reader reads again. */
  wakeAll(): void;
  /** Ends every wait; the connections are the runtime's to close. */
  close(): void;
}

/** Redis OutputStreams; made by `redisBackend`. */
export function redisStreams(rt: RuntimeSource, ttlMs: number): RedisStreams {
  const waiters = new Waiters<true>();
  let closed = false;
  const list = (r: Runtime, id: string) => `${r.prefix}:out:${id}`;

  return {
    append(commandId, chunk) {
      return guarded(async () => {
        const r = await rt();
        const keys = [list(r, commandId), `${r.prefix}:out-bytes:${commandId}`];
        const [state, n] = await r.run<[number, number]>("streamAppend", keys, [chunk.seq, chunk.data, ttlMs, r.channel, `o:${commandId}`]);
        if (state < 0) throw streamGap(commandId, chunk.seq, n);
        return { appended: state === 1, bytes: n };
      });
    },
    read(commandId, from, options = {}) {
      const start = Math.max(0, from);
      const limit = Math.floor(options.limit ?? 1000);
      // LRANGE reads a negative end from the list's tail: no look at all for a limit below 1.
      const look = () =>
        guarded(async () => {
          if (limit < 1) return null;
          const r = await rt();
          const data = await r.redis.lrange(list(r, commandId), start, start + limit - 1);
          return data.length ? data.map((d, i) => ({ seq: start + i, data: d })) : null;
        });
      return lookOrWait(waiters, commandId, options, () => closed, look).then((chunks) => chunks ?? []);
    },
    onMessage(message) {
      if (message.startsWith("o:")) waiters.notifyAll(message.slice(2), true);
    },
    wakeAll() {
      waiters.clear();
    },
    close() {
      closed = true;
      waiters.clear();
    },
  };
}
