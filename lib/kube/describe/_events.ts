/**
 * Events about an object: the query kubectl's `searchEvents` makes and the
 * table `DescribeEvents` prints.
 */
import { ZERO_TIME, eventAge, parseTimestamp } from "../_age.ts";
import { escapeFieldValue, goTrimSpace } from "../_go-strings.ts";
import { goSort } from "../_gosort.ts";
import { type J, obj, str } from "../_json.ts";
import type { KubeObject, KubeReader } from "../_types.ts";
import type { DescribeContext, Describer } from "./_context.ts";
import { LEVEL_0, LEVEL_1, type PrefixWriter } from "./_writer.ts";

/** The `involvedObject` fields kubectl selects events by; empty fields are left out of the selector. */
export interface EventTarget {
  name: string;
  /** "" for cluster-scoped objects: events are then searched in every namespace. */
  namespace: string;
  kind?: string;
  uid?: string;
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

/**
 * The events a describer prints about `o`: null with `--show-events=false`
 * (no Events section at all), none when the search failed (kubectl ignores
 * that failure and prints `Events: <none>`).
 */
export async function eventsFor(o: KubeObject, ctx: DescribeContext): Promise<KubeObject[] | null> {
  return ctx.showEvents ? (await searchEvents(ctx.reader, eventTargetOf(o), ctx.signal)).events : null;
}

/**
 * The describer of a kind whose describe reads nothing but the object's
 * events: fetches them ({@link eventsFor}), then renders with `render`.
 */
export function describeWithEvents(render: (o: KubeObject, events: readonly KubeObject[] | null, now: number) => string): Describer {
  return async (o, ctx) => render(o, await eventsFor(o, ctx), ctx.now);
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
    let source = str(obj(e.source).component);
    if (source === "") source = str(e.reportingComponent);
    w.write(LEVEL_1, `${str(e.type)}\t${str(e.reason)}\t${eventAge(e, now)}\t${source}\t${goTrimSpace(str(e.message))}\n`);
  }
}
