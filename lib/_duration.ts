/** Durations as Kubernetes prints them. */

/**
 * apimachinery's `duration.HumanDuration`, which kube-apiserver uses for AGE
 * and LAST SEEN cells and kubectl for the ages it computes: `Ns` under 2m,
 * then `XmYs` (under 10m), `Xm` (under 3h), `XhYm` (under 8h), `Xh` (under
 * 2d), `XdYh` (under 8d), `Xd` (under 2y), `XyYd` (under 8y), `Xy`. Seconds
 * truncate toward zero, as Go's `int(d.Seconds())`: durations just below zero
 * (clock skew up to 2s) print `0s`, anything earlier `<invalid>`.
 *
 * The one implementation, shared by the simulated server (lib/sim) and the
 * native printers (lib/kube), so they cannot drift apart. It imports nothing,
 * so lib/sim stays runnable on node: builtins alone.
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
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${Math.trunc(days / 365)}y` : `${Math.trunc(days / 365)}y${d}d`;
  }
  return `${Math.trunc(days / 365)}y`;
}
