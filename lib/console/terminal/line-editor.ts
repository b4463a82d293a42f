/**
 * The web terminal's line editing (browser side, pure: no DOM, no xterm).
 * It turns what the keyboard sends (xterm's `onData`: characters and
 * VT escape sequences) into the text to write back (the prompt and the line,
 * redrawn) and into actions: submit a line, cancel, clear, exit.
 *
 * Keys: printable characters (and pasted text), Backspace, Delete, Left,
 * Right, Home/End (also Ctrl-A/Ctrl-E), Ctrl-U/Ctrl-K (erase to the start or
 * end), Ctrl-W (erase a word), Up/Down (history), Enter, Ctrl-C, Ctrl-L,
 * Ctrl-D (exit on an empty line). Anything else is ignored, never inserted.
 *
 * A line longer than the terminal is wide wraps: every redraw moves up to
 * where the prompt starts, erases to the end of the screen, writes the
 * prompt and the line, and puts the cursor back, counting one cell per
 * character (wide CJK characters and emoji are counted as one, so the
 * cursor can stand off on lines with them).
 */

/** What a key asked for besides editing. */
export type EditorAction =
  /** Enter: the line to run. */
  | { type: "submit"; line: string }
  /** Ctrl-C: the line was dropped; cancel what runs. */
  | { type: "cancel" }
  /** Ctrl-L: clear the screen (then draw the prompt with {@link LineEditor.drawFresh}). */
  | { type: "clear" }
  /** Ctrl-D on an empty line. */
  | { type: "exit" };

/** What {@link LineEditor.feed} answers. */
export interface FeedResult {
  /** Text to write to the terminal, in order. */
  write: string;
  actions: EditorAction[];
  /**
   * Input not read yet: reading stops after a submit or an exit, so what
   * was typed or pasted after it is kept for the next prompt.
   */
  rest: string;
}

const CSI = "\x1b[";

/** One escape sequence or character at the start of `data`, and its length. */
function token(data: string): { key: string; length: number } {
  if (data[0] !== "\x1b") {
    const cp = data.codePointAt(0)!;
    const ch = String.fromCodePoint(cp);
    return { key: ch, length: ch.length };
  }
  // CSI: ESC [ parameters intermediates final byte.
  if (data[1] === "[") {
    const m = /^\x1b\[[0-?]*[ -/]*[@-~]/.exec(data);
    return m ? { key: m[0], length: m[0].length } : { key: data, length: data.length };
  }
  // SS3 (application cursor keys): ESC O X; Alt+key: ESC X.
  if (data[1] === "O" && data.length >= 3) return { key: data.slice(0, 3), length: 3 };
  return { key: data.slice(0, 2), length: Math.min(2, data.length) };
}

const KEYS: Record<string, string> = {
  "\r": "enter",
  "\n": "enter",
  "\x7f": "backspace",
  "\b": "backspace",
  "\x1b[3~": "delete",
  "\x1b[D": "left",
  "\x1bOD": "left",
  "\x02": "left",
  "\x1b[C": "right",
  "\x1bOC": "right",
  "\x06": "right",
  "\x1b[H": "home",
  "\x1bOH": "home",
  "\x1b[1~": "home",
  "\x01": "home",
  "\x1b[F": "end",
  "\x1bOF": "end",
  "\x1b[4~": "end",
  "\x05": "end",
  "\x1b[A": "up",
  "\x1bOA": "up",
  "\x10": "up",
  "\x1b[B": "down",
  "\x1bOB": "down",
  "\x0e": "down",
  "\x03": "cancel",
  "\x0c": "clear",
  "\x04": "eof",
  "\x15": "kill-start",
  "\x0b": "kill-end",
  "\x17": "kill-word",
};

/** Printable: not a C0 or C1 control, not DEL. */
const printable = (ch: string) => !/^[\u0000-\u001f\u007f-\u009f]$/.test(ch);

/** Options for {@link LineEditor}. */
export interface LineEditorOptions {
  /** Written before each line; one cell per character. */
  prompt: string;
  /** Lines kept for Up/Down. @default 200 */
  historySize?: number;
  /** Longest line, in characters; more typing is ignored. @default 4096 */
  maxLength?: number;
}

/** The line being typed, its cursor, and the history. */
export class LineEditor {
  readonly prompt: string;
  private chars: string[] = [];
  private cursor = 0;
  /** Where the terminal's cursor stands, in cells from the start of the prompt. */
  private drawn = 0;
  private readonly history: string[] = [];
  /** Index into history while browsing it; history.length means the line being typed. */
  private browsing = 0;
  private draft: string[] = [];
  private readonly historySize: number;
  private readonly maxLength: number;

  constructor(options: LineEditorOptions) {
    this.prompt = options.prompt;
    this.historySize = options.historySize ?? 200;
    this.maxLength = options.maxLength ?? 4096;
  }

  /** The line typed so far. */
  get text(): string {
    return this.chars.join("");
  }

  /** Lines entered, oldest first. */
  get lines(): readonly string[] {
    return this.history;
  }

  /** The prompt and the line, written at the start of a fresh line (after output, a clear, a new session). */
  drawFresh(cols: number): string {
    this.drawn = 0;
    return this.redraw(cols, false);
  }

  /** Drops the line being typed (without writing anything). */
  reset(): void {
    this.chars = [];
    this.cursor = 0;
    this.drawn = 0;
    this.browsing = this.history.length;
  }

  /**
   * Reads keyboard input. `cols` is the terminal's width. Stops after a
   * submit or an exit; what follows is answered as `rest`.
   */
  feed(data: string, cols: number): FeedResult {
    let write = "";
    const actions: EditorAction[] = [];
    let i = 0;
    while (i < data.length) {
      const { key, length } = token(data.slice(i));
      i += length;
      const name = KEYS[key];
      if (name === "enter") {
        const line = this.text;
        write += this.moveTo(this.chars.length, cols) + "\r\n";
        this.remember(line);
        this.reset();
        actions.push({ type: "submit", line });
        return { write, actions, rest: data.slice(i) };
      }
      if (name === "cancel") {
        write += this.moveTo(this.chars.length, cols) + "^C\r\n";
        this.reset();
        actions.push({ type: "cancel" });
        continue;
      }
      if (name === "clear") {
        actions.push({ type: "clear" });
        continue;
      }
      if (name === "eof") {
        if (this.chars.length === 0) {
          write += "\r\n";
          actions.push({ type: "exit" });
          return { write, actions, rest: data.slice(i) };
        }
        if (this.cursor < this.chars.length) {
          this.chars.splice(this.cursor, 1);
          write += this.redraw(cols);
        }
        continue;
      }
      if (name) {
        write += this.edit(name, cols);
        continue;
      }
      if (key[0] !== "\x1b" && printable(key)) {
        if (this.chars.length >= this.maxLength) continue;
        this.chars.splice(this.cursor, 0, key);
        this.cursor++;
        write += this.redraw(cols);
      }
      // Any other control character or escape sequence is ignored.
    }
    return { write, actions, rest: "" };
  }

  private edit(name: string, cols: number): string {
    switch (name) {
      case "backspace":
        if (this.cursor === 0) return "";
        this.chars.splice(--this.cursor, 1);
        return this.redraw(cols);
      case "delete":
        if (this.cursor >= this.chars.length) return "";
        this.chars.splice(this.cursor, 1);
        return this.redraw(cols);
      case "left":
        return this.cursor > 0 ? this.moveTo(this.cursor - 1, cols) : "";
      case "right":
        return this.cursor < this.chars.length ? this.moveTo(this.cursor + 1, cols) : "";
      case "home":
        return this.moveTo(0, cols);
      case "end":
        return this.moveTo(this.chars.length, cols);
      case "kill-start":
        this.chars.splice(0, this.cursor);
        this.cursor = 0;
        return this.redraw(cols);
      case "kill-end":
        this.chars.splice(this.cursor);
        return this.redraw(cols);
      case "kill-word": {
        let start = this.cursor;
        while (start > 0 && this.chars[start - 1] === " ") start--;
        while (start > 0 && this.chars[start - 1] !== " ") start--;
        this.chars.splice(start, this.cursor - start);
        this.cursor = start;
        return this.redraw(cols);
      }
      case "up":
      case "down":
        return this.browse(name === "up" ? -1 : 1, cols);
      default:
        return "";
    }
  }

  private browse(step: number, cols: number): string {
    const next = this.browsing + step;
    if (next < 0 || next > this.history.length) return "";
    if (this.browsing === this.history.length) this.draft = [...this.chars];
    this.browsing = next;
    this.chars = next === this.history.length ? [...this.draft] : Array.from(this.history[next]!);
    this.cursor = this.chars.length;
    return this.redraw(cols);
  }

  private remember(line: string): void {
    if (line.trim() !== "" && this.history.at(-1) !== line) {
      this.history.push(line);
      if (this.history.length > this.historySize) this.history.shift();
    }
  }

  /** Cursor movement from where it stands to `pos` cells from the prompt's start (same block of rows). */
  private travel(pos: number, columns: number): string {
    const cols = Math.max(1, columns);
    const from = this.drawn;
    const up = Math.floor(from / cols) - Math.floor(pos / cols);
    let out = up > 0 ? `${CSI}${up}A` : up < 0 ? `${CSI}${-up}B` : "";
    out += "\r";
    if (pos % cols) out += `${CSI}${pos % cols}C`;
    this.drawn = pos;
    return out;
  }

  /** Moves the cursor within the line to character `index`. */
  private moveTo(index: number, cols: number): string {
    this.cursor = index;
    return this.travel(Array.from(this.prompt).length + index, cols);
  }

  /**
   * Writes the prompt and the line again from the prompt's start and puts
   * the cursor back. `fromDrawn`: first go back up to the prompt's start.
   */
  private redraw(cols: number, fromDrawn = true): string {
    const width = Math.max(1, cols);
    let out = "";
    if (fromDrawn) {
      const up = Math.floor(this.drawn / width);
      if (up > 0) out += `${CSI}${up}A`;
    }
    out += `\r${CSI}J${this.prompt}${this.text}`;
    const end = Array.from(this.prompt).length + this.chars.length;
    // At the right edge the cursor waits for the next character; move it to the next row so the count holds.
    if (end > 0 && end % width === 0) out += "\r\n";
    this.drawn = end;
    return out + this.travel(Array.from(this.prompt).length + this.cursor, width);
  }
}
