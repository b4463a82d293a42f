/** Builds the console into lib/console/dist once when a test needs the embedded bundle and it is missing. */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { buildConsole } from "../../../lib/console/build.ts";

export const DIST = resolve(import.meta.dir, "../../../lib/console/dist");

export async function ensureConsoleBuilt(): Promise<void> {
  if (!existsSync(resolve(DIST, "app.js.txt")) || !existsSync(resolve(DIST, "app.css.txt"))) await buildConsole();
}
