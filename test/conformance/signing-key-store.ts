/**
 * Conformance suite for {@link SigningKeyStore}: where a backend keeps the
 * API's signing key so commands queued before a restart still verify after
 * it (issue 17 item 7). Backends that keep no key (memory, Redis) do not run
 * it; their own suites test that `signingKey` is absent.
 *
 * @example describeSigningKeyStore("sqlite", (context) => ({ open: () => sqliteBackend({ filename, ...}).signingKey! }));
 */
import { describe, expect } from "bun:test";
import type { SigningKeyStore } from "../../lib/contracts.ts";
import { createSigner, generateSigningKeyPem } from "../../lib/signing.ts";
import { harness } from "./_harness.ts";
import type { ConformanceOptions, Make } from "./_options.ts";

/** One place a key is kept; every `open()` is a new backend on it, as after a restart or in another replica. */
export interface SigningKeyPlace {
  open(): SigningKeyStore | Promise<SigningKeyStore>;
}

/** The tests of the suite, by name. */
export const SIGNING_KEY_STORE_TESTS = [
  "load(create) keeps the first key and answers it on every later call",
  "load(create) after a restart answers the key kept before it",
  "load(create) from concurrent first starts answers one key to all of them",
  "load(create) keeps nothing when create() throws",
];

/** Registers the SigningKeyStore conformance suite for one adapter. */
export function describeSigningKeyStore(name: string, make: Make<SigningKeyPlace>, options: ConformanceOptions = {}): void {
  describe(`SigningKeyStore conformance: ${name}`, () => {
    const h = harness(options);
    const [keeps, restart, concurrent, throwing] = SIGNING_KEY_STORE_TESTS as [string, string, string, string];

    h.test(keeps, async () => {
      const store = await (await h.make(make, {})).open();
      let made = 0;
      const create = () => (made++, generateSigningKeyPem());
      const first = await store.load(create);
      expect(createSigner(first).keyId).toMatch(/^[0-9a-f]{16}$/);
      expect(await store.load(create)).toBe(first);
      expect(made).toBe(1);
      expect(store.location).toBeTruthy();
    });

    h.test(restart, async () => {
      const place = await h.make(make, {});
      const before = await (await place.open()).load(generateSigningKeyPem);
      expect(await (await place.open()).load(() => generateSigningKeyPem())).toBe(before);
    });

    h.test(concurrent, async () => {
      // Replicas starting together on an empty place: each makes a key, exactly one is kept, all sign with it.
      const place = await h.make(make, {});
      const stores = await Promise.all(Array.from({ length: 8 }, () => place.open()));
      const offered = stores.map(() => generateSigningKeyPem());
      const answered = await Promise.all(stores.map((s, i) => s.load(() => offered[i]!)));
      expect(new Set(answered).size).toBe(1);
      expect(offered).toContain(answered[0]!);
      expect(await (await place.open()).load(generateSigningKeyPem)).toBe(answered[0]!);
    });

    h.test(throwing, async () => {
      const place = await h.make(make, {});
      const store = await place.open();
      await expect(
        store.load(() => {
          throw new Error("no entropy");
        }),
      ).rejects.toThrow("no entropy");
      const pem = generateSigningKeyPem();
      expect(await store.load(() => pem)).toBe(pem);
    });

    h.done();
  });
}
