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
      return timestampNormalizer(column.unit);
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

/** Largest epoch millisecond count a Date holds; its microseconds still fit Parquet's int64. */
const MAX_MILLIS = 8.64e15;

function timestampNormalizer(unit: "ms" | "s" | undefined): Normalizer {
  return (v, f) => {
    let ms: number;
    if (v instanceof Date) ms = v.getTime();
    else if (typeof v === "number") ms = numberToMillis(v, unit, f);
    else if (typeof v === "string" && ISO_INSTANT.test(v)) {
      // Date.parse rolls an impossible day over into the next month: 2026-02-30 → March 2.
      if (!isCalendarDay(v)) return fail(f, "has no such day (or hour) in the calendar", v);
      ms = Date.parse(v);
    } else return fail(f, "must be a Date, epoch milliseconds or an ISO-8601 instant with a zone", v);
    if (!Number.isInteger(ms)) return fail(f, "is not a valid instant", v);
    if (Math.abs(ms) > MAX_MILLIS) return fail(f, "is outside the range of a timestamp", v);
    return ms;
  };
}

function numberToMillis(v: number, unit: "ms" | "s" | undefined, f: string): number {
  if (unit === "s") {
    const ms = Math.round(v * 1000);
    // A float times 1000 is off by far less than this; a finer fraction would be dropped silently.
    if (!(Math.abs(v * 1000 - ms) < 0.01)) return fail(f, "has a fraction finer than a millisecond", v);
    return ms;
  }
  const size = Math.abs(v);
  if (unit === undefined && size >= 1e8 && size < 1e11) {
    return fail(
      f,
      `is ${v}, which reads as ${new Date(v).toISOString()} in epoch milliseconds: epoch seconds? ` +
        'Give milliseconds, a Date or ISO text, or set unit: "s" (or "ms") on the column',
      v,
    );
  }
  return v;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The text's year-month-day is a real day and its hour is 00-23. */
function isCalendarDay(text: string): boolean {
  const year = Number(text.slice(0, 4));
  const month = Number(text.slice(5, 7));
  const day = Number(text.slice(8, 10));
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  return (
    days !== undefined && day >= 1 && day <= days && !(text.length > 10 && Number(text.slice(11, 13)) > 23)
  );
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
