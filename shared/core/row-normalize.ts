import type { Column, TableSchema } from "./schema.ts";

/** Thrown by a column normalizer; `field` is the dotted path of the offending value. */
export class ValueError extends Error {
  override readonly name = "ValueError";
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/** Turns one user value into its storage form, or throws `ValueError`. */
export type Normalizer = (value: unknown, field: string) => unknown;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const DAY_MS = 86_400_000;
// A zone designator is required: a bare local time would depend on the machine's time zone.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DECIMAL_TEXT = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/**
 * Builds, once per schema, the functions that check a row and convert it to storage form:
 * int64 → bigint, timestamp → epoch millis, date → days since epoch, decimal → unscaled bigint.
 * Compiled once so the per-record cost is a few closure calls, not a schema walk.
 */
export function compileNormalizer(column: Column): Normalizer {
  const base = compileBase(column);
  if (column.nullable) return (v, f) => (v === null || v === undefined ? null : base(v, f));
  return (v, f) => {
    if (v === null || v === undefined) throw new ValueError(f, "is required but missing");
    return base(v, f);
  };
}

function compileBase(column: Column): Normalizer {
  switch (column.type) {
    case "string":
      return (v, f) => (typeof v === "string" ? v : fail(f, "must be a string", v));
    case "boolean":
      return (v, f) => (typeof v === "boolean" ? v : fail(f, "must be a boolean", v));
    case "double":
      return (v, f) => (typeof v === "number" ? v : fail(f, "must be a number", v));
    case "int32":
      return (v, f) =>
        Number.isInteger(v) && (v as number) >= INT32_MIN && (v as number) <= INT32_MAX
          ? v
          : fail(f, "must be a 32-bit integer", v);
    case "int64":
      return toInt64;
    case "timestamp":
      return toEpochMillis;
    case "date":
      return toEpochDays;
    case "decimal":
      return decimalNormalizer(column.precision, column.scale);
    case "list": {
      const item = compileNormalizer(column.items);
      return (v, f) =>
        Array.isArray(v) ? v.map((x, i) => item(x, `${f}[${i}]`)) : fail(f, "must be an array", v);
    }
    case "struct":
      return structNormalizer(column.fields);
  }
}

/** A normalizer for a record of columns that rejects unknown fields, used for rows and structs. */
export function structNormalizer(fields: TableSchema): Normalizer {
  const entries = Object.entries(fields).map(([name, col]) => [name, compileNormalizer(col)] as const);
  const known = new Set(Object.keys(fields));
  return (v, f) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return fail(f, "must be an object", v);
    const obj = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [name, normalize] of entries) out[name] = normalize(obj[name], f ? `${f}.${name}` : name);
    for (const k in obj)
      if (!known.has(k)) throw new ValueError(f ? `${f}.${k}` : k, "is not a column of the schema");
    return out;
  };
}

function toInt64(v: unknown, f: string): bigint {
  const n = typeof v === "bigint" ? v : Number.isSafeInteger(v) ? BigInt(v as number) : undefined;
  if (n === undefined || n < INT64_MIN || n > INT64_MAX)
    return fail(f, "must be a 64-bit integer (bigint or safe integer)", v);
  return n;
}

function toEpochMillis(v: unknown, f: string): number {
  let ms: number;
  if (v instanceof Date) ms = v.getTime();
  else if (typeof v === "number") ms = v;
  else if (typeof v === "string" && ISO_INSTANT.test(v)) ms = Date.parse(v);
  else return fail(f, "must be a Date, epoch milliseconds or an ISO-8601 instant with a zone", v);
  if (!Number.isInteger(ms)) return fail(f, "is not a valid instant", v);
  return ms;
}

function toEpochDays(v: unknown, f: string): number {
  if (v instanceof Date && Number.isFinite(v.getTime())) return Math.floor(v.getTime() / DAY_MS);
  const m = typeof v === "string" ? ISO_DATE.exec(v) : null;
  if (m) {
    const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    if (new Date(ms).toISOString().startsWith(v as string)) return ms / DAY_MS;
  }
  return fail(f, 'must be a "YYYY-MM-DD" date or a Date', v);
}

function decimalNormalizer(precision: number, scale: number): Normalizer {
  const limit = 10n ** BigInt(precision);
  return (v, f) => {
    const text = typeof v === "number" && Number.isFinite(v) ? String(v) : v;
    const m = typeof text === "string" ? DECIMAL_TEXT.exec(text) : null;
    if (!m) return fail(f, `must be a decimal number or text like "12.50"`, v);
    const fraction = m[3] ?? "";
    // Rounding would change money silently, so extra fractional digits are an error.
    if (fraction.replace(/0+$/, "").length > scale)
      return fail(f, `has more than ${scale} decimal places`, v);
    const unscaled = BigInt(`${m[1]}${m[2]}${fraction.padEnd(scale, "0").slice(0, scale)}`);
    if (unscaled >= limit || -unscaled >= limit)
      return fail(f, `does not fit decimal(${precision},${scale})`, v);
    return unscaled;
  };
}

function fail(field: string, message: string, value: unknown): never {
  const shown =
    typeof value === "string"
      ? "text"
      : value === null
        ? "null"
        : Array.isArray(value)
          ? "array"
          : typeof value;
  throw new ValueError(field, `${message} (got ${shown})`);
}
