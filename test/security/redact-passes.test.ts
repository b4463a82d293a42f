/**
 * The structural passes of lib/redact on their own, with a one-letter mask
 * so each row reads at a glance: `redactJson` (a tolerant scanner, no
 * JSON.parse), `redactYaml` (kubectl's YAML subset, line by line) and
 * `redactDescribe` (describe's Data and Environment sections). Every row is
 * the whole output, so a pass that masks too little or mangles what it
 * should leave fails. Rows that look odd pin a decision: a Secret's data
 * masked when `kind` comes after it or was cut off (an `apiVersion` and no
 * `kind`), env values matched by the item's `name` wherever it stands.
 */
import { describe, expect, test } from "bun:test";
import { redactDescribe } from "../../lib/redact/_describe.ts";
import { redactJson } from "../../lib/redact/_json.ts";
import { redactYaml } from "../../lib/redact/_yaml.ts";
import { createRules } from "../../lib/redact/index.ts";

const rules = createRules({ mask: "M" });

describe("redactJson(text, rules)", () => {
  test.each<[string, string]>([
    ['{"kind":"Secret","data":{"a":"x"},"stringData":{"b":"y"},"other":{"c":"z"},"type":"t"}', '{"kind":"Secret","data":{"a":"M"},"stringData":{"b":"M"},"other":{"c":"z"},"type":"t"}'],
    ['{"kind":"ConfigMap","data":{"a":"x"}}', '{"kind":"ConfigMap","data":{"a":"x"}}'],
    ['{"data":{"a":"x"}}', '{"data":{"a":"x"}}'],
    ['{"apiVersion":"v1","data":{"a":"x"}}', '{"apiVersion":"v1","data":{"a":"M"}}'],
    ['{"data":{"a":"x"},"apiVersion":"v1"}', '{"data":{"a":"M"},"apiVersion":"v1"}'],
    ['{"data":{"a":"x"},"kind":"Secret"}', '{"data":{"a":"M"},"kind":"Secret"}'],
    ['{"kind":"Secret","data":["x",{"a":"y"}]}', '{"kind":"Secret","data":["M",{"a":"y"}]}'],
    ['{"kind":"Secret","stringData":["x"]}', '{"kind":"Secret","stringData":["M"]}'],
    ['{"kind":"Pod","data":["x"]}', '{"kind":"Pod","data":["x"]}'],
    ['["x",{"kind":"Secret","data":{"a":"y"}}]', '["x",{"kind":"Secret","data":{"a":"M"}}]'],
    ['{"kind":"Secret","data":{"a":{"b":"deep"}}}', '{"kind":"Secret","data":{"a":{"b":"deep"}}}'],
    ['{"kind":"Secret","data":{"a":["y"]}}', '{"kind":"Secret","data":{"a":["y"]}}'],
    ['{"kind":"Secret","items":{"data":{"a":"y"}}}', '{"kind":"Secret","items":{"data":{"a":"y"}}}'],
    ['{"kind":"List","items":[{"kind":"Secret","data":{"a":"y"}}]}', '{"kind":"List","items":[{"kind":"Secret","data":{"a":"M"}}]}'],
    ['{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\\"a\\":1}","b":"c"}}}', '{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"M","b":"c"}}}'],
    ['{"kubectl.kubernetes.io/last-applied-configuration":"x"}', '{"kubectl.kubernetes.io/last-applied-configuration":"M"}'],
    ['{"kubectl.kubernetes.io/last-applied-configuration":["x"]}', '{"kubectl.kubernetes.io/last-applied-configuration":["x"]}'],
    ['{"env":[{"name":"DB_PASSWORD","value":"x"},{"name":"NODE_ENV","value":"y"}]}', '{"env":[{"name":"DB_PASSWORD","value":"M"},{"name":"NODE_ENV","value":"y"}]}'],
    ['{"env":[{"value":"x","name":"DB_PASSWORD"}]}', '{"env":[{"value":"M","name":"DB_PASSWORD"}]}'],
    ['{"env":{"name":"DB_PASSWORD","value":"x"}}', '{"env":{"name":"DB_PASSWORD","value":"x"}}'],
    ['{"envs":[{"name":"DB_PASSWORD","value":"x"}]}', '{"envs":[{"name":"DB_PASSWORD","value":"x"}]}'],
    ['{"env":[{"name":"DB_PASSWORD","valueFrom":"x"}]}', '{"env":[{"name":"DB_PASSWORD","valueFrom":"x"}]}'],
    ['{"env":[{"value":"x"}]}', '{"env":[{"value":"x"}]}'],
    ['{"env":[[{"name":"DB_PASSWORD","value":"x"}]]}', '{"env":[[{"name":"DB_PASSWORD","value":"x"}]]}'],
    ['{"env":[{"name":"DB_PASS\\u0057ORD","value":"x"}]}', '{"env":[{"name":"DB_PASS\\u0057ORD","value":"M"}]}'],
    ['{"env":[{"name":"DB_PASSWORD","value":{}"x"}]}', '{"env":[{"name":"DB_PASSWORD","value":{}"x"}]}'],
    ['{"env":[{"name":"DB_PASSWORD","value":"x" "y"}]}', '{"env":[{"name":"DB_PASSWORD","value":"M" "M"}]}'],
    ['{"env":[{"name":"DB_PASSWORD","x":"y","value":"z"}]}', '{"env":[{"name":"DB_PASSWORD","x":"y","value":"M"}]}'],
    ['{"kind":"Secret","data":{"a":"x\\"y"}}', '{"kind":"Secret","data":{"a":"M"}}'],
    ['{"kind":"Secret","data":{"a":"x', '{"kind":"Secret","data":{"a":"M"'],
    ['{"kind":"Sec\\u0072et","data":{"a":"x"}}', '{"kind":"Sec\\u0072et","data":{"a":"M"}}'],
    ['{"kind":"Secret"}{"data":{"a":"x"}}', '{"kind":"Secret"}{"data":{"a":"x"}}'],
    ['}{"kind":"Secret","data":{"a":"x"}}', '}{"kind":"Secret","data":{"a":"M"}}'],
    ['"x"', '"x"'],
    ['{"kind":"Secret","data":{"a":"x"}},"y"', '{"kind":"Secret","data":{"a":"M"}},"y"'],
    ['{"kind":"Secret",data:{"a":"x"}}', '{"kind":"Secret",data:{"a":"x"}}'],
  ])("%s", (text, out) => {
    expect(redactJson(text, rules)).toBe(out);
  });

  test("returns the text itself when nothing is masked", () => {
    const text = '{"kind":"Pod","data":{"a":"x"}}';
    expect(redactJson(text, rules)).toBe(text);
  });

  test("a key longer than 4096 characters is read as empty; a kind longer than 1026 is not read", () => {
    const longKey = `{"kind":"Secret","${"k".repeat(5000)}":{"a":"x"},"data":{"b":"y"}}`;
    expect(redactJson(longKey, rules)).toBe(longKey.replace('"y"', '"M"'));
    const dataKey = `{"kind":"Secret","data${" ".repeat(4090)}":{"a":"x"}}`;
    expect(redactJson(dataKey, rules)).toBe(dataKey);
    const atLimit = `{"kind":"Secret","${"k".repeat(4094)}":{"a":"x"}}`;
    expect(redactJson(atLimit, rules)).toBe(atLimit);
    const cutKind = `{"apiVersion":"v1","kind":"${"S".repeat(1030)}","data":{"b":"y"}}`;
    expect(redactJson(cutKind, rules)).toBe(cutKind.replace('"y"', '"M"'));
    const longKind = `{"apiVersion":"v1","kind":"${"S".repeat(1020)}","data":{"b":"y"}}`;
    expect(redactJson(longKind, rules)).toBe(longKind);
    const kindAtLimit = `{"apiVersion":"v1","kind":"${"S".repeat(1024)}","data":{"b":"y"}}`;
    expect(redactJson(kindAtLimit, rules)).toBe(kindAtLimit);
    const nameAtLimit = `{"env":[{"name":"TOKEN_${"A".repeat(1018)}","value":"x"}]}`;
    expect(redactJson(nameAtLimit, rules)).toBe(nameAtLimit.replace('"x"', '"M"'));
    const nameOver = `{"env":[{"name":"TOKEN_${"A".repeat(1019)}","value":"x"}]}`;
    expect(redactJson(nameOver, rules)).toBe(nameOver);
  });
});

describe("redactYaml(text, rules)", () => {
  test.each<[string, string]>([
    ["kind: Secret\ndata:\n  a: x\nstringData:\n  b: y\nother:\n  c: z\n", "kind: Secret\ndata:\n  a: M\nstringData:\n  b: M\nother:\n  c: z\n"],
    ["kind: ConfigMap\ndata:\n  a: x\n", "kind: ConfigMap\ndata:\n  a: x\n"],
    ["data:\n  a: x\n", "data:\n  a: x\n"],
    ["apiVersion: v1\ndata:\n  a: x\n", "apiVersion: v1\ndata:\n  a: M\n"],
    ["data:\n  a: x\napiVersion: v1\n", "data:\n  a: M\napiVersion: v1\n"],
    ["data:\n  a: x\nkind: Secret\n", "data:\n  a: M\nkind: Secret\n"],
    ["kind: Secret\ndata: {}\n", "kind: Secret\ndata: {}\n"],
    ["kind: Secret\ndata: []\n", "kind: Secret\ndata: []\n"],
    ["kind: Secret\ndata:\n  a: {}\n  b: []\n  c: '{}'\n", "kind: Secret\ndata:\n  a: {}\n  b: []\n  c: M\n"],
    ["kind: Secret\ndata:\n  a:\n    b: deep\n", "kind: Secret\ndata:\n  a:\n    b: M\n"],
    ["kind: Secret\ndata:\n- x\n- y\n", "kind: Secret\ndata:\n- M\n- M\n"],
    ["kind: \"Secret\"\ndata:\n  a: x\n", "kind: \"Secret\"\ndata:\n  a: M\n"],
    ["kind: 'Secret'\ndata:\n  a: x\n", "kind: 'Secret'\ndata:\n  a: M\n"],
    ["kind: Secret\nkind: Pod\ndata:\n  a: x\n", "kind: Secret\nkind: Pod\ndata:\n  a: M\n"],
    ["kind: Pod\nkind: Secret\ndata:\n  a: x\n", "kind: Pod\nkind: Secret\ndata:\n  a: x\n"],
    ["items:\n- kind: Secret\n  data:\n    a: x\n- kind: ConfigMap\n  data:\n    b: y\n", "items:\n- kind: Secret\n  data:\n    a: M\n- kind: ConfigMap\n  data:\n    b: y\n"],
    ["items:\n- data:\n    a: x\n  kind: Secret\n", "items:\n- data:\n    a: M\n  kind: Secret\n"],
    ["items:\n  - kind: Secret\n    data:\n      a: x\n", "items:\n  - kind: Secret\n    data:\n      a: M\n"],
    ["kind: Secret\ndata:\n  a: x\n---\nkind: ConfigMap\ndata:\n  b: y\n", "kind: Secret\ndata:\n  a: M\n---\nkind: ConfigMap\ndata:\n  b: y\n"],
    ["kind: Secret\ndata:\n  a: x\n...\nkind: ConfigMap\ndata:\n  b: y\n", "kind: Secret\ndata:\n  a: M\n...\nkind: ConfigMap\ndata:\n  b: y\n"],
    ["kind: Secret\n# comment\ndata:\n  # a: x\n  a: x\n", "kind: Secret\n# comment\ndata:\n  # a: x\n  a: M\n"],
    ["kind: Secret\ndata:\n\n  a: x\n\n  b: |\n    l1\n\n    l2\nafter: 1\n", "kind: Secret\ndata:\n\n  a: M\n\n  b: M\nafter: 1\n"],
    ["kind: Secret\ndata:\n  a: >-\n    folded\n    more\n  b: plain\n    continued\n", "kind: Secret\ndata:\n  a: M\n  b: M\n"],
    ["kind: Secret\ndata:\n  \"q\\\"k\": x\n  'it''s': y\n  \"bad\\q\": z\n", "kind: Secret\ndata:\n  \"q\\\"k\": M\n  'it''s': M\n  \"bad\\q\": M\n"],
    ["kind: Secret\ndata:\n  a:  x  \n", "kind: Secret\ndata:\n  a:  M\n"],
    ["kind: Secret\ndata:\n  a:\tx\n", "kind: Secret\ndata:\n  a:\tM\n"],
    ["kind: Secret\r\ndata:\r\n  a: x\r\n", "kind: Secret\r\ndata:\r\n  a: M\r\n"],
    ["metadata:\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: |\n      {\"a\":1}\n    b: c\n", "metadata:\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: M\n    b: c\n"],
    ["metadata:\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: M\n", "metadata:\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: M\n"],
    ["metadata:\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: M\n      more\n", "metadata:\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: M\n"],
    ["env:\n- name: DB_PASSWORD\n  value: x\n- name: NODE_ENV\n  value: y\n", "env:\n- name: DB_PASSWORD\n  value: M\n- name: NODE_ENV\n  value: y\n"],
    ["env:\n- value: x\n  name: DB_PASSWORD\n", "env:\n- value: M\n  name: DB_PASSWORD\n"],
    ["env:\n  name: DB_PASSWORD\n  value: x\n", "env:\n  name: DB_PASSWORD\n  value: x\n"],
    ["envs:\n- name: DB_PASSWORD\n  value: x\n", "envs:\n- name: DB_PASSWORD\n  value: x\n"],
    ["env:\n- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef:\n      key: password\n", "env:\n- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef:\n      key: password\n"],
    ["env:\n- name: \"DB_PASSWORD\"\n  value: x\n", "env:\n- name: \"DB_PASSWORD\"\n  value: M\n"],
    ["env:\n- name: DB_PASSWORD\n  name: NODE_ENV\n  value: x\n", "env:\n- name: DB_PASSWORD\n  name: NODE_ENV\n  value: M\n"],
    ["env:\n- - name: DB_PASSWORD\n    value: x\n", "env:\n- - name: DB_PASSWORD\n    value: x\n"],
    ["password: hunter2\ntoken: <none>\nsecret: ''\napi_key: '[REDACTED]'\npwd: |\n  x\nauth: >\n  y\ncookie: plain\n  folded\nclient_secret: {a: b}\nsecretName: x\n", "password: M\ntoken: <none>\nsecret: ''\napi_key: '[REDACTED]'\npwd: M\nauth: M\ncookie: M\nclient_secret: {a: b}\nsecretName: x\n"],
    ["password: true\npassword: xxx\npassword: ${X}\npassword: '${X}'\npassword: [a]\n", "password: true\npassword: xxx\npassword: ${X}\npassword: '${X}'\npassword: [a]\n"],
    ["- password: x\n- plain\n- |\n  block\n", "- password: M\n- plain\n- |\n  block\n"],
    ["list:\n- a\n- b: c\n  password: d\n", "list:\n- a\n- b: c\n  password: M\n"],
    ["a:\n  password: M\n", "a:\n  password: M\n"],
    ["password: M\n  more\n", "password: M\n"],
    ["x: 1\n---\ny: 2\n", "x: 1\n---\ny: 2\n"],
    ["-\n  password: x\n", "-\n  password: M\n"],
    ["- \n  password: x\n", "- \n  password: M\n"],
    ["key: value: with colon\npassword: a: b\n", "key: value: with colon\npassword: M\n"],
    ["{a: 1}\n[b]\n\"unterminated: x\n", "{a: 1}\n[b]\n\"unterminated: x\n"],
    ["  kind: Secret\ndata:\n  a: x\n", "  kind: Secret\ndata:\n  a: x\n"],
    ["kind: Secret\n  data:\n    a: x\n", "kind: Secret\n  data:\n    a: x\n"],
  ])("%j", (text, out) => {
    expect(redactYaml(text, rules)).toBe(out);
  });

  test("returns the text itself when nothing is masked", () => {
    const text = "kind: Pod\ndata:\n  a: x\n";
    expect(redactYaml(text, rules)).toBe(text);
  });
});

describe("redactDescribe(text, rules)", () => {
  test.each<[string, string]>([
    ["Data\n====\na:  4 bytes\ntoken:  abc\n\nafter: x\n", "Data\n====\na:  4 bytes\ntoken:  M\n\nafter: x\n"],
    ["Data\n====\na:  4 bytes\ntoken:abc\n", "Data\n====\na:  4 bytes\ntoken: M\n"],
    ["Data\n====\ntoken:  M\nM\n  M\n", "Data\n====\ntoken:  M\nM\n  M\n"],
    ["Data\n====\ntoken:\nline\n", "Data\n====\ntoken:\nM\n"],
    ["Data\n====\nk:\n----\nv\n", "Data\n====\nk:\n----\nv\n"],
    ["Data\n====\nk:\n--\n", "Data\n====\nk:\n--\n"],
    ["Data\n====\nk: x\n----\n", "Data\n====\nk: M\nM\n"],
    ["Data\n---\ntoken: abc\n", "Data\n---\ntoken: abc\n"],
    ["Data \n====\ntoken: abc\n", "Data \n====\ntoken: abc\n"],
    [" Data\n====\ntoken: abc\n", " Data\n====\ntoken: abc\n"],
    ["Data\r\n====\r\ntoken:  abc\r\n", "Data\r\n====\r\ntoken:  M\r\n"],
    ["Data\n====\n  token:  abc\n", "Data\n====\n  M\n"],
    ["Data\n====\ntoken:  10 bytes\nx:  10 bytesx\n", "Data\n====\ntoken:  10 bytes\nx:  M\n"],
    ["Data\n====\n\ntoken: abc\n", "Data\n====\n\ntoken: abc\n"],
    ["Data\n====\n:x\n", "Data\n====\nM\n"],
    ["Data", "Data"],
    ["Environment:\n  DB_PASSWORD:  x\n  NODE_ENV:  y\nMounts: z\n", "Environment:\n  DB_PASSWORD:  M\n  NODE_ENV:  y\nMounts: z\n"],
    ["  Environment:\n    DB_PASSWORD:  x\n  Mounts:\n    DB_PASSWORD:  y\n", "  Environment:\n    DB_PASSWORD:  M\n  Mounts:\n    DB_PASSWORD:  y\n"],
    ["Environment:  <none>\n  DB_PASSWORD:  x\n", "Environment:  <none>\n  DB_PASSWORD:  x\n"],
    ["Environment:\n  DB_PASSWORD:  <set to the key 'p' in secret 's'>  Optional: false\n  API_TOKEN:  <set to the key 'p' of config map 'c'>\n  X_TOKEN:  <set to the key 'p' in file 'f'>\n  POD_TOKEN:  p (v1:metadata.name)\n  MEM_TOKEN:  1 (limits.memory)\n  REQ_TOKEN:  1 (requests.cpu)\n  BAD_TOKEN:  <set to the key p>\n", "Environment:\n  DB_PASSWORD:  <set to the key 'p' in secret 's'>  Optional: false\n  API_TOKEN:  <set to the key 'p' of config map 'c'>\n  X_TOKEN:  <set to the key 'p' in file 'f'>\n  POD_TOKEN:  p (v1:metadata.name)\n  MEM_TOKEN:  1 (limits.memory)\n  REQ_TOKEN:  1 (requests.cpu)\n  BAD_TOKEN:  M\n"],
    ["Environment:\n  DB_PASSWORD:\n  NEXT: x\n", "Environment:\n  DB_PASSWORD:\n  NEXT: x\n"],
    ["Environment:\n  DB_PASSWORD:\n    line1\n    line2\n  NODE_ENV: y\n", "Environment:\n  DB_PASSWORD: M\n  NODE_ENV: y\n"],
    ["Environment:\n  DB_PASSWORD:  first\n    line2\n  NODE_ENV:  y\n    line3\n", "Environment:\n  DB_PASSWORD:  M\n  NODE_ENV:  y\n    line3\n"],
    ["Environment:\n  DB_PASSWORD:  M\n    line2\n", "Environment:\n  DB_PASSWORD:  M\n"],
    ["Environment:\n  DB_PASSWORD:x\n  API_TOKEN:\tx\n", "Environment:\n  DB_PASSWORD:x\n  API_TOKEN:\tM\n"],
    ["Environment:\n  DB_PASSWORD x\n", "Environment:\n  DB_PASSWORD x\n"],
    ["Environment:\n\n  DB_PASSWORD:  x\n", "Environment:\n\n  DB_PASSWORD:  M\n"],
    ["Environment:\r\n  DB_PASSWORD:  x\r\n", "Environment:\r\n  DB_PASSWORD:  M\r\n"],
    ["Environment:\n  DB_PASSWORD:\n\n    line\n", "Environment:\n  DB_PASSWORD: M\n\n"],
    ["Environment:\n  DB_PASSWORD:\n\n", "Environment:\n  DB_PASSWORD:\n\n"],
    ["Environment: \n  A: b\n    DB_PASSWORD:  x\n", "Environment: \n  A: b\n    DB_PASSWORD:  x\n"],
    ["Environments:\n  DB_PASSWORD:  x\n", "Environments:\n  DB_PASSWORD:  x\n"],
    ["x Environment:\n  DB_PASSWORD:  x\n", "x Environment:\n  DB_PASSWORD:  x\n"],
    ["Environment:\n  DB_PASSWORD:  x\nEnvironment:\n  API_TOKEN:  y\n", "Environment:\n  DB_PASSWORD:  M\nEnvironment:\n  API_TOKEN:  M\n"],
  ])("%j", (text, out) => {
    expect(redactDescribe(text, rules)).toBe(out);
  });

  test("returns the text itself when nothing is masked", () => {
    const text = "Data\n====\na:  4 bytes\n";
    expect(redactDescribe(text, rules)).toBe(text);
  });
});
