/**
 * Just enough protobuf decoding for the request bodies kubectl sends to the
 * self-review endpoints: client-go's typed clients POST
 * `application/vnd.kubernetes.protobuf` and do not fall back to JSON on 415.
 */

type Field = Buffer | number;

/** Decodes one message into field number -> values (length-delimited fields stay raw). */
export function decodeMessage(buf: Buffer): Map<number, Field[]> {
  const fields = new Map<number, Field[]>();
  let i = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = buf[i++];
      if (b === undefined) throw new Error("truncated varint");
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    let value: Field;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const len = varint();
      value = buf.subarray(i, i + len);
      i += len;
    } else if (wire === 1) {
      value = buf.subarray(i, i + 8);
      i += 8;
    } else if (wire === 5) {
      value = buf.subarray(i, i + 4);
      i += 4;
    } else throw new Error(`unsupported wire type ${wire}`);
    fields.set(field, [...(fields.get(field) ?? []), value]);
  }
  return fields;
}

/** The first value of a length-delimited field, as a nested message or string. */
export function sub(fields: Map<number, Field[]>, n: number): Map<number, Field[]> | null {
  const v = fields.get(n)?.[0];
  return Buffer.isBuffer(v) ? decodeMessage(v) : null;
}

/** The first value of a string field, or undefined. */
export function str(fields: Map<number, Field[]> | null, n: number): string | undefined {
  const v = fields?.get(n)?.[0];
  return Buffer.isBuffer(v) ? v.toString("utf8") : undefined;
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Unwraps the `k8s\0` + runtime.Unknown envelope, returning the object's own message. */
export function decodeKubeEnvelope(buf: Buffer): Map<number, Field[]> {
  if (!buf.subarray(0, 4).equals(MAGIC)) throw new Error("missing k8s protobuf magic");
  const unknown = decodeMessage(buf.subarray(4));
  const raw = unknown.get(2)?.[0];
  if (!Buffer.isBuffer(raw)) throw new Error("missing raw object");
  return decodeMessage(raw);
}

/**
 * The `spec` of a SelfSubjectAccessReview or SelfSubjectRulesReview in its JSON
 * shape, decoded from the protobuf envelope.
 */
export function decodeReviewSpec(buf: Buffer, kind: "access" | "rules"): Record<string, unknown> {
  const spec = sub(decodeKubeEnvelope(buf), 2);
  if (kind === "rules") return { namespace: str(spec, 1) ?? "" };
  const out: Record<string, unknown> = {};
  const ra = spec ? sub(spec, 1) : null;
  if (ra) {
    const names = ["namespace", "verb", "group", "version", "resource", "subresource", "name"];
    out.resourceAttributes = Object.fromEntries(names.map((k, idx) => [k, str(ra, idx + 1)]).filter(([, v]) => v !== undefined));
  }
  const nra = spec ? sub(spec, 2) : null;
  if (nra) out.nonResourceAttributes = { path: str(nra, 1), verb: str(nra, 2) };
  return out;
}
