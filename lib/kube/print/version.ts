/**
 * `kubectl version` (kubectl v1.32, pkg/cmd/version) rendered from data.
 *
 * Which client version the native executor reports (decision): it answers as
 * kubectl would, and kubectl reports its own build. So the caller passes a
 * client {@link VersionInfo}:
 * - when a kubectl binary is on PATH, the one it reports
 *   (`kubectl version --client -o json`, read once and cached), together with
 *   its `kustomizeVersion`, so native and spawned answers agree byte for byte;
 * - otherwise {@link nativeClientVersion}: the upstream kubectl release the
 *   native layer mirrors (v1.32.4), with the host's platform, and Kustomize
 *   v5.5.0 (the version kubectl 1.32 embeds; kubectl always prints the line,
 *   so the native answer prints it too, although it does not run kustomize).
 *
 * The server part is `GET /version` as the server sent it ({@link versionInfoFromJson}).
 */
import type { CommandOutput } from "./events.ts";

/** apimachinery `version.Info` as kubectl 1.32 knows it (newer servers' extra fields are dropped). */
export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

/** The Kustomize version kubectl 1.32 prints. */
export const KUSTOMIZE_VERSION = "v5.5.0";

/** Upstream kubectl v1.32.4 (linux/amd64 build), the release the native layer mirrors. */
export const KUBECTL_RELEASE: Readonly<VersionInfo> = Object.freeze({
  major: "1",
  minor: "32",
  gitVersion: "v1.32.4",
  gitCommit: "59526cd4867447956156ae3a602fcbac10a2c335",
  gitTreeState: "clean",
  buildDate: "2025-04-22T16:03:58Z",
  goVersion: "go1.23.6",
  compiler: "gc",
  platform: "linux/amd64",
});

/**
 * The client version the native executor reports when no kubectl binary
 * exists: {@link KUBECTL_RELEASE} with `platform` set to the host's, in Go's
 * spelling (see {@link goPlatform}).
 */
export function nativeClientVersion(platform: string): VersionInfo {
  return { ...KUBECTL_RELEASE, platform };
}

/** Node's `process.platform`/`process.arch` in Go's `GOOS/GOARCH` spelling (`linux/amd64`, `darwin/arm64`, `windows/amd64`). */
export function goPlatform(platform: string, arch: string): string {
  const os = platform === "win32" ? "windows" : platform === "sunos" ? "solaris" : platform;
  const goArch: Record<string, string> = { x64: "amd64", ia32: "386", arm: "arm", arm64: "arm64", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64", loong64: "loong64", mips: "mips", mipsel: "mipsle" };
  return `${os}/${goArch[arch] ?? arch}`;
}

/**
 * Reads a `GET /version` body (or kubectl's `clientVersion` object) the way
 * kubectl decodes it into `version.Info`: the nine known string fields, a
 * missing or non-string field as `""`, anything else dropped.
 */
export function versionInfoFromJson(doc: unknown): VersionInfo {
  const r = doc !== null && typeof doc === "object" ? (doc as Record<string, unknown>) : {};
  const s = (k: string) => (typeof r[k] === "string" ? (r[k] as string) : "");
  return {
    major: s("major"),
    minor: s("minor"),
    gitVersion: s("gitVersion"),
    gitCommit: s("gitCommit"),
    gitTreeState: s("gitTreeState"),
    buildDate: s("buildDate"),
    goVersion: s("goVersion"),
    compiler: s("compiler"),
    platform: s("platform"),
  };
}

/** What `kubectl version` prints from. */
export interface VersionOptions {
  /** The client version to report (see the module comment for which one). */
  client: VersionInfo;
  /**
   * The server's `/version`; null with `--client`, or when it could not be
   * read (kubectl then prints the client part, and the caller appends the
   * connection error kubectl prints to stderr, exit 1).
   */
  server: VersionInfo | null;
  /** @default {@link KUSTOMIZE_VERSION} */
  kustomizeVersion?: string;
  /** `-o`: `""`, `json` or `yaml` (case-sensitive, as kubectl checks it). */
  output?: string;
  /** Positional arguments; kubectl refuses any (but not with `--client`, which skips that check). */
  args?: readonly string[];
  /** `--client`. */
  clientOnly?: boolean;
}

/**
 * `kubectl version` output: `Client Version`, `Kustomize Version` and
 * `Server Version` lines, or the `Version` object as JSON (two-space indent)
 * or YAML (sorted keys, followed by an empty line, as kubectl prints it).
 * With a server, the version-skew warning kubectl prints goes to stderr
 * (more than one minor version apart, or another major version); a
 * gitVersion kubectl cannot parse as semver makes it fail after printing.
 */
export function renderVersion(options: VersionOptions): CommandOutput {
  const output = options.output ?? "";
  if (!options.clientOnly && options.args && options.args.length > 0) return fail(`extra arguments: [${options.args.join(" ")}]`);
  if (output !== "" && output !== "yaml" && output !== "json") return fail("--output must be 'yaml' or 'json'");
  const kustomize = options.kustomizeVersion ?? KUSTOMIZE_VERSION;
  const server = options.clientOnly ? null : options.server;

  let stdout: string;
  if (output === "") {
    stdout = `Client Version: ${options.client.gitVersion}\nKustomize Version: ${kustomize}\n`;
    if (server) stdout += `Server Version: ${server.gitVersion}\n`;
  } else if (output === "json") {
    // Rebuilt so the fields come in version.Info's order whatever the caller's object order.
    const doc: Record<string, unknown> = { clientVersion: versionInfoFromJson(options.client) };
    if (kustomize !== "") doc.kustomizeVersion = kustomize;
    if (server) doc.serverVersion = versionInfoFromJson(server);
    stdout = `${goJson(doc, "  ")}\n`;
  } else {
    const info = (v: VersionInfo) => {
      const n = versionInfoFromJson(v);
      return (Object.keys(n) as (keyof VersionInfo)[])
        .sort()
        .map((k) => `  ${k}: ${yamlString(n[k])}\n`)
        .join("");
    };
    stdout = `clientVersion:\n${info(options.client)}`;
    if (kustomize !== "") stdout += `kustomizeVersion: ${yamlString(kustomize)}\n`;
    if (server) stdout += `serverVersion:\n${info(server)}`;
    stdout += "\n";
  }

  if (!server) return { stdout, stderr: "", exitCode: 0 };
  const skew = versionSkewWarning(options.client, server);
  if ("error" in skew) return { stdout, stderr: `error: ${skew.error}\n`, exitCode: 1 };
  return { stdout, stderr: skew.warning ?? "", exitCode: 0 };
}

/**
 * kubectl's version-skew check: the warning line it prints to stderr when
 * client and server differ in major version or by more than one minor
 * version, nothing otherwise, or the error it fails with when either
 * gitVersion is not semver.
 */
export function versionSkewWarning(client: VersionInfo, server: VersionInfo): { warning: string | null } | { error: string } {
  const c = parseSemantic(client.gitVersion);
  if ("error" in c) return c;
  const s = parseSemantic(server.gitVersion);
  if ("error" in s) return s;
  if (c.major !== s.major || Math.abs(c.minor - s.minor) > 1) {
    return {
      warning: `WARNING: version difference between client (${c.major}.${c.minor}) and server (${s.major}.${s.minor}) exceeds the supported minor version skew of +/-1\n`,
    };
  }
  return { warning: null };
}

/** apimachinery `version.ParseSemantic`, reduced to what the skew check needs (with its error texts). */
function parseSemantic(str: string): { major: number; minor: number } | { error: string } {
  const m = /^\s*v?([0-9]+(?:\.[0-9]+)*)(.*)$/.exec(str);
  if (!m || str.includes("\n")) return { error: `could not parse ${goQuote(str)} as version` };
  const numbers = m[1] as string;
  const extra = m[2] as string;
  const comps = numbers.split(".");
  if (comps.length !== 3) return { error: `illegal version string ${goQuote(str)}` };
  const values: number[] = [];
  for (const comp of comps) {
    if (comp.startsWith("0") && comp !== "0") return { error: `illegal zero-prefixed version component ${goQuote(comp)} in ${goQuote(str)}` };
    values.push(Number(comp));
  }
  if (extra !== "") {
    const x = /^(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?\s*$/.exec(extra);
    if (!x) return { error: `could not parse pre-release/metadata (${extra}) in version ${goQuote(str)}` };
    for (const comp of (x[1] ?? "").split(".")) {
      if (/^[0-9]+$/.test(comp) && comp.startsWith("0") && comp !== "0") {
        return { error: `illegal zero-prefixed version component ${goQuote(comp)} in ${goQuote(str)}` };
      }
    }
  }
  return { major: values[0] as number, minor: values[1] as number };
}

function fail(message: string): CommandOutput {
  return { stdout: "", stderr: `error: ${message}\n`, exitCode: 1 };
}

/** Go's `%q` for the printable strings version fields hold. */
function goQuote(s: string): string {
  return goJsonString(s);
}

/** Go's encoding/json string: like JSON.stringify, plus `<`, `>`, `&`, U+2028, U+2029 escaped. */
function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** `json.MarshalIndent` of plain objects of strings. */
function goJson(v: unknown, indent: string, depth = 0): string {
  if (typeof v === "string") return goJsonString(v);
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) return "{}";
  const pad = indent.repeat(depth + 1);
  const body = entries.map(([k, x]) => `${pad}${goJsonString(k)}: ${goJson(x, indent, depth + 1)}`).join(",\n");
  return `{\n${body}\n${indent.repeat(depth)}}`;
}

// ---------------------------------------------------------------------------
// YAML scalars as sigs.k8s.io/yaml (go-yaml v2) writes a string map value

const YAML_SPECIAL = new Set([
  "", "~", "null", "Null", "NULL",
  "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE",
  "n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE",
  ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
]);

/**
 * A string as go-yaml v2 writes it as a block mapping value: plain when it
 * would read back as the same string, double-quoted when it would read back
 * as another type (`"1"`, `"2025-04-22T16:03:15Z"`, `"true"`), single-quoted
 * when plain style is not allowed (`': '`, leading indicator, edge spaces),
 * double-quoted with escapes when it holds unprintable characters.
 * Long values are not folded at 80 columns (version fields never are that long).
 */
function yamlString(s: string): string {
  if (s.includes("\n")) return doubleQuoted(s);
  if (resolvesToNonString(s)) return doubleQuoted(s);
  const a = analyzeScalar(s);
  if (a.special) return doubleQuoted(s);
  if (a.blockPlainAllowed) return s;
  return `'${s.replace(/'/g, "''")}'`;
}

function resolvesToNonString(s: string): boolean {
  if (YAML_SPECIAL.has(s)) return true;
  const c = s[0] ?? "";
  if (c === ".") return /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(s);
  if (!/[-+0-9]/.test(c)) return false;
  if (/^\d{4}-/.test(s) && isYamlTimestamp(s)) return true;
  const plain = s.replace(/_/g, "");
  if (/^[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.test(plain)) return true;
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(plain)) return true;
  if (/^-?0b[01]+$/.test(plain)) return true;
  // Base 60 floats are quoted for other parsers' sake.
  return /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/.test(s);
}

function isYamlTimestamp(s: string): boolean {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:([Tt ])(\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?)?$/.exec(s);
  if (!m) return false;
  const [, , mo, d, sep, h, mi, sec, , zone] = m;
  if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > 31) return false;
  if (sep === undefined) return true;
  if (Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) return false;
  return sep === " " ? zone === undefined : zone !== undefined;
}

function analyzeScalar(s: string): { blockPlainAllowed: boolean; special: boolean } {
  if (s === "") return { blockPlainAllowed: false, special: false };
  if (s.startsWith("---") || s.startsWith("...")) return { blockPlainAllowed: false, special: false };
  const chars = [...s];
  let blockIndicators = false;
  let special = false;
  let edgeSpace = false;
  let precededBySpace = true;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    const next = chars[i + 1];
    const followedBySpace = next === undefined || next === " " || next === "\t" || next === "\n";
    if (i === 0) {
      if ("#,[]{}&*!|>'\"%@`".includes(c)) blockIndicators = true;
      if ((c === "?" || c === ":" || c === "-") && followedBySpace) blockIndicators = true;
    } else {
      if (c === ":" && followedBySpace) blockIndicators = true;
      if (c === "#" && precededBySpace) blockIndicators = true;
    }
    const cp = c.codePointAt(0) as number;
    const printable = cp === 0x0a || (cp >= 0x20 && cp <= 0x7e) || cp === 0x85 || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff) || cp >= 0x10000;
    if (!printable) special = true;
    if (c === " " && (i === 0 || i === chars.length - 1)) edgeSpace = true;
    precededBySpace = c === " " || c === "\t";
  }
  return { blockPlainAllowed: !blockIndicators && !edgeSpace, special };
}

function doubleQuoted(s: string): string {
  const named: Record<number, string> = { 0: "0", 7: "a", 8: "b", 9: "t", 10: "n", 11: "v", 12: "f", 13: "r", 27: "e", 34: '"', 92: "\\", 0x85: "N", 0x2028: "L", 0x2029: "P" };
  let out = '"';
  for (const c of s) {
    const cp = c.codePointAt(0) as number;
    const printable = (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff) || cp >= 0x10000;
    const needsEscape = !printable || cp === 34 || cp === 92 || cp === 0x2028 || cp === 0x2029;
    if (!needsEscape) out += c;
    else if (named[cp] !== undefined) out += `\\${named[cp]}`;
    else if (cp <= 0xff) out += `\\x${cp.toString(16).toUpperCase().padStart(2, "0")}`;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).toUpperCase().padStart(4, "0")}`;
    else out += `\\U${cp.toString(16).toUpperCase().padStart(8, "0")}`;
  }
  return `${out}"`;
}
