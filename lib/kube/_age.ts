/**
 * Ages as kubectl prints them. Pure functions of their inputs: callers pass
 * `now`, so renderers stay deterministic and golden tests stay stable.
 */

/**
 * apimachinery's `duration.HumanDuration`: `Ns` under 2m, then `XmYs` (under
 * 10m), `Xm` (under 3h), `XhYm` (under 8h), `Xh` (under 2d), `XdYh` (under 8d),
 * `Xd` (under 2y), `XyYd` (under 8y), `Xy`. Durations just below zero (clock
 * skew up to 2s) print `0s`; anything earlier prints `<invalid>`.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(ms / 3_600_000);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    return dy === 0 ? `${Math.trunc(hours / 24 / 365)}y` : `${Math.trunc(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/**
 * Milliseconds since the epoch of an RFC 3339 timestamp (`metav1.Time`,
 * `metav1.MicroTime`), or null when it is missing or malformed. Fractions
 * beyond milliseconds are dropped.
 */
export function parseTimestamp(value: unknown): number | null {
  if (typeof value !== "string") return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), frac ? Math.trunc(Number(`0${frac}`) * 1000) : 0);
  let t = date.getTime();
  if (zone && zone !== "Z" && zone !== "z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    t -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  return Number.isNaN(t) ? null : t;
}

/**
 * kubectl's `translateTimestampSince`: the age of `timestamp` at `now`, or
 * `<unknown>` when the timestamp is unset.
 */
export function ageSince(timestamp: unknown, now: number): string {
  const t = parseTimestamp(timestamp);
  return t === null || t === ZERO_TIME ? "<unknown>" : humanDuration(now - t);
}

/** Go's zero `time.Time` (0001-01-01T00:00:00Z), which `metav1.Time.IsZero` treats as unset. */
export const ZERO_TIME = -62_135_596_800_000;
