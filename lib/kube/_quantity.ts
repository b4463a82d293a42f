/**
 * Kubernetes resource quantities (apimachinery's resource.Quantity) as
 * numbers, and bytes as people read them.
 */

const SUFFIX: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60, n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A quantity (`128Mi`, `1G`, `250m`, `1e9`, or a JSON number) in base units; undefined when it is not one. */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === "number") return Number.isFinite(q) ? q : undefined;
  if (typeof q !== "string") return undefined;
  const m = /^([+-]?\d+(?:\.\d+)?|[+-]?\.\d+)(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/.exec(q.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2] !== undefined ? n * 10 ** Number(m[2]) : n * (SUFFIX[m[3] ?? ""] ?? 1);
}

/** Bytes in binary units as people read them: `512Ki`, `120Mi`, `1.5Gi`. */
export function formatBytes(b: number): string {
  if (b >= 2 ** 30) return `${Number((b / 2 ** 30).toFixed(1))}Gi`;
  if (b >= 2 ** 20) return `${Math.round(b / 2 ** 20)}Mi`;
  return `${Math.round(b / 2 ** 10)}Ki`;
}
