/**
 * JSON that keeps 64-bit integers exact. Iceberg snapshot ids that Java engines write exceed
 * 2^53, and plain `JSON.parse` silently rounds them (4691313626155280261 → 4691313626155280000),
 * which would make a commit's `assert-ref-snapshot-id` fail or, worse, point at no snapshot.
 * Node 24's JSON.parse hands the reviver each number's source text, and `JSON.rawJSON` writes
 * a bigint back digit for digit: no library, no hand-written parser.
 */

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

const INTEGER = /^-?\d+$/;

/** Parses JSON, turning integers that a double cannot hold exactly into bigint. */
export function parseJsonExact(text: string): unknown {
  const reviver: Reviver = (_key, value, context) =>
    typeof value === "number" &&
    !Number.isSafeInteger(value) &&
    context?.source !== undefined &&
    INTEGER.test(context.source)
      ? BigInt(context.source)
      : value;
  return JSON.parse(text, reviver as Parameters<typeof JSON.parse>[1]);
}

declare global {
  interface JSON {
    rawJSON(text: string): unknown;
  }
}

/** Serializes JSON with bigint written as a plain JSON number, digit for digit. */
export function stringifyJsonExact(value: unknown, indent?: number): string {
  return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? JSON.rawJSON(v.toString()) : v), indent);
}

/** A 64-bit id as bigint, whether it came as a safe number or an exact bigint. */
export function toLong(value: unknown): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  throw new TypeError(`not a 64-bit integer: ${String(value)}`);
}
