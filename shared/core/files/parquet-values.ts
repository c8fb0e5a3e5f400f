import type { FileMetaData, SchemaElement, SchemaTree } from "hyparquet";

/**
 * Parquet values as the transform gets them, exactly: hyparquet turns DECIMAL into a JavaScript
 * number (digits past 2^53 lost), so files are read with the annotation dropped and each decimal
 * leaf's unscaled value (INT32, INT64 or two's-complement bytes) becomes decimal text ("12.50"),
 * which the row normalizer takes for decimal columns.
 */

export type ValueConverter = (value: unknown) => unknown;

/** The metadata to read with: decimal annotations dropped, so values arrive unscaled. */
export function withUnscaledDecimals(metadata: FileMetaData): FileMetaData {
  return {
    ...metadata,
    schema: metadata.schema.map((el) => {
      if (!isDecimal(el)) return el;
      const { converted_type: _c, logical_type: _l, ...rest } = el;
      return rest;
    }),
  };
}

/** A converter per top-level column holding a decimal somewhere; columns without one are left as read. */
export function decimalConverters(root: SchemaTree): Map<string, ValueConverter> {
  const out = new Map<string, ValueConverter>();
  for (const child of root.children) {
    const c = converterOf(child);
    if (c) out.set(child.element.name, c);
  }
  return out;
}

function converterOf(node: SchemaTree): ValueConverter | undefined {
  const el = node.element;
  if (node.children.length === 0) {
    if (!isDecimal(el)) return undefined;
    const scale = el.scale ?? (el.logical_type as { scale?: number } | undefined)?.scale ?? 0;
    const one = (v: unknown) => decimalText(unscaled(v), scale);
    // A repeated leaf is the two-level list encoding of older writers: an array of values.
    return el.repetition_type === "REPEATED"
      ? (v) => (Array.isArray(v) ? v.map(one) : one(v))
      : nullSafe(one);
  }
  if (isList(el)) {
    const element = listElement(node);
    const c = element && converterOf(element);
    return c ? nullSafe((v) => (v as unknown[]).map(c)) : undefined;
  }
  if (el.converted_type === "MAP" || el.logical_type?.type === "MAP") return undefined;
  const fields = new Map<string, ValueConverter>();
  for (const child of node.children) {
    const c = converterOf(child);
    if (c) fields.set(child.element.name, c);
  }
  if (fields.size === 0) return undefined;
  return nullSafe((v) => {
    const o = { ...(v as Record<string, unknown>) };
    for (const [k, c] of fields) o[k] = c(o[k]);
    return o;
  });
}

function nullSafe(f: ValueConverter): ValueConverter {
  return (v) => (v === null || v === undefined ? v : f(v));
}

export function isDecimal(el: SchemaElement): boolean {
  return el.converted_type === "DECIMAL" || el.logical_type?.type === "DECIMAL";
}

export function isList(el: SchemaElement): boolean {
  return el.converted_type === "LIST" || el.logical_type?.type === "LIST";
}

/** The element of a LIST group: `list/element` (three levels) or the repeated child itself. */
export function listElement(node: SchemaTree): SchemaTree | undefined {
  const repeated = node.children[0];
  if (!repeated) return undefined;
  return repeated.children.length === 1 && repeated.element.name !== "array"
    ? repeated.children[0]
    : repeated;
}

function unscaled(v: unknown): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return BigInt(v);
  if (v instanceof Uint8Array) {
    let n = 0n;
    for (const b of v) n = (n << 8n) | BigInt(b);
    const bits = BigInt(v.length * 8);
    return v.length > 0 && (v[0]! & 0x80) !== 0 ? n - (1n << bits) : n;
  }
  throw new TypeError(`a decimal value must be an integer or bytes, got ${typeof v}`);
}

/** Unscaled value and scale as decimal text: 1250n, 2 → "12.50". */
export function decimalText(n: bigint, scale: number): string {
  if (scale === 0) return n.toString();
  const negative = n < 0n;
  const digits = (negative ? -n : n).toString().padStart(scale + 1, "0");
  return `${negative ? "-" : ""}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** A Parquet row as JSON text, the bytes quarantine keeps for it (Parquet has no per-row bytes). */
export function rowJson(row: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(row, (_k, v: unknown) =>
    typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString("base64") : v,
  );
}
