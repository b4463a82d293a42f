/**
 * apimachinery's `resource.Quantity`, as far as describe needs it: parse,
 * canonical `String()`, add, compare, `Value()` and `MilliValue()`. Values are
 * exact (`mantissa × 10^exponent` on BigInt), never floating point.
 */

/** How a quantity prints its suffix. */
export type QuantityFormat = "DecimalSI" | "BinarySI" | "DecimalExponent" | "";

/** A parsed quantity. */
export interface Quantity {
  mantissa: bigint;
  exponent: number;
  format: QuantityFormat;
  /** The text it was parsed from, when that text was already canonical (Go caches it and prints it back). */
  cached?: string;
}

const DEC_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BIN_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DEC_BY_EXP = new Map(Object.entries(DEC_SUFFIX).map(([k, v]) => [v, k]));
const BIN_BY_EXP = new Map(Object.entries(BIN_SUFFIX).map(([k, v]) => [v, k]));
const MAX_INT64 = (1n << 63n) - 1n;

const pow10 = (n: number): bigint => 10n ** BigInt(n);
const abs = (x: bigint): bigint => (x < 0n ? -x : x);

/** A zero quantity (Go's zero value prints `0`). */
export function zeroQuantity(format: QuantityFormat = "DecimalSI"): Quantity {
  return { mantissa: 0n, exponent: 0, format };
}

/** Parses a quantity string as `resource.ParseQuantity` does; null when it is malformed. */
export function parseQuantity(input: unknown): Quantity | null {
  if (typeof input === "number") input = String(input);
  if (typeof input !== "string") return null;
  const str = input.trim();
  if (str.length === 0) return null;
  if (str === "0") return { mantissa: 0n, exponent: 0, format: "DecimalSI", cached: "0" };
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(.*)$/.exec(str);
  if (!m) return null;
  const [, sign = "", intPart = "", fracPart, suffix = ""] = m;
  const positive = sign !== "-";
  let num = intPart.replace(/^0+/, "");
  if (num === "") num = "0";
  const denom = fracPart ?? "";

  let base: 10 | 2;
  let exp: number;
  let format: QuantityFormat;
  if (suffix in DEC_SUFFIX) {
    base = 10;
    exp = DEC_SUFFIX[suffix] ?? 0;
    format = "DecimalSI";
  } else if (suffix in BIN_SUFFIX) {
    base = 2;
    exp = BIN_SUFFIX[suffix] ?? 0;
    format = "BinarySI";
  } else if (/^[eE][+-]?\d+$/.test(suffix)) {
    base = 10;
    exp = Number(suffix.slice(1));
    format = "DecimalExponent";
  } else return null;

  const digits = BigInt(num + denom);
  let mantissa: bigint;
  let exponent: number;
  if (base === 10) {
    mantissa = digits;
    exponent = exp - denom.length;
  } else {
    mantissa = digits * (1n << BigInt(exp));
    exponent = -denom.length;
  }
  if (!positive) mantissa = -mantissa;

  // Go keeps the input text when the fast int64 path sees it is already canonical.
  const shifted = num + denom;
  let cached: string | undefined;
  if (base === 10) {
    const precision = 18 - (num.length + denom.length);
    const scale = exp - denom.length;
    if (precision >= 0 && scale >= -9 && scale % 3 === 0 && !shifted.endsWith("000") && shifted[0] !== "0") cached = str;
  } else if (denom.length === 0) {
    const precision = 15 - num.length - Math.trunc((exp * 3) / 10) - 1;
    if (precision >= 0 && abs(mantissa) <= MAX_INT64 && exp % 10 === 0 && (digits & 7n) !== 0n) cached = str;
  }

  // Round non-zero values up (away from zero) to nano precision.
  if (exponent < -9 && mantissa !== 0n) {
    const div = pow10(-9 - exponent);
    const q = abs(mantissa) / div;
    const r = abs(mantissa) % div;
    mantissa = (r === 0n ? q : q + 1n) * (mantissa < 0n ? -1n : 1n);
    exponent = -9;
    cached = undefined;
  }
  if (format === "BinarySI") {
    if (cmpAbs(mantissa, exponent, MAX_INT64, 0) > 0) {
      mantissa = mantissa < 0n ? -MAX_INT64 : MAX_INT64;
      exponent = 0;
      cached = undefined;
    }
    if (mantissa !== 0n && cmpAbs(mantissa, exponent, 1n, 0) < 0) format = "DecimalSI";
  }
  return { mantissa, exponent, format, ...(cached !== undefined ? { cached } : {}) };
}

function align(a: bigint, ae: number, b: bigint, be: number): [bigint, bigint, number] {
  if (ae === be) return [a, b, ae];
  if (ae > be) return [a * pow10(ae - be), b, be];
  return [a, b * pow10(be - ae), ae];
}

function cmpAbs(a: bigint, ae: number, b: bigint, be: number): number {
  const [x, y] = align(abs(a), ae, abs(b), be);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `q.Cmp(y)`: -1, 0 or 1. */
export function compareQuantity(q: Quantity, y: Quantity): number {
  const [x, z] = align(q.mantissa, q.exponent, y.mantissa, y.exponent);
  return x < z ? -1 : x > z ? 1 : 0;
}

/** `q.Add(y)` on a copy; a zero `q` takes `y`'s format, as in Go. */
export function addQuantity(q: Quantity, y: Quantity): Quantity {
  const [x, z, e] = align(q.mantissa, q.exponent, y.mantissa, y.exponent);
  return { mantissa: x + z, exponent: e, format: q.mantissa === 0n ? y.format : q.format };
}

/** `q.ScaledValue(scale)`: the value in units of 10^scale, rounded away from zero. */
export function scaledValue(q: Quantity, scale: number): bigint {
  const e = q.exponent - scale;
  if (e >= 0) return q.mantissa * pow10(e);
  const div = pow10(-e);
  const quo = q.mantissa / div;
  return q.mantissa % div === 0n ? quo : quo + (q.mantissa < 0n ? -1n : 1n);
}

/** `q.Value()`. */
export const quantityValue = (q: Quantity): bigint => scaledValue(q, 0);
/** `q.MilliValue()`. */
export const quantityMilliValue = (q: Quantity): bigint => scaledValue(q, -3);

function removeFactors(value: bigint, factor: bigint): [bigint, number] {
  let times = 0;
  let v = abs(value);
  while (v >= factor && v % factor === 0n) {
    v /= factor;
    times++;
  }
  return [value < 0n ? -v : v, times];
}

/** `q.String()`: the canonical form (`1500m`, `1536Mi`, `1k`), or the parsed text when it was canonical. */
export function formatQuantity(q: Quantity | null | undefined): string {
  if (!q) return "0";
  if (q.cached !== undefined) return q.cached;
  if (q.mantissa === 0n) return "0";
  let format: QuantityFormat = q.format;
  if (format === "BinarySI") {
    if (cmpAbs(q.mantissa, q.exponent, 1024n, 0) < 0) format = "DecimalSI";
    else if (q.exponent < 0 && q.mantissa % pow10(-q.exponent) !== 0n) format = "DecimalSI";
  } else if (format !== "DecimalSI" && format !== "DecimalExponent") format = "DecimalExponent";

  if (format === "BinarySI") {
    const [amount, times] = removeFactors(scaledValue(q, 0), 1024n);
    return `${amount}${BIN_BY_EXP.get(times * 10) ?? ""}`;
  }
  let [amount, times] = removeFactors(q.mantissa, 10n);
  let exponent = q.exponent + times;
  while (((exponent % 3) + 3) % 3 !== 0) {
    amount *= 10n;
    exponent--;
  }
  if (format === "DecimalSI") return `${amount}${DEC_BY_EXP.get(exponent) ?? ""}`;
  return exponent === 0 ? `${amount}` : `${amount}e${exponent}`;
}

/** Parses then formats: how kubectl prints a quantity it read from JSON. Malformed text prints `0`. */
export function canonicalQuantity(input: unknown): string {
  return formatQuantity(parseQuantity(input));
}
