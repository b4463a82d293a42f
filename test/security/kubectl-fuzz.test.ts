/**
 * Properties of the kubectl grammar over generated argv (fast-check, fixed
 * seed so every mutant meets the same inputs): it never throws, answers with
 * a listed rule, is deterministic, accepts every valid spelling of every
 * accepted flag and denies every flag off a verb's allowlist wherever it is
 * placed. `KUBENTLY_FUZZ_RUNS` sets the runs per property (`npm test`: 3000).
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { GLOBAL_FLAGS, RULES, VERBS, isRestricted, parseKubectl, type FlagSpec, type ParseResult, type VerbSpec } from "../../lib/kubectl/index.ts";

const SPECS = [...VERBS.values()];
/** 150 runs a property here (mutation runs repeat the suite thousands of times); `npm test` sets 3000. */
const RUNS = { numRuns: Number(process.env.KUBENTLY_FUZZ_RUNS ?? 150), seed: 19 };

/** Accepted flags of a verb: its own (not denied) plus the allowed globals. */
function acceptedFlags(spec: VerbSpec): FlagSpec[] {
  const globals = GLOBAL_FLAGS.filter((g) => !g.deny && (spec.namespaced || g.name !== "namespace"));
  return [...spec.flags.filter((f) => !f.deny), ...globals];
}

/** A value the flag accepts. */
function sampleValue(f: FlagSpec, spec: VerbSpec): string {
  if (f.values) return f.values[0]!;
  switch (f.kind) {
    case "int": return "5";
    case "duration": return "30s";
    case "time": return "2024-01-02T03:04:05Z";
    case "dns-label": return "kube-system";
    case "output": return spec.outputs?.[0] ?? "json";
    case "verbosity": return "2";
    case "resource-ref": return "pod/web";
    default: return "app=web";
  }
}

/** Every spelling kubectl accepts for one valid use of the flag, each as a token list. */
function spellings(f: FlagSpec, spec: VerbSpec): string[][] {
  const v = sampleValue(f, spec);
  const longs = [f.name, f.name.replaceAll("-", "_")];
  if (f.kind === "bool") {
    return [...longs.flatMap((n) => [[`--${n}`], [`--${n}=true`]]), ...(f.short ? [[`-${f.short}`], [`-${f.short}=true`]] : [])];
  }
  return [
    ...longs.flatMap((n) => [[`--${n}=${v}`], [`--${n}`, v]]),
    ...(f.short ? [[`-${f.short}`, v], [`-${f.short}${v}`], [`-${f.short}=${v}`]] : []),
  ];
}

const verbArb = fc.constantFrom(...SPECS);
const nameArb = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/);
const junkArb = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 8 }),
  // Any code point, lone surrogates included (`unit: "binary"` builds its table for half a second).
  fc.string({ unit: fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c)), maxLength: 8 }),
  fc.constantFrom("--", "-", "", "=", "-=", "--=", "---x", "-n=", "-o=", "secrets", "secret/x", "Secret.v1./x", "all", "dump"),
);

/** Builds an arbitrary once per verb (constructing arbitraries inside `chain` per sample is slow). */
const perVerb = <T>(make: (spec: VerbSpec) => fc.Arbitrary<T>) => {
  const cache = new Map(SPECS.map((s) => [s, make(s)] as const));
  return (spec: VerbSpec): fc.Arbitrary<T> => cache.get(spec)!;
};

/** A token list valid for the verb: accepted flags in any spelling, with valid values. */
const validTokensArb = perVerb((spec) =>
  fc.array(fc.constantFrom(...acceptedFlags(spec).flatMap((f) => spellings(f, spec))), { maxLength: 6 }).map((xs) => xs.flat()),
);

// Flags no verb accepts: every denied global, file/raw/template flags, and made-up names.
const BAD_FLAGS = [
  "--server=https://evil", "--server", "-s", "-shttps://evil", "--as=system:masters", "--as", "--as-group=g", "--token=t",
  "--kubeconfig=/etc/x", "--context=prod", "--cluster=c", "--user=u", "--insecure-skip-tls-verify", "--insecure_skip_tls_verify",
  "--certificate-authority=/x", "--client-key=/x", "--cache-dir=/tmp", "--profile=cpu", "--log-file=/x", "--raw=/api",
  "--raw", "-f", "--filename=/etc/passwd", "-k", "--kustomize=.", "--template={{.}}", "-R", "-h", "--help", "---x", "--=x",
  "--server_=x", "--namespace_=x", "-v=9", "--v=10",
];
const badFlagArb = perVerb((spec) => {
  const accepted = acceptedFlags(spec);
  const shorts = new Set(accepted.flatMap((f) => (f.short ? [f.short] : [])));
  const longs = new Set(accepted.map((f) => f.name));
  // A curated flag may be fine for this verb (`-f` is `logs --follow`); only keep the ones it does not accept.
  const curated = BAD_FLAGS.filter((t) => {
    const long = /^--([^=]+)/.exec(t)?.[1];
    if (long !== undefined) return !longs.has(long.replaceAll("_", "-")) || /^-v=|^--v=/.test(t);
    return !shorts.has(t[1]!) || t.startsWith("-v=");
  });
  // No digits: `-6` after an int flag is a negative value, in kubectl as here.
  const freeShorts = "abcdeghijkmrtuxyzBCDEFGHIJKMNOPQSTUVWXYZ".split("").filter((c) => !shorts.has(c));
  return fc.oneof(
    fc.constantFrom(...curated),
    fc.stringMatching(/^[a-z0-9-]{1,12}$/).map((n) => `--x-${n}`),
    fc.tuple(fc.constantFrom(...freeShorts), fc.constantFrom("", "=1", "foo")).map(([c, rest]) => `-${c}${rest}`),
  );
});

const serialize = (r: ParseResult) => JSON.stringify(r.ok ? { ...r.command, flags: [...r.command.flags] } : r);

describe("kubectl grammar properties", () => {
  test("never throws and always answers with a listed rule (random argv)", () => {
    const argvArb = fc.oneof(
      fc.array(junkArb, { maxLength: 12 }),
      fc.tuple(verbArb, fc.array(fc.oneof(junkArb, nameArb), { maxLength: 10 })).map(([s, rest]) => [...s.path, ...rest]),
      verbArb.chain((s) => fc.tuple(fc.constant(s.path), validTokensArb(s), fc.array(junkArb, { maxLength: 4 }))).map(([p, a, b]) => [...p, ...a, ...b]),
    );
    fc.assert(
      fc.property(argvArb, (argv) => {
        const r = parseKubectl(argv);
        if (!r.ok) {
          expect(RULES).toContain(r.rule);
          expect(r.rule).not.toBe("internal-error");
          expect(r.reason.length).toBeGreaterThan(0);
        }
      }),
      RUNS,
    );
  });

  test("parsing is deterministic and does not mutate argv", () => {
    fc.assert(
      fc.property(fc.tuple(verbArb, fc.array(fc.oneof(junkArb, nameArb), { maxLength: 10 })), ([s, rest]) => {
        const argv = [...s.path, ...rest];
        const copy = [...argv];
        expect(serialize(parseKubectl(argv))).toBe(serialize(parseKubectl(argv)));
        expect(argv).toEqual(copy);
      }),
      RUNS,
    );
  });

  test("valid flag spellings of an allowed verb are accepted", () => {
    fc.assert(
      fc.property(verbArb.chain((s) => fc.tuple(fc.constant(s), validTokensArb(s))), ([s, tokens]) => {
        const argv = [...s.path, ...(s.path[0] === "rollout" ? ["deploy/web"] : []), ...tokens];
        const r = parseKubectl(argv);
        expect(r.ok ? "ok" : `${r.rule}: ${r.reason}`).toBe("ok");
      }),
      RUNS,
    );
  });

  test("a flag not on the verb's allowlist is denied wherever it is placed", () => {
    const arb = verbArb.chain((s) =>
      fc.tuple(fc.constant(s), validTokensArb(s), badFlagArb(s), fc.nat()),
    );
    fc.assert(
      fc.property(arb, ([s, tokens, bad, at]) => {
        const i = at % (tokens.length + 1);
        const argv = [...s.path, ...tokens.slice(0, i), bad, ...tokens.slice(i)];
        const r = parseKubectl(argv);
        expect(r.ok).toBe(false);
      }),
      RUNS,
    );
  });

  test("a flag before the verb is always denied", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 10 }), verbArb, (flag, s) => {
        const r = parseKubectl([`-${flag}`, ...s.path, "pods"]);
        expect(r.ok).toBe(false);
      }),
      RUNS,
    );
  });

  test("a control character anywhere is denied", () => {
    const control = fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c));
    fc.assert(
      fc.property(fc.tuple(verbArb, fc.array(nameArb, { maxLength: 4 }), control, fc.nat(), fc.nat()), ([s, rest, ch, at, pos]) => {
        const argv = [...s.path, ...rest];
        const i = at % argv.length;
        const word = argv[i]!;
        const p = pos % (word.length + 1);
        argv[i] = word.slice(0, p) + ch + word.slice(p);
        const r = parseKubectl(argv);
        expect(r.ok ? "ok" : r.rule).toBe("non-printable");
      }),
      RUNS,
    );
  });

  test("an accepted command only carries accepted flags and never a restricted resource", () => {
    const arb = verbArb.chain((s) =>
      fc.tuple(fc.constant(s), fc.array(fc.oneof(validTokensArb(s).map((t) => t.join(" ")), nameArb, fc.constantFrom("secrets", "secret/x", "po,secret", "Secret", "--", "-A")), { maxLength: 6 })),
    );
    fc.assert(
      fc.property(arb, ([s, parts]) => {
        const argv = [...s.path, ...parts.flatMap((p) => p.split(" ")).filter((t) => t !== "")];
        const r = parseKubectl(argv);
        if (!r.ok) return;
        const names = new Set(acceptedFlags(s).map((f) => f.name));
        for (const key of r.command.flags.keys()) expect(names).toContain(key);
        for (const ref of r.command.resources) expect(isRestricted(ref.resource, ["secrets"])).toBe(false);
      }),
      RUNS,
    );
  });

  test("every spelling of one flag use parses to the same flags", () => {
    const arb = verbArb
      .filter((s) => acceptedFlags(s).length > 0)
      .chain((s) => fc.tuple(fc.constant(s), fc.constantFrom(...acceptedFlags(s))));
    fc.assert(
      fc.property(arb, ([s, f]) => {
        const prefix = [...s.path, ...(s.path[0] === "rollout" ? ["deploy/web"] : [])];
        const seen = new Set(spellings(f, s).map((tokens) => serialize(parseKubectl([...prefix, ...tokens]))));
        expect(seen.size).toBe(1);
      }),
      { numRuns: 100, seed: 19 },
    );
  });

  test("argv[0] that is not an allowed verb is denied", () => {
    const allowedFirst = new Set(SPECS.map((s) => s.path[0]));
    fc.assert(
      fc.property(fc.string({ maxLength: 16 }).filter((w) => !allowedFirst.has(w)), fc.array(nameArb, { maxLength: 3 }), (verb, rest) => {
        expect(parseKubectl([verb, ...rest]).ok).toBe(false);
      }),
      RUNS,
    );
  });
});
