/**
 * The implementations of the commands the native layer answers; which flags
 * of each it implements is in `coverage.ts`, which a host can read without
 * loading any of this.
 */
import type { ParsedCommand } from "../../kubectl/index.ts";
import type { NativeCommand } from "./_io.ts";
import { get } from "./get.ts";
import { logs } from "./logs.ts";
import { topNode, topPod } from "./top.ts";
import { apiResources, apiVersions, canI, version, whoami } from "./info.ts";
import { events } from "./events.ts";
import { describe } from "./describe.ts";

export type { CommandIO, CommandOutcome, NativeCommand } from "./_io.ts";
export { NATIVE_COMMANDS, uncovered } from "./coverage.ts";

const RUNNERS: ReadonlyMap<string, NativeCommand> = new Map<string, NativeCommand>([
  ["get", get],
  ["logs", logs],
  ["describe", describe],
  ["events", events],
  ["version", version],
  ["api-versions", apiVersions],
  ["api-resources", apiResources],
  ["auth can-i", canI],
  ["auth whoami", whoami],
  ["top pod", topPod],
  ["top node", topNode],
]);

/** The implementation of a covered command. */
export function commandFor(cmd: ParsedCommand): NativeCommand | null {
  return RUNNERS.get(cmd.path.join(" ")) ?? null;
}
