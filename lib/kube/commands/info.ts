/**
 * The cluster-information commands natively: `version`, `api-versions`,
 * `api-resources`, `auth can-i`. Each fetches what kubectl fetches (the
 * `/version` document, cached discovery, a self access or rules review) and
 * renders it with the pure printers in lib/kube/print.
 */
import type { ParsedCommand } from "../../kubectl/index.ts";
import { renderApiResources, renderApiVersions, groupVersionNames } from "../print/api-resources.ts";
import { canIResourceArg, planCanI, renderCanI, renderCanIList } from "../print/can-i.ts";
import type { CommandOutput } from "../print/events.ts";
import { type VersionInfo, versionInfoFromJson, renderVersion } from "../print/version.ts";
import { type CommandIO, type CommandOutcome, type NativeCommand, errorText, failed, flag, namespaceOf, on } from "./_io.ts";

/** A printer's answer as the command's outcome: stdout written, stderr and exit code kept. */
export function emit(io: CommandIO, r: CommandOutput): CommandOutcome {
  if (r.stdout) io.out(r.stdout);
  return { exitCode: r.exitCode, stderr: r.stderr };
}

const list = (cmd: ParsedCommand, name: string) => (flag(cmd, name) ?? "").split(",").filter(Boolean);

export const version: NativeCommand = async (cmd, io) => {
  const clientOnly = on(cmd, "client");
  let server: VersionInfo | null = null;
  let error = "";
  if (!clientOnly) {
    try {
      server = versionInfoFromJson(await io.client.getJson("/version", { signal: io.signal }));
    } catch (e) {
      error = errorText(e);
    }
  }
  const out = renderVersion({ client: io.clientVersion, server, output: cmd.output ?? "", args: cmd.positionals, clientOnly });
  if (error) return { ...emit(io, out), exitCode: 1, stderr: `${out.stderr}${error}\n` };
  return emit(io, out);
};

export const apiVersions: NativeCommand = async (_cmd, io) => {
  try {
    // kubectl reads discovery anew for api-versions.
    io.out(renderApiVersions(groupVersionNames(await io.client.discovery.refresh(io.signal))));
    return { exitCode: 0, stderr: "" };
  } catch (e) {
    return failed(errorText(e));
  }
};

export const apiResources: NativeCommand = async (cmd, io) => {
  try {
    // kubectl reads discovery anew for api-resources, unless --cached.
    if (!on(cmd, "cached")) await io.client.discovery.refresh(io.signal);
    const resources = await io.client.discovery.preferredResources(io.signal);
    const namespaced = cmd.flags.get("namespaced");
    return emit(
      io,
      renderApiResources(resources, {
        output: cmd.output ?? "",
        noHeaders: on(cmd, "no-headers"),
        ...(cmd.flags.has("api-group") ? { apiGroup: flag(cmd, "api-group")! } : {}),
        ...(namespaced !== undefined ? { namespaced: on(cmd, "namespaced") } : {}),
        verbs: list(cmd, "verbs"),
        categories: list(cmd, "categories"),
        sortBy: flag(cmd, "sort-by") ?? "",
        args: cmd.positionals,
        failed: await io.client.discovery.failures(io.signal),
      }),
    );
  } catch (e) {
    return failed(errorText(e));
  }
};

export const canI: NativeCommand = async (cmd, io) => {
  try {
    const base = {
      args: cmd.positionals,
      namespace: namespaceOf(cmd, io),
      allNamespaces: cmd.allNamespaces,
      quiet: on(cmd, "quiet"),
      subresource: flag(cmd, "subresource") ?? "",
      list: on(cmd, "list"),
      noHeaders: on(cmd, "no-headers"),
    };
    const token = canIResourceArg(base);
    const plan = planCanI(token === null ? base : { ...base, resolved: await io.client.discovery.resolve(token, io.signal) });
    if (plan.kind === "error") return emit(io, plan.output);
    const path = `/apis/authorization.k8s.io/v1/${plan.kind === "access" ? "selfsubjectaccessreviews" : "selfsubjectrulesreviews"}`;
    const review = await io.client.postJson<{ status?: unknown }>(path, plan.body, io.signal);
    if (plan.kind === "rules") {
      const out = renderCanIList(review.status, { noHeaders: base.noHeaders });
      return emit(io, { ...out, stderr: plan.stderr + out.stderr });
    }
    return emit(io, renderCanI(review.status, { quiet: base.quiet, stderr: plan.stderr }));
  } catch (e) {
    return failed(errorText(e));
  }
};
