/**
 * Timestamps and ages as kubectl reads and prints them. Pure functions of
 * their inputs: callers pass `now`, so renderers stay deterministic and golden
 * tests stay stable. Timestamps keep Go's nanosecond precision, so an age
 * truncates to the second exactly where `time.Since` would.
 */
import { humanDuration } from "../_duration.ts";
import { integer, obj } from "./_json.ts";

/** apimachinery's `duration.HumanDuration` of a duration in milliseconds (shared with the simulated cluster). */
export { humanDuration };

/** An instant with Go's precision (`time.Time`). */
export interface Instant {
  /** Whole seconds since the Unix epoch. */
  sec: number;
  /** Nanoseconds within the second, 0 to 999999999. */
  nsec: number;
}

/** Go's zero `time.Time` (0001-01-01T00:00:00Z) in milliseconds, which `metav1.Time.IsZero` treats as unset. */
export const ZERO_TIME = -62_135_596_800_000;

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 timestamp (`metav1.Time`, `metav1.MicroTime`) to the nanosecond; null when missing or malformed. */
function parseRfc3339(v: unknown): Instant | null {
  if (typeof v !== "string") return null;
  const m = RFC3339.exec(v);
  if (!m) return null;
  const d = new Date(0);
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0);
  const ms = d.getTime();
  if (Number.isNaN(ms)) return null;
  let sec = Math.floor(ms / 1000);
  const zone = m[8] as string;
  if (zone !== "Z" && zone !== "z") {
    const off = Number(zone.slice(1, 3)) * 3600 + Number(zone.slice(4, 6)) * 60;
    sec += zone[0] === "+" ? -off : off;
  }
  // Digits past nanoseconds are dropped, as Go's parser truncates them.
  return { sec, nsec: Number(((m[7] ?? "") + "000000000").slice(0, 9)) };
}

/** A timestamp as an {@link Instant}; null when missing, malformed or Go's zero time (unset). */
export function parseInstant(v: unknown): Instant | null {
  const t = parseRfc3339(v);
  return t === null || (t.sec * 1000 === ZERO_TIME && t.nsec === 0) ? null : t;
}

/**
 * Milliseconds since the epoch of an RFC 3339 timestamp, or null when it is
 * missing or malformed. Go's zero time reads as {@link ZERO_TIME}; fractions
 * beyond milliseconds are dropped.
 */
export function parseTimestamp(v: unknown): number | null {
  const t = parseRfc3339(v);
  return t === null ? null : t.sec * 1000 + Math.floor(t.nsec / 1e6);
}

/** Go's `t.Before(u)`, an unset time (null) being the earliest. */
export function isBefore(a: Instant | null, b: Instant | null): boolean {
  if (a === null) return b !== null;
  if (b === null) return false;
  return a.sec < b.sec || (a.sec === b.sec && a.nsec < b.nsec);
}

/** A clock reading (milliseconds since the epoch, or a Date) as an {@link Instant}. */
function instantOf(now: number | Date): Instant {
  const ms = typeof now === "number" ? now : now.getTime();
  const sec = Math.floor(ms / 1000);
  return { sec, nsec: Math.round((ms - sec * 1000) * 1e6) };
}

/** `HumanDuration(time.Since(t))`, or `<unknown>` for an unset time. */
function since(t: Instant | null, now: Instant): string {
  if (t === null) return "<unknown>";
  let sec = now.sec - t.sec;
  let nsec = now.nsec - t.nsec;
  // Truncate toward zero, as int(d.Seconds()) does.
  if (sec > 0 && nsec < 0) {
    sec -= 1;
    nsec += 1e9;
  } else if (sec < 0 && nsec > 0) {
    sec += 1;
    nsec -= 1e9;
  }
  // Whole seconds are all HumanDuration looks at.
  return humanDuration(sec * 1000);
}

/**
 * kubectl's `translateTimestampSince` (and `translateMicroTimestampSince`):
 * the age of `timestamp` at `now`, or `<unknown>` when the timestamp is unset.
 */
export function ageSince(timestamp: unknown, now: number | Date): string {
  return since(parseInstant(timestamp), instantOf(now));
}

/**
 * An event's age column, as kubectl's `events` (`getInterval`) and describe's
 * `DescribeEvents` print it: the age of `eventTime` (else of
 * `firstTimestamp`); with a series `<age of series.lastObservedTime>
 * (x<series.count> over <first>)`; with `count > 1` `<age of lastTimestamp>
 * (x<count> over <first>)`.
 */
export function eventAge(event: Readonly<Record<string, unknown>>, now: number | Date): string {
  const at = instantOf(now);
  const first = since(parseInstant(event.eventTime) ?? parseInstant(event.firstTimestamp), at);
  if (event.series !== undefined && event.series !== null) {
    const series = obj(event.series);
    return `${since(parseInstant(series.lastObservedTime), at)} (x${integer(series.count)} over ${first})`;
  }
  const count = integer(event.count);
  if (count > 1) return `${since(parseInstant(event.lastTimestamp), at)} (x${count} over ${first})`;
  return first;
}
