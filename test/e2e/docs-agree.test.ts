/**
 * The docs agree with the binary (issue 15, item 8): one default policy list
 * (docs/executable.md, `--help` and what a server loads), every flag `--help`
 * prints is documented (the server flags with exactly the verbs that take
 * them), an Apache-2.0 LICENSE matching package.json, and the package carries
 * the docs the README links to.
 */
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BINARY, ensureBinary, hasTool, prerequisites, run } from "./_harness.ts";

const ROOT = resolve(import.meta.dir, "../..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const { skip } = prerequisites([ensureBinary()]);

const SERVERS = ["demo", "api", "agent", "all", "mcp"];
const CLIENTS = ["init", "exec", "debug", "cluster", "key", "user", "audit", "manifests", "keygen", "completion", "version"];

const help = (verb: string): string => {
  const r = spawnSync(BINARY, [verb, "--help"], { encoding: "utf8", env: { PATH: process.env.PATH ?? "" } });
  expect(r.status).toBe(0);
  return r.stdout;
};
/** Every `--flag` a help text names. */
const flagsIn = (text: string) => [...new Set([...text.matchAll(/(?<![\w-])--([a-z][a-z0-9-]*)/g)].map((m) => m[1]!))];

/** docs/executable.md's configuration table: flag -> its row's cells. */
function configTable(): Map<string, { default: string; verbs: string[] }> {
  const rows = new Map<string, { default: string; verbs: string[] }>();
  for (const line of read("docs/executable.md").split("\n")) {
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
    const flag = cells[1]?.match(/^`--([a-z0-9-]+)`$/)?.[1];
    if (flag && cells.length >= 7) rows.set(flag, { default: cells[4]!, verbs: cells[5]!.split(",").map((v) => v.trim()).filter(Boolean) });
  }
  return rows;
}

describe.skipIf(skip)("docs agree with the binary", () => {
  test("one default policy list: docs/executable.md, --help, and what a server loads without --plugins", async () => {
    const documented = configTable().get("plugins")!.default.replace(/`/g, "");
    expect(documented).toBe("read-only,redact-secrets");
    for (const verb of ["api", "agent", "all", "demo"]) expect(help(verb).replace(/\s+/g, " ")).toContain(`(default: ${documented})`);
    const p = run(["all", "--port", "0", "--a2a-port", "0", "--host", "127.0.0.1", "--api-keys", "t:docs-key-0123456789", "--executor", "echo"]);
    await p.waitFor(/API listening on/);
    expect(p.output()).toContain(`policies ${documented.split(",").join(", ")};`);
    await p.stop();
  });

  test("every server flag in --help has a row in docs/executable.md naming exactly the verbs whose --help lists it", () => {
    const table = configTable();
    const verbsOf = new Map<string, string[]>();
    for (const verb of SERVERS) {
      for (const flag of flagsIn(help(verb))) if (flag !== "config" && flag !== "help") verbsOf.set(flag, [...(verbsOf.get(flag) ?? []), verb]);
    }
    for (const [flag, verbs] of verbsOf) expect({ flag, verbs: table.get(flag)?.verbs.sort() }).toEqual({ flag, verbs: verbs.sort() });
    for (const flag of table.keys()) expect({ flag, inHelp: verbsOf.has(flag) }).toEqual({ flag, inHelp: true });
  });

  test("every flag a client verb's --help names is in docs/cli.md (or, for the connection, docs/executable.md)", () => {
    const docs = read("docs/cli.md") + read("docs/executable.md");
    for (const verb of CLIENTS) {
      for (const flag of flagsIn(help(verb))) expect({ verb, flag, documented: docs.includes(`--${flag}`) }).toEqual({ verb, flag, documented: true });
    }
  });

  test("LICENSE is the Apache License 2.0, as package.json says, and the README links it", () => {
    const license = read("LICENSE");
    expect(license).toContain("Apache License\n                           Version 2.0, January 2004");
    expect(license).toContain("END OF TERMS AND CONDITIONS");
    expect(new Bun.CryptoHasher("md5").update(license).digest("hex")).toBe("3b83ef96387f14655fc854ddc3c6bd57"); // apache.org's LICENSE-2.0.txt
    expect(JSON.parse(read("package.json")).license).toBe("Apache-2.0");
    expect(read("README.md")).toContain("(LICENSE)");
  });

  test.skipIf(!hasTool("npm"))("the package (npm pack) carries every file the README links to, the LICENSE and the kubently command", () => {
    // Packed from a copy without dist/: the "files" rules are the same, and hashing a 100 MB binary is not the point.
    const dir = mkdtempSync(join(tmpdir(), "kubently-pack-"));
    for (const path of ["package.json", "README.md", "LICENSE", "docs", "bin"]) cpSync(join(ROOT, path), join(dir, path), { recursive: true });
    const r = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts", "--offline"], { cwd: dir, encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false" } });
    expect(r.status).toBe(0);
    const files: string[] = JSON.parse(r.stdout)[0].files.map((f: { path: string }) => f.path);
    const links = [...read("README.md").matchAll(/\]\(((?!https?:|#)[^)#\s]+)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(10);
    for (const link of links) {
      const packed = link.endsWith("/") ? files.some((f) => f.startsWith(link)) : files.includes(link);
      expect({ link, packed }).toEqual({ link, packed: true });
    }
    const bin = JSON.parse(read("package.json")).bin.kubently;
    expect(files).toEqual(expect.arrayContaining(["LICENSE", "README.md", bin]));
  }, 60_000);
});
