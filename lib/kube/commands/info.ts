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
import { type CommandIO, type CommandOutcome, type NativeCommand, errorText, failed, flag, namespaceOf, ok, on } from "./_io.ts";
import { marshalIndent } from "../print/json.ts";
import { printYaml } from "../print/yaml.ts";
import { TabWriter } from "../print/table.ts";
import { KubeApiError } from "../transport.ts";

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

/** The SelfSubjectReview's user, in the field order of kubectl's typed object (it prints JSON unsorted). */
interface UserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/**
 * `kubectl auth whoami`: a SelfSubjectReview (v1; kubectl falls back to the
 * beta and alpha APIs on a 404), printed as kubectl prints it: the
 * ATTRIBUTE/VALUE table, or the typed object for `-o json|yaml`.
 */
export const whoami: NativeCommand = async (cmd, io) => {
  let review: { status?: { userInfo?: UserInfo } } | null = null;
  for (const version of ["v1", "v1beta1", "v1alpha1"]) {
    try {
      review = await io.client.postJson(`/apis/authentication.k8s.io/${version}/selfsubjectreviews`, { apiVersion: `authentication.k8s.io/${version}`, kind: "SelfSubjectReview" }, io.signal);
      break;
    } catch (e) {
      if (e instanceof KubeApiError && e.code === 403) return failed("error: the selfsubjectreviews API is not enabled in the cluster or you do not have permission to call it");
      if (!(e instanceof KubeApiError && e.code === 404)) return failed(errorText(e));
    }
  }
  if (!review) return failed("error: the selfsubjectreviews API is not enabled in the cluster\nenable APISelfSubjectReview feature gate and authentication.k8s.io/v1alpha1 or authentication.k8s.io/v1beta1 API");
  const ui = review.status?.userInfo ?? {};
  if (cmd.output === "json" || cmd.output === "yaml") {
    const userInfo = { username: ui.username || undefined, uid: ui.uid || undefined, groups: ui.groups?.length ? ui.groups : undefined, extra: ui.extra && Object.keys(ui.extra).length ? ui.extra : undefined };
    const typed = { kind: "SelfSubjectReview", apiVersion: "authentication.k8s.io/v1", metadata: { creationTimestamp: null }, status: { userInfo } };
    io.out(cmd.output === "json" ? `${marshalIndent(typed, { indent: "    ", sortKeys: () => false })}\n` : printYaml(typed));
    return ok();
  }
  const goList = (v: readonly string[]) => `[${v.join(" ")}]`;
  const lines: string[][] = [["ATTRIBUTE", "VALUE"]];
  if (ui.username) lines.push(["Username", ui.username]);
  if (ui.uid) lines.push(["UID", ui.uid]);
  if (ui.groups?.length) lines.push(["Groups", goList(ui.groups)]);
  for (const k of Object.keys(ui.extra ?? {}).sort()) lines.push([`Extra: ${k}`, goList(ui.extra![k]!)]);
  const tw = new TabWriter();
  for (const l of lines) tw.row(l);
  io.out(tw.flush());
  return ok();
};
