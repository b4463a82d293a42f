/**
 * `buildArgv` (lib/kubectl/build.ts) adds `-n <namespace>` to a REST request
 * only for namespaced commands that do not already choose a namespace or
 * all namespaces. When the arguments do not parse (they will be denied
 * anyway), any spelling that could choose one counts, before `--` only: a
 * second `-n` must never be added behind a namespace the caller chose.
 */
import { describe, expect, test } from "bun:test";
import { buildArgv, commandArgv, parseKubectl, type BuildArgvRequest } from "../../lib/kubectl/index.ts";

describe("buildArgv(request): arguments that do not parse", () => {
  test.each<[BuildArgvRequest, string[]]>([
    [{commandType: "get", args: ["pods", "--bogus", "-n", "x"], namespace: "d"}, ["get", "pods", "--bogus", "-n", "x"]],
    [{commandType: "get", args: ["pods", "--bogus", "-wn", "x"], namespace: "d"}, ["get", "pods", "--bogus", "-wn", "x"]],
    [{commandType: "get", args: ["pods", "--bogus", "-A"], namespace: "d"}, ["get", "pods", "--bogus", "-A"]],
    [{commandType: "get", args: ["pods", "--bogus", "-l=an"], namespace: "d"}, ["get", "pods", "--bogus", "-l=an"]],
    [{commandType: "get", args: ["pods", "--bogus", "--namespace"], namespace: "d"}, ["get", "pods", "--bogus", "--namespace"]],
    [{commandType: "get", args: ["pods", "--bogus", "--namespace=x"], namespace: "d"}, ["get", "pods", "--bogus", "--namespace=x"]],
    [{commandType: "get", args: ["pods", "--bogus", "--namespacex"], namespace: "d"}, ["get", "pods", "--bogus", "--namespacex", "-n", "d"]],
    [{commandType: "get", args: ["pods", "--bogus", "--all-namespaces"], namespace: "d"}, ["get", "pods", "--bogus", "--all-namespaces"]],
    [{commandType: "get", args: ["pods", "--bogus", "--all_namespaces=false"], namespace: "d"}, ["get", "pods", "--bogus", "--all_namespaces=false"]],
    [{commandType: "get", args: ["pods", "--bogus", "--all-namespacesx"], namespace: "d"}, ["get", "pods", "--bogus", "--all-namespacesx", "-n", "d"]],
    [{commandType: "get", args: ["pods", "--bogus", "--", "-n"], namespace: "d"}, ["get", "pods", "--bogus", "--", "-n", "-n", "d"]],
    [{commandType: "get", args: ["pods", "--bogus", "x-n"], namespace: "d"}, ["get", "pods", "--bogus", "x-n", "-n", "d"]],
    [{commandType: "get", args: ["pods", "--bogus"], namespace: "d"}, ["get", "pods", "--bogus", "-n", "d"]],
    [{commandType: "get", args: ["pods", "--bogus"], namespace: "d", extraArgs: ["-n", "e"]}, ["get", "pods", "--bogus", "-n", "e"]],
    [{commandType: "get", args: ["pods"], namespace: ""}, ["get", "pods"]],
    [{commandType: "get", args: ["pods", "--all-namespaces=false"], namespace: "d"}, ["get", "pods", "--all-namespaces=false", "-n", "d"]],
    [{commandType: "get", args: ["pods", "-A=false"], namespace: "d"}, ["get", "pods", "-A=false", "-n", "d"]],
    [{commandType: "get", args: ["secrets", "-v=9"], namespace: "d"}, ["get", "secrets", "-v=9", "-n", "d"]],
    [{commandType: "top", args: [], namespace: "d"}, ["top"]],
    [{commandType: "top", args: ["pods"], namespace: "d"}, ["top", "pods", "-n", "d"]],
    [{commandType: "auth", args: ["can-i", "get", "pods"], namespace: "d"}, ["auth", "can-i", "get", "pods", "-n", "d"]],
    [{commandType: "auth", args: ["whoami"], namespace: "d"}, ["auth", "whoami"]],
    [{commandType: "rollout", args: ["history", "deploy/x"], namespace: "d", extraArgs: ["--revision=1"]}, ["rollout", "history", "deploy/x", "-n", "d", "--revision=1"]],
    [{commandType: "frob", args: [], namespace: "d"}, ["frob"]],
  ])("%j -> %j", (req, argv) => {
    expect(buildArgv(req)).toEqual(argv);
  });

  test("does not change the request's arrays", () => {
    const req = { commandType: "get", args: Object.freeze(["pods"]), namespace: "d", extraArgs: Object.freeze(["-o", "name"]) };
    expect(buildArgv(req)).toEqual(["get", "pods", "-n", "d", "-o", "name"]);
    expect(req.args).toEqual(["pods"]);
  });
});

describe("commandArgv(command): one canonical spelling of a parsed command", () => {
  test("path, positionals, then each flag as --name or --name=value", () => {
    const flags = new Map<string, string | true>([["namespace", "a"], ["all-namespaces", true], ["watch", "false"], ["label-columns", "a,b"]]);
    expect(commandArgv({ path: ["get"], positionals: ["pods", "web"], flags })).toEqual(["get", "pods", "web", "--namespace=a", "--all-namespaces", "--watch=false", "--label-columns=a,b"]);
    expect(commandArgv({ path: ["top", "pod"], positionals: [], flags: new Map() })).toEqual(["top", "pod"]);
  });

  test.each<string[]>([
    ["get", "pods", "-n", "shop", "-o", "jsonpath={.items[*].metadata.name}"],
    ["get", "pods", "-Aw", "-L", "a", "-L", "b,c", "--sort-by=.metadata.name"],
    ["logs", "-f", "web", "-c", "app", "--tail", "-1", "-p=false"],
    ["top", "pods", "--containers", "-l", "app=web"],
    ["rollout", "status", "deploy/web", "--watch=false"],
    ["auth", "can-i", "get", "pods", "-q"],
  ])("parses back to the same command: %j", (...argv) => {
    const first = parseKubectl(argv, { restrictedResources: [] });
    if (!first.ok) throw new Error(`${first.rule}: ${first.reason}`);
    const again = parseKubectl(commandArgv(first.command), { restrictedResources: [] });
    expect(again.ok && { ...again.command, flags: [...again.command.flags] }).toEqual({ ...first.command, flags: [...first.command.flags] });
  });
});
