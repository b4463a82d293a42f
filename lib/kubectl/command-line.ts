/**
 * Splits a command line into words the way a POSIX shell would quote them,
 * and nothing more: no variable, glob, tilde or command expansion, and no
 * shell ever runs. Shell syntax that would change what runs (pipes,
 * redirects, chaining, substitution, variables) is refused with a reason
 * rather than passed on as literal words, so the caller learns that only
 * one kubectl command is understood.
 */

/** The outcome of {@link splitCommandLine}. */
export type SplitResult = { ok: true; words: string[] } | { ok: false; reason: string };

/** Longest command line accepted, in characters. */
export const MAX_COMMAND_LINE_LENGTH = 4096;

// Characters that mean something to a shell when unquoted and cannot be part of a kubectl argument we run.
const OPERATORS = new Set(["|", "&", ";", "<", ">", "(", ")", "`", "$"]);

/**
 * Splits `text` into words. Quoting follows sh: `'...'` is literal,
 * `"..."` keeps everything but `\"`, `\\`, `` \` `` and `\$` escapes, a
 * backslash outside quotes escapes the next character, and a
 * backslash-newline continues the line. `''` yields an empty word.
 */
export function splitCommandLine(text: string): SplitResult {
  if (text.length > MAX_COMMAND_LINE_LENGTH) return { ok: false, reason: `the command is longer than ${MAX_COMMAND_LINE_LENGTH} characters` };
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) return { ok: false, reason: "the command contains control characters" };
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      i++;
      continue;
    }
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return { ok: false, reason: "a single quote is not closed" };
      word += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
      continue;
    }
    if (c === '"') {
      i++;
      let closed = false;
      while (i < text.length) {
        const d = text[i]!;
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === "\\" && i + 1 < text.length) {
          const next = text[i + 1]!;
          if (next === "\n") {
            i += 2;
            continue;
          }
          if (next === '"' || next === "\\" || next === "`" || next === "$") {
            word += next;
            i += 2;
            continue;
          }
        }
        if (d === "`" || (d === "$" && /[({A-Za-z_0-9@*#?$!-]/.test(text[i + 1] ?? ""))) {
          return { ok: false, reason: "command substitution and variables are not supported; write the value itself" };
        }
        word += d;
        i++;
      }
      if (!closed) return { ok: false, reason: "a double quote is not closed" };
      inWord = true;
      continue;
    }
    if (c === "\\") {
      const next = text[i + 1];
      if (next === undefined) return { ok: false, reason: "the command ends with a lone backslash" };
      if (next === "\n") {
        i += 2;
        continue;
      }
      word += next;
      inWord = true;
      i += 2;
      continue;
    }
    if (OPERATORS.has(c)) {
      return { ok: false, reason: `shell syntax ("${c}") is not supported: send one kubectl command, without pipes, redirects, chaining or variables` };
    }
    word += c;
    inWord = true;
    i++;
  }
  if (inWord) words.push(word);
  return { ok: true, words };
}

/**
 * One argument written so a POSIX shell (and {@link splitCommandLine}) reads
 * it back as the same word: as is when it is plain, else single-quoted.
 */
export function quoteArg(arg: string): string {
  if (arg !== "" && /^[\w@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
