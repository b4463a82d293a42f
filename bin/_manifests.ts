/**
 * `kubently manifests`: the Kubernetes objects that run the agent in a
 * cluster, as YAML on stdout. The agent's RBAC is the read-only role of
 * docs/security.md (a test keeps the two equal); the agent token is never
 * written here, only a Secret to fill. `manifests helm` and `manifests
 * docker` write a chart (whose agent is built from these same objects) or
 * Docker files into a directory; see docs/deployment.md.
 */
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import * as v from "valibot";
import { VERSION } from "../lib/version.ts";
import { ClusterIdSchema } from "../lib/schemas.ts";
import { EXIT, UsageError, noMore, print, type CliVerb } from "./_cli.ts";
import { BINARY_PATH, dockerFiles, type OutFile } from "./_manifests-docker.ts";
import { agentManifests, toYaml } from "./_manifests-agent.ts";
import { helmChart } from "./_manifests-helm.ts";
import { closest } from "./_plugins.ts";

export { AGENT_NAMES, AGENT_RULES, agentManifests, toYaml, yamlDocument } from "./_manifests-agent.ts";
export type { ManifestOptions } from "./_manifests-agent.ts";

const MANIFESTS_USAGE = `Usage: kubently manifests --api-url URL --cluster-id ID [--namespace kubently] [--image IMAGE]
       kubently manifests helm --out DIR [--cluster-id ID] [--force]
       kubently manifests docker --out DIR [--cluster-id ID] [--image IMAGE] [--force]

Prints the Kubernetes objects that run the agent for cluster ID: a Namespace,
a ServiceAccount, a read-only ClusterRole (get, list, watch; no Secrets) and
its binding, a Secret to fill with the agent token, kubectl's kubeconfig, and
the Deployment (non-root, read-only root filesystem, no privilege escalation).

  kubently cluster token prod | tr -d '\\n' > token      # with an admin key; see the Secret's comment
  kubently manifests --api-url https://kubently.example.com --cluster-id prod > agent.yaml
  kubectl apply -f agent.yaml

helm writes a Helm chart to DIR: the API (probes, Service), an optional Redis,
the same agent objects, and a Secret for the admin key, agent token and
signing key (or your own Secret); every value is documented in values.yaml.
docker writes a Dockerfile (the compiled binary and kubectl, uid 65532, a
health check), compose.yaml (API, Redis, agent) and secrets/ (generated keys,
mode 0600, kept when they exist). Neither overwrites a file without --force.

Flags:
  --api-url URL      the URL the agent reaches the API at, from inside the cluster (KUBENTLY_API_URL)
  --cluster-id ID    the cluster's id at the API (KUBENTLY_CLUSTER_ID; helm, docker: default local)
  -n, --namespace NS where the agent runs (default kubently)
  --image IMAGE      an image with kubently and kubectl on its PATH (default kubently:${VERSION}; see docs/cli.md)
  -o, --out DIR      helm, docker: the directory to write (made when missing)
  --force            helm, docker: overwrite files already there (docker keeps secrets/)`;

/** A DNS label, or a usage error naming the flag. */
function dnsLabel(flag: string, value: string): string {
  const r = v.safeParse(ClusterIdSchema, value);
  if (!r.success) throw new UsageError(`--${flag} ${r.issues[0].message} ("${value.slice(0, 80)}")`);
  return r.output;
}

/** The subcommands that write files, and the default form's name for messages. */
const SUBCOMMANDS = ["helm", "docker"] as const;

/**
 * Writes `files` under `dir`, creating folders. Refuses, naming them, when
 * files are there already, unless `force`; files in `keep` (generated
 * secrets) are never replaced, so a rewrite does not change keys in use.
 * Answers the paths written and the paths kept.
 */
export function writeFiles(dir: string, files: Record<string, OutFile>, options: { force: boolean; keep?: readonly string[] }): { written: string[]; kept: string[] } {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`--out ${dir} is not a directory`);
  const present = Object.keys(files).filter((p) => existsSync(join(dir, p)));
  const replaced = present.filter((p) => !options.keep?.includes(p));
  if (replaced.length > 0 && !options.force) {
    const named = `${join(dir, replaced[0]!)}${replaced.length > 1 ? ` and ${replaced.length - 1} more file${replaced.length > 2 ? "s" : ""}` : ""}`;
    throw new UsageError(`${named} already exist${replaced.length === 1 ? "s" : ""}: pass --force to overwrite`);
  }
  const kept = present.filter((p) => options.keep?.includes(p));
  const written: string[] = [];
  for (const [path, file] of Object.entries(files)) {
    if (kept.includes(path)) continue;
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content, { mode: file.mode ?? 0o644 });
    // writeFileSync's mode applies to new files only: an overwritten one gets it too.
    chmodSync(target, file.mode ?? 0o644);
    written.push(path);
  }
  return { written, kept };
}

/** `--out DIR`, or a usage error naming the subcommand. */
function outDir(flags: Record<string, string | boolean | undefined>, sub: string): string {
  if (typeof flags.out !== "string" || flags.out === "") throw new UsageError(`manifests ${sub} needs --out DIR (the directory it writes; see kubently manifests --help)`);
  return flags.out;
}

/** `kubently manifests helm --out DIR [--cluster-id ID] [--force]` */
async function writeHelm({ config, flags }: Parameters<CliVerb["run"]>[0]): Promise<number> {
  for (const f of ["namespace", "image"] as const) {
    if (flags[f] !== undefined) throw new UsageError(`--${f} is not used by manifests helm: ${f === "namespace" ? "helm install -n NS" : "set image.repository and image.tag in values.yaml"}`);
  }
  const dir = outDir(flags, "helm");
  const clusterId = config.clusterId === undefined ? "local" : dnsLabel("cluster-id", config.clusterId);
  const { written } = writeFiles(dir, helmChart({ clusterId }), { force: flags.force === true });
  await print(`wrote the Helm chart ${dir}: ${written.join(", ")}
  helm install kubently ${dir} -n kubently --create-namespace \\
    --set secrets.adminKey=$(openssl rand -hex 24) --set secrets.agentToken=$(openssl rand -hex 32) \\
    --set-file secrets.signingKey=signing.pem      # kubently keygen > signing.pem 2> public.pem`);
  return EXIT.ok;
}

/** `kubently manifests docker --out DIR [--cluster-id ID] [--image IMAGE] [--force]` */
async function writeDocker({ config, flags }: Parameters<CliVerb["run"]>[0]): Promise<number> {
  if (flags.namespace !== undefined) throw new UsageError("--namespace is not used by manifests docker");
  const dir = outDir(flags, "docker");
  const clusterId = config.clusterId === undefined ? "local" : dnsLabel("cluster-id", config.clusterId);
  const image = typeof flags.image === "string" && flags.image !== "" ? flags.image : `kubently:${VERSION}`;
  // The build context is the working directory (the checkout, with dist/kubently), as the compose file sees it.
  const context = relative(resolve(dir), process.cwd()) || ".";
  const dockerfile = relative(process.cwd(), resolve(dir, "Dockerfile"));
  const files = dockerFiles({ clusterId, image, context, dockerfile });
  const secrets = Object.keys(files).filter((p) => p.startsWith("secrets/"));
  const { written, kept } = writeFiles(dir, files, { force: flags.force === true, keep: secrets });
  await print(
    `wrote ${dir}: ${written.join(", ")}${kept.length ? ` (kept ${kept.join(", ")})` : ""}` +
      `${existsSync(BINARY_PATH) ? "" : `\nnote: no ${BINARY_PATH} here: run npm run build:bin in the checkout first (the build context is this directory)`}
  sudo chown 65532:65532 ${join(dir, "secrets")}/*   # the containers run as uid 65532
  cp ~/.kube/config ${join(dir, "kubeconfig")}           # the cluster the agent reads (a server reachable from the container)
  docker compose -f ${join(dir, "compose.yaml")} up --build`,
  );
  return EXIT.ok;
}

/** `kubently manifests [helm|docker] ...`: the agent's YAML on stdout, or a Helm chart, or Docker files, in a directory. */
export const manifests: CliVerb = {
  summary: "Kubernetes YAML that runs the agent; a Helm chart or Docker files (helm|docker --out DIR)",
  usage: MANIFESTS_USAGE,
  shared: ["api-url", "cluster-id"],
  flags: { namespace: { type: "string", short: "n" }, image: { type: "string" }, out: { type: "string", short: "o" }, force: { type: "boolean" } },
  async run(input) {
    const { config, flags, args, rest } = input;
    const sub = args[0];
    if (sub !== undefined) {
      if (!(SUBCOMMANDS as readonly string[]).includes(sub)) {
        const guess = closest(sub, SUBCOMMANDS);
        throw new UsageError(`unknown subcommand "${sub}"${guess ? `; did you mean "${guess}"?` : ""} (helm, docker, or none for the agent's YAML; see kubently manifests --help)`);
      }
      noMore([...args.slice(1), ...rest], 0, `manifests ${sub}`);
      return sub === "helm" ? writeHelm(input) : writeDocker(input);
    }
    for (const f of ["out", "force"] as const) {
      if (flags[f] !== undefined) throw new UsageError(`--${f} is for manifests helm and manifests docker; kubently manifests prints to stdout`);
    }
    noMore([...args, ...rest], 0, "manifests");
    const missing = [config.apiUrl ? null : "--api-url", config.clusterId ? null : "--cluster-id"].filter(Boolean);
    if (missing.length > 0) throw new UsageError(`manifests needs ${missing.join(" and ")} (see kubently manifests --help)`);
    if (!/^https?:\/\/[^/\s]+/.test(config.apiUrl!) || !URL.canParse(config.apiUrl!)) throw new UsageError(`--api-url must be an http(s) URL, not "${config.apiUrl}"`);
    const docs = agentManifests({
      apiUrl: config.apiUrl!,
      clusterId: dnsLabel("cluster-id", config.clusterId!),
      namespace: dnsLabel("namespace", typeof flags.namespace === "string" ? flags.namespace : "kubently"),
      image: typeof flags.image === "string" && flags.image !== "" ? flags.image : `kubently:${VERSION}`,
    });
    await print(`# The Kubently agent (${VERSION}) for cluster "${config.clusterId}": kubently manifests --api-url ${config.apiUrl} --cluster-id ${config.clusterId}\n${toYaml(docs)}`);
    return EXIT.ok;
  },
};
