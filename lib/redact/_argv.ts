/**
 * What redaction needs from the argv that produced an output: the printer
 * (`-o`) and whether Secrets were read. The kubectl grammar answers when it
 * accepts the argv (permissively: no restricted resources, any verbosity);
 * otherwise a conservative scan does, and an output flag it cannot read
 * makes the format unknown.
 */
import { parseKubectl, resourceKey } from "../kubectl/index.ts";

/** How an output was printed. */
export interface OutputShape {
  /**
   * `default` (tables, describe, logs: no `-o`), `wide`, `name`, `json`,
   * `yaml`, `template` (jsonpath, go-template, custom-columns and their
   * file forms: text with no structure to rely on), or `unknown`.
   */
  format: "default" | "wide" | "name" | "json" | "yaml" | "template" | "unknown";
  /** The command reads Secrets (any spelling, alone or in a list such as `all,secrets`). */
  readsSecrets: boolean;
}

const normalize = (output: string | undefined): OutputShape["format"] => {
  if (output === undefined) return "default";
  const name = output.split("=", 1)[0]?.trim().toLowerCase() ?? "";
  if (name === "wide" || name === "name" || name === "json" || name === "yaml") return name;
  return "template";
};

const mentionsSecrets = (token: string): boolean =>
  token.length <= 4096 && token.split(/[,/\s=]/).some((part) => part !== "" && resourceKey(part) === "secrets");

/** Reads the printer and the Secret-reading of `argv` (without the `kubectl` word). Never throws. */
export function outputShape(argv: unknown): OutputShape {
  if (!Array.isArray(argv) || argv.some((a) => typeof a !== "string")) return { format: "unknown", readsSecrets: true };
  const args = argv as string[];
  try {
    const parsed = parseKubectl(args, { restrictedResources: [], maxVerbosity: 10 });
    if (parsed.ok) {
      return {
        format: normalize(parsed.command.output),
        readsSecrets: parsed.command.resources.some((r) => resourceKey(r.resource) === "secrets"),
      };
    }
  } catch {
    // fall through to the scan
  }
  let output: string | undefined;
  let unreadable = false;
  let template = false;
  // Objects read from files, kustomizations or raw API paths may be anything, Secrets included.
  let opaque = false;
  for (let i = 0; i < args.length; i++) {
    const t = args[i] as string;
    if (t === "--") break;
    if (/^--template(?:=|$)/.test(t)) template = true;
    if (/^(?:-f|-k|-R|--filename|--kustomize|--raw)(?:=|$)/.test(t) || /^-f./.test(t) || /^-k./.test(t)) opaque = true;
    if (t === "-o" || t === "--output") {
      output = args[i + 1] ?? "";
      i++;
    } else if (t.startsWith("--output=")) output = t.slice(9);
    else if (t.startsWith("-o=")) output = t.slice(3);
    else if (/^-o./.test(t)) output = t.slice(2);
    else if (/^-[A-Za-z]+$/.test(t) && t.includes("o")) unreadable = true;
    else if (/^-[A-Za-z]*o/.test(t) && !t.startsWith("--")) unreadable = true;
  }
  // `--template` without `-o` means `-o go-template`.
  const format = unreadable ? "unknown" : template && output === undefined ? "template" : normalize(output);
  return { format, readsSecrets: opaque || args.some(mentionsSecrets) };
}
