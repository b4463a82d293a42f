/**
 * Events about an object: the query kubectl's `searchEvents` makes and the
 * table `DescribeEvents` prints.
 */
import { ZERO_TIME, ageSince, parseTimestamp } from "../_age.ts";
import type { KubeObject, KubeReader } from "../_types.ts";
import { type J, int, isSet, obj, str } from "./_format.ts";
import { goSort } from "./_gosort.ts";
import { LEVEL_0, LEVEL_1, type PrefixWriter } from "./_writer.ts";

/** The `involvedObject` fields kubectl selects events by; empty fields are left out of the selector. */
export interface EventTarget {
  name: string;
  /** "" for cluster-scoped objects: events are then searched in every namespace. */
  namespace: string;
  kind?: string;
  uid?: string;
}

/** `fields.EscapeValue`. */
export function escapeFieldValue(v: string): string {
  return v.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** The field selector `CoreV1().Events(ns).GetFieldSelector(name, ns, kind, uid)` builds. */
export function eventFieldSelector(t: EventTarget): string {
  const terms = [`involvedObject.name=${escapeFieldValue(t.name)}`, `involvedObject.namespace=${escapeFieldValue(t.namespace)}`];
  if (t.kind) terms.push(`involvedObject.kind=${escapeFieldValue(t.kind)}`);
  if (t.uid) terms.push(`involvedObject.uid=${escapeFieldValue(t.uid)}`);
  return terms.join(",");
}

/** The target kubectl's `reference.GetReference` derives from an object. */
export function eventTargetOf(o: KubeObject): EventTarget {
  return {
    name: o.metadata.name,
    namespace: o.metadata.namespace ?? "",
    ...(o.kind ? { kind: o.kind } : {}),
    ...(o.metadata.uid ? { uid: o.metadata.uid } : {}),
  };
}

const EVENTS = { group: "", resource: "events" } as const;

/**
 * Lists core/v1 events about `target`. A failed list yields no events and the
 * error (most describers then print `Events: <none>`, as kubectl does); an
 * aborted signal always rejects.
 */
export async function searchEvents(reader: KubeReader, target: EventTarget, signal?: AbortSignal): Promise<{ events: KubeObject[]; error?: unknown }> {
  try {
    const events = await reader.list(EVENTS, {
      ...(target.namespace ? { namespace: target.namespace } : {}),
      fieldSelector: eventFieldSelector(target),
      ...(signal ? { signal } : {}),
    });
    return { events };
  } catch (error) {
    if (signal?.aborted) throw error;
    return { events: [], error };
  }
}

const SPACE = "[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const TRIM = new RegExp(`^${SPACE}+|${SPACE}+$`, "g");

/** Go's `strings.TrimSpace` (Unicode White_Space, which differs from JavaScript's `trim`). */
export function goTrimSpace(s: string): string {
  return s.replace(TRIM, "");
}

function lastTimestamp(e: J): number {
  const t = parseTimestamp(e.lastTimestamp);
  return t === null ? ZERO_TIME : t;
}

/**
 * `DescribeEvents`: `Events: <none>`, or a Type/Reason/Age/From/Message table
 * sorted by last timestamp with Go's (unstable) sort; repeated events show
 * `<last> (xN over <first>)`.
 */
export function renderEvents(w: PrefixWriter, events: readonly KubeObject[], now: number): void {
  if (events.length === 0) {
    w.write(LEVEL_0, "Events:\t<none>\n");
    return;
  }
  const sorted = goSort(
    events.map((e) => e as unknown as J),
    (a, b) => lastTimestamp(a) < lastTimestamp(b),
  );
  w.write(LEVEL_0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n");
  w.write(LEVEL_1, "----\t------\t----\t----\t-------\n");
  for (const e of sorted) {
    const eventTime = parseTimestamp(e.eventTime);
    const first = eventTime === null || eventTime === ZERO_TIME ? ageSince(e.firstTimestamp, now) : ageSince(e.eventTime, now);
    let interval: string;
    const series = e.series;
    const count = typeof e.count === "number" ? e.count : 0;
    if (isSet(series)) interval = `${ageSince(obj(series).lastObservedTime, now)} (x${int(obj(series).count)} over ${first})`;
    else if (count > 1) interval = `${ageSince(e.lastTimestamp, now)} (x${int(count)} over ${first})`;
    else interval = first;
    let source = str(obj(e.source).component);
    if (source === "") source = str(e.reportingComponent);
    w.write(LEVEL_1, `${str(e.type)}\t${str(e.reason)}\t${interval}\t${source}\t${goTrimSpace(str(e.message))}\n`);
  }
}
