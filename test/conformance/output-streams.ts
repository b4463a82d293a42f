/**
 * Conformance suite for {@link OutputStreams} (streamed command output):
 * every adapter runs it unchanged. `makePair`, when given, makes two
 * instances sharing one backend (two API processes on one Redis, say), to
 * show a read on one is woken by an append on the other.
 *
 * @example describeOutputStreams("memory", fromBackend(() => memoryBackend(), "streams"));
 */
import { describe, expect } from "bun:test";
import type { OutputStreams } from "../../lib/contracts.ts";
import { expectKubentlyError, harness, sleep, timed, uid } from "./_harness.ts";
import type { ConformanceOptions, Make } from "./_options.ts";

/** Options of the OutputStreams suite. */
export interface OutputStreamsOptions extends ConformanceOptions {
  /** Two instances on one shared backend; omit for a backend one process owns. */
  makePair?: Make<[OutputStreams, OutputStreams]>;
}

/** Registers the OutputStreams conformance suite for one adapter. */
export function describeOutputStreams(name: string, make: Make<OutputStreams, { resultTtlMs?: number }>, options: OutputStreamsOptions = {}): void {
  describe(`OutputStreams conformance: ${name}`, () => {
    const h = harness(options);
    const fresh = () => h.make(make, {});
    const it = h.test;
    const id = () => `cmd-${uid()}`;

    it("append(seq 0, 1, 2) then read(0) returns the chunks in order with their sizes summed", async () => {
      const s = await fresh();
      const c = id();
      const sizes = [];
      for (const [seq, data] of ["line one\n", "zwei – drei\n", "3\n"].entries()) sizes.push(await s.append(c, { seq, data }));
      expect(sizes).toEqual([
        { appended: true, bytes: 9 },
        { appended: true, bytes: 9 + Buffer.byteLength("zwei – drei\n") },
        { appended: true, bytes: 9 + Buffer.byteLength("zwei – drei\n") + 2 },
      ]);
      expect(await s.read(c, 0)).toEqual([
        { seq: 0, data: "line one\n" },
        { seq: 1, data: "zwei – drei\n" },
        { seq: 2, data: "3\n" },
      ]);
    });

    it("read(from) skips earlier chunks and honours limit", async () => {
      const s = await fresh();
      const c = id();
      for (let seq = 0; seq < 5; seq++) await s.append(c, { seq, data: `chunk ${seq}` });
      expect((await s.read(c, 3)).map((x) => x.seq)).toEqual([3, 4]);
      expect((await s.read(c, 1, { limit: 2 })).map((x) => x.data)).toEqual(["chunk 1", "chunk 2"]);
      expect(await s.read(c, 5)).toEqual([]);
    });

    it("append of a seq already stored is a retry: nothing changes", async () => {
      const s = await fresh();
      const c = id();
      await s.append(c, { seq: 0, data: "first" });
      await s.append(c, { seq: 1, data: "second" });
      expect(await s.append(c, { seq: 1, data: "second, resent with other text" })).toEqual({ appended: false, bytes: 11 });
      expect(await s.append(c, { seq: 0, data: "x" })).toEqual({ appended: false, bytes: 11 });
      expect((await s.read(c, 0)).map((x) => x.data)).toEqual(["first", "second"]);
    });

    it("append with a gap in seq throws CONFLICT and stores nothing", async () => {
      const s = await fresh();
      const c = id();
      await expectKubentlyError(s.append(c, { seq: 1, data: "too early" }), "CONFLICT");
      await s.append(c, { seq: 0, data: "a" });
      await expectKubentlyError(s.append(c, { seq: 2, data: "skips 1" }), "CONFLICT");
      expect(await s.read(c, 0)).toEqual([{ seq: 0, data: "a" }]);
    });

    it("concurrent appends of the same seq store it once", async () => {
      const s = await fresh();
      const c = id();
      const all = await Promise.all(Array.from({ length: 10 }, (_, i) => s.append(c, { seq: 0, data: `copy ${i}` })));
      expect(all.filter((r) => r.appended)).toHaveLength(1);
      expect(await s.read(c, 0)).toHaveLength(1);
    });

    it("streams of different commands stay apart", async () => {
      const s = await fresh();
      const [a, b] = [id(), id()];
      await s.append(a, { seq: 0, data: "for a" });
      await s.append(b, { seq: 0, data: "for b" });
      expect(await s.read(a, 0)).toEqual([{ seq: 0, data: "for a" }]);
      expect(await s.read(b, 0)).toEqual([{ seq: 0, data: "for b" }]);
    });

    it("read of an unknown stream is [] at once without waitMs", async () => {
      const s = await fresh();
      const { value, ms } = await timed(s.read(id(), 0));
      expect(value).toEqual([]);
      expect(ms).toBeLessThan(500);
    });

    it("read(waitMs) answers the moment a chunk is appended", async () => {
      const s = await fresh();
      const c = id();
      await s.append(c, { seq: 0, data: "old" });
      const waiting = timed(s.read(c, 1, { waitMs: 5_000 }));
      await sleep(100);
      await s.append(c, { seq: 1, data: "new" });
      const { value, ms } = await waiting;
      expect(value).toEqual([{ seq: 1, data: "new" }]);
      expect(ms).toBeLessThan(2_000);
    });

    it("read(waitMs) on a stream that never starts waits, then returns [] when the wait ends", async () => {
      const s = await fresh();
      const c = id();
      const { value, ms } = await timed(s.read(c, 0, { waitMs: 300 }));
      expect(value).toEqual([]);
      expect(ms).toBeGreaterThanOrEqual(250);
      expect(ms).toBeLessThan(3_000);
    });

    it("read(waitMs) ends with [] when its signal aborts", async () => {
      const s = await fresh();
      const controller = new AbortController();
      const waiting = timed(s.read(id(), 0, { waitMs: 5_000, signal: controller.signal }));
      await sleep(100);
      controller.abort();
      const { value, ms } = await waiting;
      expect(value).toEqual([]);
      expect(ms).toBeLessThan(2_000);
    });

    it("several readers of one stream are all woken by one append", async () => {
      const s = await fresh();
      const c = id();
      const readers = Array.from({ length: 4 }, () => s.read(c, 0, { waitMs: 5_000 }));
      await sleep(100);
      await s.append(c, { seq: 0, data: "for everyone" });
      expect((await Promise.all(readers)).map((r) => r.map((x) => x.data))).toEqual(Array(4).fill(["for everyone"]));
    });

    it("a chunk of 256 KiB and chunks with control and non-ASCII characters come back byte for byte", async () => {
      const s = await fresh();
      const c = id();
      const big = "x".repeat(256 * 1024 - 1) + "\n";
      const odd = "tab\tnul\u0000 quote\" backslash\\ emoji 🚀 cr\r\n";
      await s.append(c, { seq: 0, data: big });
      expect(await s.append(c, { seq: 1, data: odd })).toEqual({ appended: true, bytes: 256 * 1024 + Buffer.byteLength(odd) });
      const back = await s.read(c, 0);
      expect(back[0]!.data === big).toBe(true);
      expect(back[1]!.data).toBe(odd);
    });

    if (options.makePair) {
      const makePair = options.makePair;
      it("a read on one instance is woken by an append on another sharing the backend", async () => {
        const [one, two] = await h.make(makePair, {});
        const c = id();
        const waiting = timed(two.read(c, 0, { waitMs: 5_000 }));
        await sleep(200);
        await one.append(c, { seq: 0, data: "across processes" });
        const { value, ms } = await waiting;
        expect(value).toEqual([{ seq: 0, data: "across processes" }]);
        expect(ms).toBeLessThan(2_000);
        await expectKubentlyError(two.append(c, { seq: 2, data: "gap" }), "CONFLICT");
        expect(await two.append(c, { seq: 0, data: "retry" })).toEqual({ appended: false, bytes: 16 });
      });
    }

    h.done();
  });
}
