/** `kubectl describe configmap` and `kubectl describe secret`. */
import { sortedStrings } from "../_gosort.ts";
import { obj, str } from "../_json.ts";
import type { KubeObject } from "../_types.ts";
import type { DescribeContext } from "./_context.ts";
import { eventTargetOf, renderEvents, searchEvents } from "./_events.ts";
import { partsOf, printLabelsAndAnnotations, printNameNamespace } from "./_format.ts";
import { LEVEL_0, tabbed } from "./_writer.ts";

/** Fetches the ConfigMap's events (a failed list fails the describe, as in kubectl) and renders it. */
export async function describeConfigMap(cm: KubeObject, ctx: DescribeContext): Promise<string> {
  let events: KubeObject[] | null = null;
  if (ctx.showEvents) {
    const found = await searchEvents(ctx.reader, eventTargetOf(cm), ctx.signal);
    if (found.error !== undefined) throw found.error;
    events = found.events;
  }
  return renderConfigMap(cm, events, ctx.now);
}

/** Bytes encoded by a base64 string (the length of a `[]byte` field). */
export function base64Length(v: unknown): number {
  const s = str(v).replace(/\s/g, "");
  if (s.length === 0) return 0;
  const padding = s.endsWith("==") ? 2 : s.endsWith("=") ? 1 : 0;
  return Math.floor((s.length * 3) / 4) - padding;
}

/**
 * `ConfigMapDescriber`: every key with its value, then BinaryData sizes. Keys
 * are sorted, as kubectl >= 1.33 prints them (1.32 iterated the Go map).
 */
export function renderConfigMap(cm: KubeObject, events: readonly KubeObject[] | null, now: number): string {
  const { o, meta } = partsOf(cm);
  const data = obj(o.data);
  const binary = obj(o.binaryData);
  return tabbed((w) => {
    printNameNamespace(w, meta);
    printLabelsAndAnnotations(w, meta);
    w.write(LEVEL_0, "\nData\n====\n");
    for (const k of sortedStrings(Object.keys(data))) {
      w.write(LEVEL_0, `${k}:\n----\n`);
      w.write(LEVEL_0, `${str(data[k])}\n`);
      w.write(LEVEL_0, "\n");
    }
    w.write(LEVEL_0, "\nBinaryData\n====\n");
    for (const k of sortedStrings(Object.keys(binary))) w.write(LEVEL_0, `${k}: ${base64Length(binary[k])} bytes\n`);
    w.write(LEVEL_0, "\n");
    if (events) renderEvents(w, events, now);
  });
}

/** Secrets have no related objects: kubectl reads no events for them. */
export async function describeSecret(secret: KubeObject, _ctx: DescribeContext): Promise<string> {
  return renderSecret(secret);
}

/**
 * `describeSecret`: key names and sizes, never values. kubectl prints the
 * `token` of a `kubernetes.io/service-account-token` Secret in clear; this
 * renderer prints its size like every other key, so a describe cannot leak a
 * credential even where the policy lets secrets through.
 */
export function renderSecret(secret: KubeObject): string {
  const { o, meta } = partsOf(secret);
  const data = obj(o.data);
  return tabbed((w) => {
    printNameNamespace(w, meta);
    printLabelsAndAnnotations(w, meta);
    w.write(LEVEL_0, `\nType:\t${str(o.type)}\n`);
    w.write(LEVEL_0, "\nData\n====\n");
    for (const k of sortedStrings(Object.keys(data))) w.write(LEVEL_0, `${k}:\t${base64Length(data[k])} bytes\n`);
  });
}
