/**
 * The web terminal's browser-side helpers, checked against a real terminal
 * emulator: what the line editor writes is fed to xterm.js (its headless
 * build, the same parser and buffer as the console's), and the screen is
 * read back. Also the output sanitizer (a log line's escape sequences stay
 * text and never answer as typed input), the end notes, the replay's
 * stream reader and the socket address.
 */
import { describe, expect, test } from "bun:test";
import { Terminal } from "@xterm/headless";
import fc from "fast-check";
import { LineEditor } from "../../lib/console/terminal/line-editor.ts";
import { endNote, terminalText } from "../../lib/console/terminal/output.ts";
import { TERMINAL_PROMPT, terminalSocketUrl } from "../../lib/console/terminal/protocol.ts";
import { streamedOutput } from "../../lib/console/terminal/recording.ts";

const write = (term: Terminal, data: string) => new Promise<void>((resolve) => term.write(data, resolve));
/** The screen's rows, right-trimmed, without trailing empty rows. */
function screen(term: Terminal): string[] {
  const rows: string[] = [];
  for (let i = 0; i < term.rows; i++) rows.push(term.buffer.active.getLine(term.buffer.active.viewportY + i)?.translateToString(true) ?? "");
  while (rows.length && rows.at(-1) === "") rows.pop();
  return rows;
}
const cursor = (term: Terminal) => ({ x: term.buffer.active.cursorX, y: term.buffer.active.cursorY });

/** An editor on a fresh terminal, the prompt drawn. */
async function setup(cols = 80, rows = 24) {
  const term = new Terminal({ cols, rows, allowProposedApi: true });
  const editor = new LineEditor({ prompt: TERMINAL_PROMPT });
  await write(term, editor.drawFresh(cols));
  const type = async (data: string) => {
    const r = editor.feed(data, cols);
    await write(term, r.write);
    return r;
  };
  return { term, editor, type };
}

describe("LineEditor on a real terminal", () => {
  test("typing shows after the prompt; Backspace, Left/Right and insertion edit in place", async () => {
    const { term, editor, type } = await setup();
    await type("get pds");
    expect(screen(term)).toEqual(["kubectl> get pds"]);
    await type("\x1b[D\x1b[D");
    await type("o");
    expect(editor.text).toBe("get pods");
    expect(screen(term)).toEqual(["kubectl> get pods"]);
    expect(cursor(term)).toEqual({ x: TERMINAL_PROMPT.length + 6, y: 0 });
    await type("\x1b[F\x7f\x7f");
    expect(screen(term)).toEqual(["kubectl> get po"]);
    await type("\x01x\x05");
    expect(editor.text).toBe("xget po");
    expect(cursor(term)).toEqual({ x: TERMINAL_PROMPT.length + 7, y: 0 });
  });

  test("a line longer than the terminal wraps, and editing at its start redraws every row", async () => {
    const cols = 20;
    const { term, editor, type } = await setup(cols);
    // 9 prompt cells + 11 characters fill the first row exactly: the cursor goes to the next row.
    await type("get pods -A");
    expect(screen(term)).toEqual(["kubectl> get pods -A"]);
    expect(cursor(term)).toEqual({ x: 0, y: 1 });
    await type(" -o wide --show-labels");
    expect(screen(term)).toEqual(["kubectl> get pods -A", " -o wide --show-labe", "ls"]);
    await type("\x01kubectl ");
    expect(editor.text).toBe("kubectl get pods -A -o wide --show-labels");
    expect(screen(term).join("")).toBe(`${TERMINAL_PROMPT}${editor.text}`);
    expect(cursor(term)).toEqual({ x: (TERMINAL_PROMPT.length + 8) % cols, y: 0 });
    await type("\x0b");
    expect(screen(term)).toEqual(["kubectl> kubectl "]);
  });

  test("property: after any keys, the screen shows the prompt and the line row by row, and the cursor stands where the editor says", async () => {
    const key = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(..."abcdefghijklmnop -=/.".split("")) },
      { weight: 4, arbitrary: fc.constantFrom("\x7f", "\x1b[D", "\x1b[C", "\x1b[H", "\x1b[F", "\x1b[3~", "\x01", "\x05", "\x15", "\x0b", "\x17", "\x1b[A", "\x1b[B", "\x1bOP", "\t") },
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 10, max: 40 }), fc.array(fc.array(key, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 30 }), async (cols, batches) => {
        const { term, editor, type } = await setup(cols, 40);
        let position = 0;
        for (const batch of batches) {
          await type(batch.join(""));
          const whole = `${TERMINAL_PROMPT}${editor.text}`;
          const rows: string[] = [];
          for (let i = 0; i < whole.length; i += cols) rows.push(whole.slice(i, i + cols));
          while (rows.length && rows.at(-1) === "") rows.pop();
          expect(screen(term)).toEqual(rows);
          // Where the cursor is, from the keys alone: track it from the screen's side.
          position = TERMINAL_PROMPT.length + editorCursor(editor);
          expect(cursor(term)).toEqual({ x: position % cols, y: Math.floor(position / cols) });
        }
        term.dispose();
      }),
      { numRuns: 150 },
    );
  });

  test("Enter submits the line and keeps what follows for the next prompt; history recalls lines and the draft", async () => {
    const { editor, type } = await setup();
    const r = await type("get pods\rget ns\rx");
    expect(r.actions).toEqual([{ type: "submit", line: "get pods" }]);
    expect(r.rest).toBe("get ns\rx");
    expect(r.write.endsWith("\r\n")).toBe(true);
    expect(editor.text).toBe("");
    await write(new Terminal(), editor.drawFresh(80));
    expect((await type("get ns\r")).actions).toEqual([{ type: "submit", line: "get ns" }]);
    await type("draft");
    await type("\x1b[A");
    expect(editor.text).toBe("get ns");
    await type("\x1b[A");
    expect(editor.text).toBe("get pods");
    await type("\x1b[A");
    expect(editor.text).toBe("get pods");
    await type("\x1b[B\x1b[B");
    expect(editor.text).toBe("draft");
    expect(editor.lines).toEqual(["get pods", "get ns"]);
  });

  test("Ctrl-C drops the line (^C) and asks to cancel; Ctrl-L asks to clear; Ctrl-D exits on an empty line and deletes otherwise", async () => {
    const { term, editor, type } = await setup();
    const c = await type("get po\x03");
    expect(c.actions).toEqual([{ type: "cancel" }]);
    expect(editor.text).toBe("");
    expect(screen(term)).toEqual(["kubectl> get po^C"]);
    expect((await type("\x0c")).actions).toEqual([{ type: "clear" }]);
    await write(term, editor.drawFresh(80));
    await type("ab\x01\x04");
    expect(editor.text).toBe("b");
    await type("\x05\x15");
    expect(editor.text).toBe("");
    expect((await type("\x04")).actions).toEqual([{ type: "exit" }]);
  });

  test("escape sequences and control characters that are not keys are never inserted; Ctrl-W erases a word; the length is capped", async () => {
    const term = new Terminal({ cols: 80, rows: 5, allowProposedApi: true });
    const editor = new LineEditor({ prompt: TERMINAL_PROMPT, maxLength: 10 });
    for (const data of ["\x1bOP", "\x1b[15~", "\t", "\x00", "\x1b", "\x1bx", "\x9b", "\x1b[200~"]) editor.feed(data, 80);
    expect(editor.text).toBe("");
    editor.feed("get pods  ", 80);
    editor.feed("\x17", 80);
    expect(editor.text).toBe("get ");
    editor.feed("0123456789", 80);
    expect(editor.text).toBe("get 012345");
    term.dispose();
  });
});

/** The editor's cursor index (private), as the class keeps it. */
const editorCursor = (editor: LineEditor) => (editor as unknown as { cursor: number }).cursor;

describe("terminalText: output shown as text", () => {
  test("colours are dropped; other escape sequences and controls show in caret notation; newlines become CR LF", () => {
    expect(terminalText("\x1b[31mred\x1b[0m plain\n")).toBe("red plain\r\n");
    expect(terminalText("a\r\nb\rc\x1b[2J\x07\x7f\x9b")).toBe("a\r\nb^Mc^[[2J^G^?\ufffd");
    expect(terminalText("tab\tkept")).toBe("tab\tkept");
  });

  test("a log line that asks the terminal something gets no answer, and clears nothing", async () => {
    const term = new Terminal({ cols: 80, rows: 5, allowProposedApi: true });
    const answers: string[] = [];
    term.onData((d) => answers.push(d));
    await write(term, "kubectl> logs x\r\n");
    await write(term, terminalText("before \x1b[6n \x1b[c \x1b]52;c;ZWNobyBoaQ==\x07 \x1b[2J after\n"));
    expect(answers).toEqual([]);
    expect(screen(term)).toEqual(["kubectl> logs x", "before ^[[6n ^[[c ^[]52;c;ZWNobyBoaQ==^G ^[[2J after"]);
    // The same bytes unsanitized would have been answered (a cursor report typed into the line).
    await write(term, "\x1b[6n");
    expect(answers.length).toBe(1);
    term.dispose();
  });
});

describe("endNote", () => {
  test("says how each line ended", () => {
    expect(endNote({ status: "success" })).toBe("");
    expect(endNote({ status: "success", truncated: true, code: "STREAM_TIME_BUDGET" })).toContain("STREAM_TIME_BUDGET");
    expect(endNote({ status: "denied", policy: "read-only", error: "verb delete is not read-only" })).toBe("\x1b[31mdenied by read-only: verb delete is not read-only\x1b[0m");
    expect(endNote({ status: "refused", code: "VALIDATION_FAILED", error: 'shell syntax ("|") is not supported' })).toBe('\x1b[31mshell syntax ("|") is not supported\x1b[0m');
    expect(endNote({ status: "refused", code: "CLUSTER_NOT_CONNECTED", error: "no agent" })).toContain("(CLUSTER_NOT_CONNECTED)");
    expect(endNote({ status: "failure", exit_code: 1, error: "Error from server (NotFound)\n" })).toBe("\x1b[31mError from server (NotFound)\x1b[0m\r\n\x1b[2m[exit 1]\x1b[0m");
    expect(endNote({ status: "cancelled" })).toContain("cancelled");
    expect(endNote({ status: "timeout", error: "no result" })).toContain("timed out: no result");
    expect(endNote({ status: "noted" })).toBe("");
    // Stderr is output too: its escapes stay text.
    expect(endNote({ status: "failure", exit_code: 1, error: "\x1b[2Jx" })).toContain("^[[2Jx");
  });
});

describe("streamedOutput (the replay's read of GET /debug/stream/{id})", () => {
  test("joins the chunk events, skips comments and the result; null without chunks", () => {
    const text = ': kubently stream\n\nid: 0\nevent: chunk\ndata: {"seq":0,"data":"line 1\\n"}\n\n: keep-alive\n\nid: 1\nevent: chunk\ndata: {"seq":1,"data":"line 2\\n"}\n\nevent: result\ndata: {"status":"cancelled","output":""}\n\n';
    expect(streamedOutput(text)).toBe("line 1\nline 2\n");
    expect(streamedOutput('event: result\ndata: {"status":"success","output":"x"}\n\n')).toBeNull();
    expect(streamedOutput("")).toBeNull();
  });
});

describe("terminalSocketUrl", () => {
  test("same host, ws: or wss: as the page, under the API's base path", () => {
    expect(terminalSocketUrl({ protocol: "http:", host: "127.0.0.1:8080" }, "")).toBe("ws://127.0.0.1:8080/terminal/ws");
    expect(terminalSocketUrl({ protocol: "https:", host: "kubently.example.com" }, "/kubently")).toBe("wss://kubently.example.com/kubently/terminal/ws");
  });
});
