/**
 * How redaction reads an output from the argv that produced it
 * (lib/redact/_argv.ts): the printer and whether Secrets were read. When the
 * grammar accepts the argv it answers; otherwise a conservative scan does,
 * and anything it cannot read counts as reading Secrets (files, raw paths,
 * an argv that is not an array of strings) or as an unknown printer (an `o`
 * inside a shorthand bundle). A wrong answer here decides which passes run.
 */
import { describe, expect, test } from "bun:test";
import { outputShape } from "../../lib/redact/index.ts";

describe("outputShape(argv)", () => {
  test.each<[unknown, string, boolean]>([
  [undefined, "unknown", true],
  [null, "unknown", true],
  ["get secrets", "unknown", true],
  [[], "default", false],
  [["get",1], "unknown", true],
  [["get", "secrets"], "default", true],
  [["get", "pods"], "default", false],
  [["get", "pods", "-o", "JSON"], "json", false],
  [["get", "pods", "-o", " Yaml=x"], "yaml", false],
  [["get", "pods", "-o", "Wide"], "wide", false],
  [["get", "pods", "-o", "NAME"], "name", false],
  [["get", "pods", "-o", "jsonpath={.x}", "--bogus"], "template", false],
  [["get", "pods", "--bogus", "-o"], "template", false],
  [["get", "pods", "--bogus", "--output", "yaml"], "yaml", false],
  [["get", "pods", "--bogus", "--output=json"], "json", false],
  [["get", "pods", "--bogus", "-o=yaml"], "yaml", false],
  [["get", "pods", "--bogus", "-oname"], "name", false],
  [["get", "pods", "--bogus", "-Ao"], "unknown", false],
  [["get", "pods", "--bogus", "-Ao=json"], "unknown", false],
  [["get", "pods", "--bogus", "-wAoyaml"], "unknown", false],
  [["get", "pods", "--bogus", "--foo"], "default", false],
  [["get", "pods", "--bogus", "--", "-o", "json"], "default", false],
  [["get", "pods", "--bogus", "--template={{.}}"], "template", false],
  [["get", "pods", "--bogus", "--template", "x"], "template", false],
  [["get", "pods", "--bogus", "--template=x", "-o", "yaml"], "yaml", false],
  [["get", "pods", "--bogus", "--templates"], "default", false],
  [["get", "--bogus", "-f", "x"], "default", true],
  [["get", "--bogus", "-fx"], "default", true],
  [["get", "--bogus", "-k", "x"], "default", true],
  [["get", "--bogus", "-kx"], "default", true],
  [["get", "--bogus", "-R"], "default", true],
  [["get", "--bogus", "--filename=x"], "default", true],
  [["get", "--bogus", "--kustomize", "x"], "default", true],
  [["get", "--bogus", "--raw", "/x"], "default", true],
  [["get", "--bogus", "--raws"], "default", false],
  [["get", "--bogus", "-Rx"], "default", false],
  [["get", "--bogus", "pods,secrets"], "default", true],
  [["get", "--bogus", "x/secret"], "default", true],
  [["get", "--bogus", "a b=Secret"], "default", true],
  [["get", "--bogus", "secretsx"], "default", false],
  [["get", "--bogus", ",,"], "default", false],
  [["get", "--bogus", `secrets${",".repeat(4090)}`], "default", false],
  [["get", "--bogus", `secrets${",".repeat(4089)}`], "default", true],
  [["get", "--bogus", "--", "-f"], "default", false],
  [["logs", "-f", "x"], "default", false],
  [["get", "secrets", "-v=9"], "default", true],
  [["get", "secrets", "-v=11"], "default", true],
  ])("%j -> %s, reads Secrets: %p", (argv, format, readsSecrets) => {
    expect(outputShape(argv)).toEqual({ format, readsSecrets } as never);
  });
});
