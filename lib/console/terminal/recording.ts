/**
 * Reading a terminal session back (browser side, pure): what the replay
 * page needs beyond the audit entries and results it reads anyway.
 *
 * A streamed command that was cancelled (Ctrl-C on `logs -f`) or timed out
 * keeps its output as stream chunks, not in its result (`GET
 * /debug/result/{id}` answers an empty `output`); `GET /debug/stream/{id}`
 * replays those chunks as Server-Sent Events for as long as results are
 * kept. {@link streamedOutput} reads that answer.
 */
import { TERMINAL_INPUT_EVENT } from "./protocol.ts";

/** The chunks of a `GET /debug/stream/{id}` answer (its whole text), joined; null when it has none. */
export function streamedOutput(eventStream: string): string | null {
  const pieces: string[] = [];
  for (const block of eventStream.replace(/\r\n?/g, "\n").split("\n\n")) {
    const lines = block.split("\n");
    if (!lines.includes("event: chunk")) continue;
    const data = lines.filter((l) => l.startsWith("data:")).map((l) => l.slice(l[5] === " " ? 6 : 5)).join("\n");
    try {
      const chunk = JSON.parse(data) as { data?: unknown };
      if (typeof chunk.data === "string") pieces.push(chunk.data);
    } catch {
      // Not a chunk we can read: skip it.
    }
  }
  return pieces.length ? pieces.join("") : null;
}

/** A `terminal.input` audit entry: a line typed in the terminal that never became a command. */
export const isTerminalInput = (entry: { eventType: string }) => entry.eventType === TERMINAL_INPUT_EVENT;
