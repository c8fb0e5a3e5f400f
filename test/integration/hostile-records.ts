import fc from "fast-check";
import type { RawRecord } from "../../shared/core/kafka-decode.ts";

/**
 * fast-check arbitraries for Kafka records built to break a pipeline: every field of the value
 * mixes plausible values with the ones that broke lakestream before (issue 11).
 */

const encoder = new TextEncoder();

/** Mostly a value the schema takes, sometimes one it must refuse. */
function mostly<T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>): fc.Arbitrary<T | U> {
  return fc.oneof({ weight: 12, arbitrary: good }, { weight: 1, arbitrary: bad });
}

/** Strings that try to leave a path, hide or escape: all legal partition values once escaped. */
const pathy = fc.oneof(
  fc.constantFrom(
    "../x",
    "..",
    ".",
    "/abs",
    "a/../../b",
    "%2e%2e",
    "a\u0000b",
    "__HIVE_DEFAULT_PARTITION__",
    "",
    " ",
  ),
  fc.constantFrom("EU", "US", "Zürich", "東京", "a=b", "x:y", "#%'\"*?[]^{}\\"),
  fc.string({ unit: "binary", maxLength: 40 }),
);

/** Instants a timestamp column takes: epoch millis of this decade, ISO text with a zone. */
const goodInstant = fc.oneof(
  fc.integer({ min: 1_700_000_000_000, max: 1_800_000_000_000 }),
  fc
    .date({ min: new Date("1970-01-01"), max: new Date("9999-12-31"), noInvalidDate: true })
    .map((d) => d.toISOString()),
);

/** Impossible days, no zone, epoch seconds, out-of-range and fractional numbers. */
const badInstant = fc.oneof(
  fc.constantFrom(
    "2026-02-30T10:00:00Z",
    "2026-11-23T24:00:00Z",
    "2026-11-23T07:00:00",
    "2026-13-01T00:00:00Z",
    "+275760-09-13T00:00:00Z",
    "not a date",
  ),
  fc.integer({ min: 1_000_000_000, max: 2_000_000_000 }),
  fc.constantFrom(1e300, -1e300, 2 ** 63, 1.5, -1, 8.64e15 + 1),
);

const day = mostly(
  fc.oneof(
    fc.constant(null),
    fc
      .date({ min: new Date("1970-01-01"), max: new Date("2100-01-01"), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10)),
  ),
  fc.constantFrom("2026-02-30", "2026-00-10", "26-01-01", "../2026-01-01", 20260101),
);

const row = fc.record(
  {
    id: mostly(fc.oneof(fc.string(), pathy), fc.oneof(fc.constant(null), fc.integer())),
    at: mostly(goodInstant, badInstant),
    region: mostly(
      pathy,
      fc.oneof(fc.string({ minLength: 201, maxLength: 260 }), fc.constant(null), fc.integer()),
    ),
    day,
    n: mostly(
      fc.oneof(fc.constant(null), fc.integer(), fc.constant(2 ** 52)),
      fc.constantFrom(2 ** 53, 0.1, "12", true),
    ),
    ratio: mostly(
      fc.oneof(fc.constant(null), fc.double({ noNaN: true, noDefaultInfinity: true })),
      fc.constantFrom("1.5", true),
    ),
    amount: mostly(
      fc.oneof(fc.constant(null), fc.constantFrom("12.50", "99999999.99", "-0.01", 12.5, 0)),
      fc.constantFrom("12.345", "100000000.00", "1e3", "NaN", 1e21),
    ),
    tags: mostly(
      fc.oneof(fc.constant(null), fc.array(fc.oneof(fc.string(), fc.constant(null)), { maxLength: 4 })),
      fc.constant([1, 2]),
    ),
    geo: mostly(
      fc.oneof(
        fc.constant(null),
        fc.record({ country: pathy, seen: fc.oneof(fc.constant(null), goodInstant) }),
      ),
      fc.oneof(
        fc.record({ country: fc.string(), extra: fc.string() }),
        fc.record({ country: fc.string(), seen: badInstant }),
      ),
    ),
  },
  { requiredKeys: ["id", "at", "region"] },
);

/** The value bytes: rows, flatMap arrays, filters, transform errors, other JSON, and bytes that are no JSON. */
const value: fc.Arbitrary<Uint8Array | null> = fc.oneof(
  { weight: 8, arbitrary: row.map((r) => encoder.encode(JSON.stringify(r))) },
  { weight: 2, arbitrary: fc.array(row, { maxLength: 3 }).map((rs) => encoder.encode(JSON.stringify(rs))) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom("null", "[]", '{"explode":1}', '{"__proto__":{"id":"x"}}')
      .map((t) => encoder.encode(t)),
  },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => encoder.encode(JSON.stringify(v))) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  { weight: 1, arbitrary: fc.constant(null) },
);

const key = fc.oneof(
  fc.constant(null),
  fc.string().map((s) => encoder.encode(s)),
  fc.uint8Array({ maxLength: 16 }),
);

/** Kafka timestamps: ordinary, and the ones no Parquet timestamp holds. */
const timestamp = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1_700_000_000_000, max: 1_800_000_000_000 }) },
  { weight: 1, arbitrary: fc.constantFrom(2 ** 63, 1.5, 1e300, -1e300, -1, 0, 8.64e15 + 1) },
);

/** One hostile record, without its coordinates (the test gives those). */
export const hostileRecord: fc.Arbitrary<Omit<RawRecord, "topic" | "partition" | "offset">> = fc.record({
  timestamp,
  timestampType: fc.constantFrom("CREATE_TIME", "LOG_APPEND_TIME", "NO_TIMESTAMP_TYPE" as const),
  key,
  value,
  headers: fc.array(
    fc.record({
      key: fc.oneof(fc.string(), fc.constant("__proto__")),
      value: fc.uint8Array({ maxLength: 8 }),
    }),
    { maxLength: 2 },
  ),
});
