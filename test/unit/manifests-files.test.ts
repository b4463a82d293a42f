/**
 * The generators behind `kubently manifests helm|docker` without the binary:
 * how files are written (refusals, --force, kept secrets, modes), that the
 * chart's agent template carries no placeholder left unreplaced, and that
 * every docker run makes its own secrets. The rendered output is tested end
 * to end with the real helm and kubectl in test/e2e/manifests.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { dockerFiles, HEALTH_CHECK } from "../../bin/_manifests-docker.ts";
import { helmChart } from "../../bin/_manifests-helm.ts";
import { writeFiles } from "../../bin/_manifests.ts";

const fresh = () => mkdtempSync(join(tmpdir(), "kubently-manifests-unit-"));

describe("writeFiles(dir, files, options)", () => {
  test("makes folders, writes each file with its mode, and answers what it wrote", () => {
    const dir = join(fresh(), "new", "out");
    const r = writeFiles(dir, { "a.txt": { content: "a" }, "s/key": { content: "k", mode: 0o600 } }, { force: false });
    expect(r).toEqual({ written: ["a.txt", "s/key"], kept: [] });
    expect(readFileSync(join(dir, "s/key"), "utf8")).toBe("k");
    expect(statSync(join(dir, "a.txt")).mode & 0o777).toBe(0o644);
    expect(statSync(join(dir, "s/key")).mode & 0o777).toBe(0o600);
  });

  test("refuses, naming the first file and how many more, unless force; force overwrites and sets the mode again", () => {
    const dir = fresh();
    writeFileSync(join(dir, "a.txt"), "old", { mode: 0o666 });
    writeFileSync(join(dir, "b.txt"), "old");
    const files = { "a.txt": { content: "new", mode: 0o600 }, "b.txt": { content: "new" }, "c.txt": { content: "new" } };
    expect(() => writeFiles(dir, files, { force: false })).toThrow(`${join(dir, "a.txt")} and 1 more file already exist: pass --force to overwrite`);
    expect(readFileSync(join(dir, "a.txt"), "utf8")).toBe("old");
    writeFiles(dir, files, { force: true });
    expect(readFileSync(join(dir, "a.txt"), "utf8")).toBe("new");
    expect(statSync(join(dir, "a.txt")).mode & 0o777).toBe(0o600);
  });

  test("files in keep are never replaced, and alone do not make a refusal", () => {
    const dir = fresh();
    writeFileSync(join(dir, "secret"), "in use");
    const r = writeFiles(dir, { secret: { content: "fresh" }, other: { content: "x" } }, { force: false, keep: ["secret"] });
    expect(r).toEqual({ written: ["other"], kept: ["secret"] });
    expect(readFileSync(join(dir, "secret"), "utf8")).toBe("in use");
  });

  test("a file where the directory should be is a usage error", () => {
    const file = join(fresh(), "f");
    writeFileSync(file, "");
    expect(() => writeFiles(file, { a: { content: "" } }, { force: true })).toThrow(`--out ${file} is not a directory`);
  });
});

describe("helmChart(options)", () => {
  test("every placeholder became a template expression, and values.yaml parses with the cluster id", () => {
    const chart = helmChart({ clusterId: "prod" });
    for (const [path, { content }] of Object.entries(chart)) expect({ path, leftover: content.match(/__KUBENTLY_\w+__/)?.[0] ?? null }).toEqual({ path, leftover: null });
    const values = parse(chart["values.yaml"]!.content);
    expect(values.agent.clusterId).toBe("prod");
    expect(values.secrets).toEqual({ existingSecret: "", adminKey: "", agentToken: "", signingKey: "" });
  });
});

describe("dockerFiles(options)", () => {
  const o = { clusterId: "prod", image: "kubently:test", context: ".", dockerfile: "deploy/Dockerfile" };

  test("each call makes new secrets, and the API accepts the agent's token for the cluster", () => {
    const [a, b] = [dockerFiles(o), dockerFiles(o)];
    for (const path of ["secrets/api.json", "secrets/agent.json", "secrets/signing.pem"]) {
      expect(a[path]!.content).not.toBe(b[path]!.content);
      expect(a[path]!.mode).toBe(0o600);
    }
    const { token } = JSON.parse(a["secrets/agent.json"]!.content);
    expect(JSON.parse(a["secrets/api.json"]!.content).agentTokens).toEqual([`prod:${token}`]);
  });

  test("compose's health check is the Dockerfile's with every $ doubled (compose interpolates $)", () => {
    const compose = parse(dockerFiles(o)["compose.yaml"]!.content);
    const [, , , script] = compose.services.api.healthcheck.test;
    expect(script).toBe(HEALTH_CHECK.replaceAll("$", "$$$$"));
    expect(script).toContain("$${KUBENTLY_PORT:-8080}");
  });
});
