/** The executable's configuration: flags > KUBENTLY_* env > config file. */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, pairs } from "../../bin/_config.ts";

const file = (content: object) => {
  const path = join(mkdtempSync(join(tmpdir(), "kubently-cfg-")), "kubently.json");
  writeFileSync(path, JSON.stringify(content));
  return path;
};

describe("loadConfig", () => {
  test("flags win over env, env wins over the config file", () => {
    const config = file({ port: 1111, clusterId: "from-file", executor: "echo", plugins: ["read-only"] });
    const { config: c } = loadConfig(["--config", config, "--port", "3333"], { KUBENTLY_PORT: "2222", KUBENTLY_CLUSTER_ID: "from-env" });
    expect(c).toMatchObject({ port: 3333, clusterId: "from-env", executor: "echo", plugins: ["read-only"] });
  });

  test("KUBENTLY_CONFIG names the file when --config is absent", () => {
    const { config } = loadConfig([], { KUBENTLY_CONFIG: file({ apiUrl: "http://api:8080" }) });
    expect(config.apiUrl).toBe("http://api:8080");
  });

  test("an unknown flag or a bad value stops start-up naming it", () => {
    expect(() => loadConfig(["--prot", "1"], {})).toThrow(/prot/);
    expect(() => loadConfig(["--port", "http"], {})).toThrow(/port/);
    expect(() => loadConfig(["--executor", "shell"], {})).toThrow(/executor/);
    expect(() => loadConfig([], { KUBENTLY_PORT: "99999" })).toThrow(/port/);
  });

  test("lists come from comma-separated env values", () => {
    expect(loadConfig([], { KUBENTLY_PLUGINS: "read-only, other" }).config.plugins).toEqual(["read-only", "other"]);
  });
});

describe("pairs", () => {
  test("splits name:secret lists at the first colon", () => {
    expect(pairs("a:b,c:d:e")).toEqual([["a", "b"], ["c", "d:e"]]);
    expect(pairs(["x:y"])).toEqual([["x", "y"]]);
    expect(pairs(undefined)).toEqual([]);
    expect(() => pairs("nocolon")).toThrow(/name:secret/);
  });
});
