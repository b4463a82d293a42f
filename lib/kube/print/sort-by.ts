/**
 * `kubectl get --sort-by=JSONPATH` (kubectl v1.32's sorter.go), evaluated by
 * Kubently on objects whose Secret values are already masked.
 *
 * Guarantees, as kubectl sorts:
 * - the path is relaxed like a custom column's (`.a.b`, `{.a.b}`...) and
 *   evaluated with missing keys allowed; only its first value counts;
 * - values compare as kubectl's `isLess` compares decoded JSON: integers
 *   with integers, floats with floats, strings as Kubernetes quantities when
 *   both parse as one (`500Mi` < `1Gi`, `9` < `10`), else in byte order; a
 *   missing value sorts first; JSON null before anything else; any other
 *   pair (a map, a boolean, an integer against a string) is kubectl's fatal
 *   "unsortable type" error;
 * - the order is Go's `sort.Sort` (not stable) with that less, so ties land
 *   where kubectl puts them;
 * - a field found in none of the objects is kubectl's error `couldn't find
 *   any field with path "{.x}" in the list of objects`.
 */
import { goSort, compareCodePoints } from "../_gosort.ts";
import { goKind, goNumber, goTypeName } from "./_go-values.ts";
import { relaxedJsonPath } from "./custom-columns.ts";
import { JsonPath, JsonPathError } from "./jsonpath.ts";
import { goQuote } from "./_go-values.ts";

export { relaxedJsonPath };

/** A sort kubectl refuses: `message` is kubectl's error text (without `error: `). */
export class SortError extends Error {
  override name = "SortError";
  /**
   * kubectl ends with klog's fatal exit (`Exitf`) rather than an error: a value
   * it cannot order. Kubently answers it as a failed command all the same.
   */
  constructor(message: string, readonly fatal = false) {
    super(message);
  }
}

// ---------------------------------------------------------------------------
// resource.ParseQuantity, reduced to what ordering needs: the exact value,
// rounded up to nano units as Go rounds it, binary quantities capped at 2^63-1.
// ---------------------------------------------------------------------------

interface Decimal {
  /** sign × digits × 10^exp */
  negative: boolean;
  digits: bigint;
  exp: number;
}

/** Longer numbers are compared as text: Go would read them exactly, but BigInt work on megabytes of digits is quadratic. */
const MAX_QUANTITY_DIGITS = 1000;

const DEC_SUFFIX: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BIN_SUFFIX: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const MAX_INT64 = (1n << 63n) - 1n;

/** apimachinery's parseQuantityString: sign, digits, fraction, suffix; null for ErrFormatWrong. */
function splitQuantity(str: string): { negative: boolean; num: string; denom: string; suffix: string } | null {
  const m = /^([+-]?)(0*)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*)([+-]?[0-9]*)$/.exec(str);
  if (!m) return null;
  const [, sign = "", , num = "", denom = "", letters = "", tail = ""] = m;
  // Go reads the exponent's sign and digits only after suffix letters; a bare sign or digits there without letters is malformed.
  if (tail !== "" && letters === "") return null;
  return { negative: sign === "-", num: num === "" ? "0" : num, denom, suffix: letters + tail };
}

/** The quantity's value as Go's ParseQuantity keeps it; null when `str` is not a quantity. */
export function quantityValue(str: string): Decimal | null {
  if (str.length === 0) return null;
  if (str === "0") return { negative: false, digits: 0n, exp: 0 };
  const parts = splitQuantity(str);
  if (!parts) return null;
  const { negative, num, denom, suffix } = parts;
  if (num.length + denom.length > MAX_QUANTITY_DIGITS) return null;
  let base: 10 | 2;
  let exponent: number;
  if (suffix in DEC_SUFFIX) {
    base = 10;
    exponent = DEC_SUFFIX[suffix]!;
  } else if (suffix in BIN_SUFFIX) {
    base = 2;
    exponent = BIN_SUFFIX[suffix]!;
  } else if (/^[eE][+-]?[0-9]+$/.test(suffix)) {
    const parsed = BigInt(suffix.slice(1));
    if (parsed < -(1n << 63n) || parsed > MAX_INT64) return null;
    base = 10;
    exponent = Number(BigInt.asIntN(32, parsed)); // Go keeps int32(parsed)
  } else return null;

  let digits = BigInt(num + denom);
  let exp = -denom.length;
  if (base === 10) exp += exponent;
  else digits <<= BigInt(exponent);
  // Round non-zero magnitudes up to nano precision (inf.RoundUp).
  if (digits !== 0n && exp < -9) {
    const drop = -9 - exp;
    const len = digitCount(digits);
    if (drop >= len) digits = 1n;
    else {
      const div = 10n ** BigInt(drop);
      digits = digits % div === 0n ? digits / div : digits / div + 1n;
    }
    exp = -9;
  }
  if (base === 2 && compareMagnitude({ negative: false, digits, exp }, { negative: false, digits: MAX_INT64, exp: 0 }) > 0) {
    digits = MAX_INT64;
    exp = 0;
  }
  return { negative: negative && digits !== 0n, digits, exp };
}

const digitCount = (d: bigint): number => d.toString().length;

/** Compares |a| and |b| without building powers of ten larger than the inputs. */
function compareMagnitude(a: Decimal, b: Decimal): number {
  if (a.digits === 0n || b.digits === 0n) return a.digits === b.digits ? 0 : a.digits === 0n ? -1 : 1;
  const la = digitCount(a.digits) + a.exp;
  const lb = digitCount(b.digits) + b.exp;
  if (la !== lb) return la < lb ? -1 : 1;
  // Same order of magnitude: the exponents differ by less than the digit counts.
  const e = Math.min(a.exp, b.exp);
  const x = a.digits * 10n ** BigInt(a.exp - e);
  const y = b.digits * 10n ** BigInt(b.exp - e);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `Quantity.Cmp`. */
function compareDecimal(a: Decimal, b: Decimal): number {
  const sa = a.digits === 0n ? 0 : a.negative ? -1 : 1;
  const sb = b.digits === 0n ? 0 : b.negative ? -1 : 1;
  if (sa !== sb) return sa < sb ? -1 : 1;
  const m = compareMagnitude(a, b);
  return sa < 0 ? -m : m;
}

// ---------------------------------------------------------------------------
// isLess
// ---------------------------------------------------------------------------

/** kubectl's `isLess` on two values found in unstructured objects (each an `interface{}`). */
export function isLess(i: unknown, j: unknown): boolean {
  const ki = goKind(i);
  const kj = goKind(j);
  if (ki === "nil" && kj === "nil") return false;
  if (ki === "nil") return true;
  if (kj === "nil") return false;
  switch (ki) {
    case "int":
      if (kj === "int") return typeof i === "bigint" || typeof j === "bigint" ? BigInt(i as number) < BigInt(j as number) : (i as number) < (j as number);
      break;
    case "uint":
    case "float":
      if (kj === ki) return goNumber(i) < goNumber(j);
      break;
    case "string":
      if (kj === "string") {
        const qi = quantityValue(i as string);
        const qj = qi && quantityValue(j as string);
        if (!qi || !qj) return compareCodePoints(i as string, j as string) < 0;
        return compareDecimal(qi, qj) < 0;
      }
      break;
    default:
      throw new SortError(`unsortable type: ${goTypeName(i)}`, true);
  }
  throw new SortError("unsortable interface: interface", true);
}

// ---------------------------------------------------------------------------
// Sorting objects and table rows
// ---------------------------------------------------------------------------

function parser(field: string): JsonPath {
  return new JsonPath(field, { allowMissingKeys: true });
}

/** The first value the path finds, `missing` when none. */
const MISSING: unique symbol = Symbol("missing");
function firstValue(path: JsonPath, obj: unknown): unknown {
  const values = path.findResults(obj);
  return values.length === 0 || values[0]!.length === 0 ? MISSING : values[0]![0];
}

function sortByKeys<T>(items: T[], keys: unknown[], field: string, what: string): T[] {
  const pairs = items.map((item, i) => ({ item, key: keys[i] }));
  const less = (a: { key: unknown }, b: { key: unknown }): boolean => {
    if (a.key === MISSING) return true;
    if (b.key === MISSING) return false;
    try {
      return isLess(a.key, b.key);
    } catch (e) {
      if (e instanceof SortError) throw new SortError(`Field ${field} in ${what} is an unsortable type: interface, err: ${e.message}`, true);
      throw e;
    }
  };
  goSort(pairs, less);
  return pairs.map((p) => p.item);
}

/**
 * kubectl's `SortObjects`: the objects ordered by `sortBy` (a raw
 * `--sort-by` value), each read through `objectOf` (for items that carry an
 * object). Throws {@link SortError} with kubectl's message.
 */
export function sortObjects<T>(objects: readonly T[], sortBy: string, objectOf: (item: T) => unknown = (item) => item): T[] {
  if (objects.length === 0) return [];
  let path: JsonPath;
  let field: string;
  try {
    field = relaxedJsonPath(sortBy);
    path = parser(field);
  } catch (e) {
    if (e instanceof JsonPathError) throw new SortError(e.message);
    throw e;
  }
  const keys: unknown[] = [];
  try {
    for (const o of objects) keys.push(firstValue(path, objectOf(o)));
  } catch (e) {
    if (e instanceof JsonPathError) throw new SortError(e.message);
    throw e;
  }
  if (!keys.some((k) => k !== MISSING)) throw new SortError(`couldn't find any field with path ${goQuote(field)} in the list of objects`);
  return sortByKeys([...objects], keys, field, "*unstructured.Unstructured");
}

/**
 * kubectl's `TableSorter` for one server-side Table's rows, keyed by each
 * row's full object (the Table must be fetched with `includeObject=Object`).
 * `sortBy` is the raw `--sort-by` value. Tables of one row or none are left
 * as they are. Throws {@link SortError}; kubectl then prints nothing for
 * this table (and reports nothing).
 */
export function sortTableRows<R extends { object?: unknown }>(rows: readonly R[], sortBy: string): R[] {
  if (rows.length <= 1) return [...rows];
  let field: string;
  try {
    field = relaxedJsonPath(sortBy);
  } catch {
    field = sortBy;
  }
  let path: JsonPath;
  try {
    path = parser(field);
  } catch (e) {
    if (e instanceof JsonPathError) throw new SortError(`sorting error: ${e.message}`);
    throw e;
  }
  const keys: unknown[] = [];
  try {
    for (const r of rows) keys.push(firstValue(path, r.object));
  } catch (e) {
    if (e instanceof JsonPathError) throw new SortError(`Failed to get values using ${field} (${e.message})`);
    throw e;
  }
  if (!keys.some((k) => k !== MISSING)) throw new SortError(`couldn't find any field with path ${goQuote(field)} in the list of objects`);
  return sortByKeys([...rows], keys, field, "[][][]reflect.Value");
}

/**
 * kubectl's `SortingPrinter` on a value about to be printed by a
 * non-table printer: a list's items are sorted (kubectl sorts nothing else).
 * Returns the same value when nothing is sorted.
 */
export function sortListItems<V>(value: V, sortBy: string): V {
  if (!value || typeof value !== "object" || !Array.isArray((value as { items?: unknown }).items)) return value;
  const items = (value as unknown as { items: unknown[] }).items;
  if (items.length === 0) return value;
  return { ...value, items: sortObjects(items, sortBy) };
}
