/**
 * The kubectl argv grammar: parse and judge read-only commands, resolve
 * resource spellings, build argv from REST requests, and split a command
 * line into words the way a shell quotes them.
 */
export { parseKubectl, isStreaming } from "./parse.ts";
export type { ParsedCommand, ParseDenial, ParseOptions, ParseResult } from "./parse.ts";
export { buildArgv, commandArgv, verbTakesNamespace } from "./build.ts";
export type { BuildArgvRequest } from "./build.ts";
export {
  ALL_CATEGORY,
  BUILTIN_RESOURCES,
  MAX_NAME_LENGTH,
  isObjectName,
  isRestricted,
  resolveResourceType,
  resourceKey,
  splitResourceArgs,
  splitTypeNameArgs,
} from "./resources.ts";
export type { ResolveResult, ResourceRef, ResourceType, TypeNameArg } from "./resources.ts";
export {
  DEFAULT_MAX_VERBOSITY,
  DEFAULT_RESTRICTED_RESOURCES,
  DENIED_SUBCOMMANDS,
  DENIED_VERBS,
  GLOBAL_FLAGS,
  MAX_ARG_BYTES,
  MAX_ARGS,
  MAX_TOTAL_BYTES,
  RULES,
  SAFE_OUTPUTS,
  TEMPLATE_OUTPUTS,
  VERB_GROUPS,
  VERBS,
  isKubentlyCommand,
  templateOutput,
} from "./spec.ts";
export type { ArgModel, FlagKind, FlagSpec, Rule, TemplateFormat, VerbSpec } from "./spec.ts";
export { namespaceScopeProblem } from "./scope.ts";
export { splitCommandLine, quoteArg, MAX_COMMAND_LINE_LENGTH, type SplitResult } from "./command-line.ts";
export { secretMetadataProblem, SECRETS_MODES, type SecretsMode } from "./secrets.ts";
