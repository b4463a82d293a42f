/**
 * Streams a running command's output to the API. Output is cut only where
 * redaction can read each piece on its own (`safeCut` in lib/redact), each
 * piece goes through the agent's `after` policies, and the redacted text is
 * posted in order: at once when the last post was at least `flushMs` ago,
 * else gathered until then (so a quiet stream's lines go out as they come,
 * and a busy one's are batched). A post answered "stop"
 * (cancelled, lease lost, over budget) or a policy failing stops kubectl.
 */
import type { OutputChunk } from "../contracts.ts";
import { safeCut, type StreamUnit } from "../redact/stream.ts";
import type { Result } from "../schemas.ts";
import { sleep } from "../_utils.ts";

/** What a streamer needs from the agent. */
export interface OutputStreamerOptions {
  unit: StreamUnit;
  /** Runs the `after` policies over one piece: its redacted text, or the failure result that withholds it. */
  redact(text: string): Promise<{ text: string; redacted?: boolean } | { failed: Result }>;
  /** Posts one chunk; false means stop the command. Throws when the API cannot be reached. */
  post(chunk: OutputChunk): Promise<boolean>;
  /** Stops kubectl. */
  stop(): void;
  /** Least time between the starts of two posts. */
  flushMs: number;
  /** Most characters one post carries. */
  maxPostChars: number;
  log?: (level: "warn", message: string) => void;
}

/** One command's output stream. */
export interface OutputStreamer {
  /** Feeds stdout text as kubectl writes it. */
  push(text: string): void;
  /** Sends what is left and waits for every post: the output as sent (and whether anything in it was masked), or the failure that stopped it. */
  finish(): Promise<{ output: string; redacted: boolean; failed?: Result }>;
}

/** Creates the streamer for one command. */
export function outputStreamer(options: OutputStreamerOptions): OutputStreamer {
  let pending = "";
  let holding = false;
  let outbox = "";
  const sent: string[] = [];
  let seq = 0;
  let stopped = false;
  let failed: Result | undefined;
  let redacted = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastPostAt = -Infinity;
  // Redacting and posting run one at a time, in order.
  let chain: Promise<void> = Promise.resolve();
  const then = (step: () => Promise<void>) => {
    chain = chain.then(step).catch((e) => {
      halt(`streaming failed: ${(e as Error).message}`);
    });
  };
  const halt = (why: string) => {
    if (stopped) return;
    stopped = true;
    options.log?.("warn", why);
    options.stop();
  };

  const postOutbox = async () => {
    while (outbox && !stopped) {
      let end = Math.min(outbox.length, options.maxPostChars);
      // Never split a surrogate pair.
      if (end < outbox.length && /[\uD800-\uDBFF]/.test(outbox[end - 1]!)) end--;
      const chunk = { seq, data: outbox.slice(0, end) };
      lastPostAt = Date.now();
      if (!(await postWithRetry(chunk))) return halt("the API stopped the stream");
      seq++;
      outbox = outbox.slice(end);
    }
  };
  const postWithRetry = async (chunk: OutputChunk): Promise<boolean> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await options.post(chunk);
      } catch (e) {
        if (attempt >= 4) throw e;
        await sleep(250 * 2 ** attempt);
      }
    }
  };
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    then(postOutbox);
  };
  const send = (piece: string) =>
    then(async () => {
      if (stopped) return;
      const r = await options.redact(piece);
      if ("failed" in r) {
        failed = r.failed;
        return halt(`output withheld: ${r.failed.error ?? r.failed.code}`);
      }
      redacted ||= r.redacted === true;
      sent.push(r.text);
      outbox += r.text;
      const wait = lastPostAt + options.flushMs - Date.now();
      if (outbox.length >= options.maxPostChars || wait <= 0) flush();
      else timer ??= setTimeout(flush, wait);
    });

  return {
    push(text) {
      if (stopped) return;
      pending += text;
      // Once the rest must go whole, nothing is scanned again: holding costs nothing per write.
      if (holding) return;
      const { cut, holdRest } = safeCut(pending, options.unit);
      holding = holdRest;
      if (cut <= 0) return;
      send(pending.slice(0, cut));
      pending = pending.slice(cut);
    },
    async finish() {
      if (pending) send(pending);
      pending = "";
      then(async () => {
        clearTimeout(timer);
        timer = undefined;
        await postOutbox();
      });
      await chain;
      return { output: sent.join(""), redacted, ...(failed ? { failed } : {}) };
    },
  };
}
