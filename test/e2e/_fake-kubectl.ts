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
import { dirname, join } from "node:path";

/** Writes the script (sleeping `ms` per command) into a fresh temp dir and returns its path. */
export function fakeKubectl(ms: number): string {
  const path = join(mkdtempSync(join(tmpdir(), "kubently-fake-kubectl-")), "kubectl");
  writeFileSync(path, `#!/bin/sh\nsleep ${(ms / 1000).toFixed(3)}\necho "$*"\n`);
  chmodSync(path, 0o755);
  return path;
}

/**
 * Writes a kubeconfig next to the fake kubectl at `kubectl` and returns its
 * path: an agent refuses to start without cluster credentials, and the fake
 * never reads the (unreachable) server it names.
 */
export function fakeKubeconfig(kubectl: string): string {
  const path = join(dirname(kubectl), "kubeconfig");
  writeFileSync(
    path,
    "apiVersion: v1\nkind: Config\nclusters: [{name: fake, cluster: {server: 'https://127.0.0.1:1'}}]\n" +
      "users: [{name: fake, user: {}}]\ncontexts: [{name: fake, context: {cluster: fake, user: fake}}]\ncurrent-context: fake\n",
  );
  return path;
}
