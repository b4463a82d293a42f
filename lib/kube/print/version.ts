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
import { KubentlyError } from "../../errors.ts";
import { goQuote } from "../_go-strings.ts";
import { obj, str } from "../_json.ts";
import type { CommandOutput } from "./events.ts";
import { marshalIndent } from "./json.ts";
import { printYaml } from "./yaml.ts";

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
  const r = obj(doc);
  const s = (k: string) => str(r[k]);
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
  } else {
    // Rebuilt so the fields come in version.Info's order whatever the caller's object order.
    const doc: Record<string, unknown> = { clientVersion: versionInfoFromJson(options.client) };
    if (kustomize !== "") doc.kustomizeVersion = kustomize;
    if (server) doc.serverVersion = versionInfoFromJson(server);
    if (output === "json") stdout = `${marshalIndent(doc, { indent: "  ", sortKeys: () => false })}\n`;
    else {
      // sigs.k8s.io/yaml.Marshal, the path `kubectl get -o yaml` takes too; kubectl adds an empty line.
      try {
        stdout = `${printYaml(doc)}\n`;
      } catch (err) {
        if (err instanceof KubentlyError) return fail(err.message);
        throw err;
      }
    }
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
