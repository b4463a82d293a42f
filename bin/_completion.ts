/**
 * `kubently completion bash|zsh|fish`: a completion script for the shell,
 * built from the same verb and flag tables that parse the command line, so
 * the two cannot drift. It completes verbs, subcommands, each verb's flags,
 * and flag values that are files or one of a few words. Nothing after `--`
 * (kubectl's own arguments) and no cluster ids (that would need the API).
 */

/** A flag as completion sees it. */
export interface CompletionFlag {
  name: string;
  short?: string;
  takesValue: boolean;
  values?: "file" | readonly string[];
}

/** A verb as completion sees it. */
export interface CompletionVerb {
  name: string;
  summary: string;
  flags: readonly CompletionFlag[];
  subcommands?: readonly string[];
}

/** The shells `kubently completion` writes for. */
export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

const words = (list: readonly string[]) => list.join(" ");
const flagWords = (verb: CompletionVerb) => words(verb.flags.flatMap((f) => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])]));

/** Flags taking files, and flags taking one of some words, across every verb (a flag means the same in each). */
function valueFlags(verbs: readonly CompletionVerb[]) {
  const files = new Set<string>();
  const choices = new Map<string, readonly string[]>();
  for (const f of verbs.flatMap((v) => v.flags)) {
    if (f.values === "file") files.add(f.name);
    else if (f.values) choices.set(f.name, f.values);
  }
  return { files: [...files].sort(), choices: [...choices.entries()].sort(([a], [b]) => a.localeCompare(b)) };
}

const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function bash(verbs: readonly CompletionVerb[]): string {
  const { files, choices } = valueFlags(verbs);
  return `# kubently completion for bash. Load it in this shell with:
#   source <(kubently completion bash)
# or for every shell: kubently completion bash > ~/.local/share/bash-completion/completions/kubently
_kubently() {
  local cur prev verb flags subs i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  COMPREPLY=()
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${words(verbs.map((v) => v.name))}" -- "$cur"))
    return 0
  fi
  for ((i = 2; i < COMP_CWORD; i++)); do
    [ "\${COMP_WORDS[i]}" = "--" ] && return 0
  done
  case "$prev" in
${files.length ? `    ${files.map((f) => `--${f}`).join("|")}) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;\n` : ""}${choices.map(([f, vs]) => `    --${f}) COMPREPLY=($(compgen -W "${words(vs)}" -- "$cur")); return 0 ;;\n`).join("")}  esac
  verb="\${COMP_WORDS[1]}"
  case "$verb" in
${verbs.map((v) => `    ${v.name}) flags="${flagWords(v)}"; subs="${words(v.subcommands ?? [])}" ;;\n`).join("")}    *) return 0 ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  elif [ "$COMP_CWORD" -eq 2 ] && [ -n "$subs" ]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
  fi
  return 0
}
complete -o default -F _kubently kubently
`;
}

function zsh(verbs: readonly CompletionVerb[]): string {
  const { files, choices } = valueFlags(verbs);
  const q = (s: string) => s.replace(/:/g, "\\:");
  return `#compdef kubently
# kubently completion for zsh. Load it (after compinit) with:
#   source <(kubently completion zsh)
# or put it on $fpath as _kubently: kubently completion zsh > "\${fpath[1]}/_kubently"
_kubently() {
  local verb=\${words[2]} prev=\${words[CURRENT-1]}
  local -a verbs flags subs
  if (( CURRENT == 2 )); then
    verbs=(${verbs.map((v) => shQuote(`${q(v.name)}:${q(v.summary)}`)).join(" ")})
    _describe -t verbs 'kubently verb' verbs
    return
  fi
  if (( \${words[(I)--]} > 2 && \${words[(I)--]} < CURRENT )); then
    _files
    return
  fi
  case $prev in
${files.length ? `    ${files.map((f) => `--${f}`).join("|")}) _files; return ;;\n` : ""}${choices.map(([f, vs]) => `    --${f}) compadd -- ${words(vs)}; return ;;\n`).join("")}  esac
  case $verb in
${verbs.map((v) => `    ${v.name}) flags=(${flagWords(v)}); subs=(${words(v.subcommands ?? [])}) ;;\n`).join("")}    *) return 1 ;;
  esac
  if [[ \${words[CURRENT]} == -* ]]; then
    compadd -- $flags
  elif (( CURRENT == 3 && \${#subs} > 0 )); then
    compadd -- $subs
  else
    _files
  fi
}
if [ "$funcstack[1]" = "_kubently" ]; then
  _kubently "$@"
else
  compdef _kubently kubently
fi
`;
}

function fish(verbs: readonly CompletionVerb[]): string {
  const lines = [
    "# kubently completion for fish. Load it with:",
    "#   kubently completion fish | source",
    "# or for every shell: kubently completion fish > ~/.config/fish/completions/kubently.fish",
    "complete -c kubently -f",
  ];
  for (const v of verbs) lines.push(`complete -c kubently -n __fish_use_subcommand -a ${v.name} -d ${shQuote(v.summary)}`);
  for (const v of verbs) {
    const when = `__fish_seen_subcommand_from ${v.name}`;
    if (v.subcommands?.length) {
      lines.push(`complete -c kubently -n ${shQuote(`${when}; and not __fish_seen_subcommand_from ${words(v.subcommands)}`)} -a ${shQuote(words(v.subcommands))}`);
    }
    for (const f of v.flags) {
      const value = !f.takesValue ? "" : f.values === "file" ? " -rF" : f.values ? ` -xa ${shQuote(words(f.values))}` : " -x";
      lines.push(`complete -c kubently -n ${shQuote(when)} -l ${f.name}${f.short ? ` -s ${f.short}` : ""}${value}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** The completion script for `shell`. */
export function completionScript(shell: Shell, verbs: readonly CompletionVerb[]): string {
  return shell === "bash" ? bash(verbs) : shell === "zsh" ? zsh(verbs) : fish(verbs);
}
