/**
 * A stand-in kubectl for load and fault runs of the compiled binary: a shell
 * script that sleeps, then prints its arguments. Given to the agent with
 * `--executor kubectl --kubectl <path>`, it makes every command take a known
 * time while costing almost no CPU, so an agent with `--concurrency c`
 * saturates at about `c / seconds` commands/s and a killed agent has
 * commands in flight. No cluster or real kubectl is needed.
 */
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Writes the script (sleeping `ms` per command) into a fresh temp dir and returns its path. */
export function fakeKubectl(ms: number): string {
  const path = join(mkdtempSync(join(tmpdir(), "kubently-fake-kubectl-")), "kubectl");
  writeFileSync(path, `#!/bin/sh\nsleep ${(ms / 1000).toFixed(3)}\necho "$*"\n`);
  chmodSync(path, 0o755);
  return path;
}
