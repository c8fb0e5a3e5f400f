import avro from "avsc";
import type { Column, TableSchema } from "../schema.ts";
import { decimalBytes } from "./parquet-schema.ts";

/**
 * Avro's `long` as bigint: avsc's default long refuses values past 2^53, and int64 columns
 * (and microsecond timestamps far from today) need all 64 bits. This is avsc's documented way
 * to plug in a long representation; the encoding itself stays avsc's.
 */
const BIGINT_LONG = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(n);
    return buf;
  },
  fromJSON: (json: unknown) => BigInt(json as string),
  toJSON: (n: bigint) => (Number.isSafeInteger(Number(n)) ? Number(n) : String(n)),
  isValid: (n: unknown) => typeof n === "bigint",
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

/** The avsc type of an Avro schema, with every `long` (timestamp-micros included) as bigint. */
export function avroType(schema: Readonly<Record<string, unknown>>): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema, {
    typeHook: (s) =>
      s === "long" ||
      (typeof s === "object" && !Array.isArray(s) && (s as { type?: unknown }).type === "long")
        ? BIGINT_LONG
        : undefined,
  });
}

/**
 * Compiles, once per schema, an encoder of rows in storage form into Avro binary datums (no
 * container header, no framing: what Flink's `AvroDeserializationSchema` and Avro's
 * `GenericDatumReader` read) for the schema `avroSchema` prints for the same columns.
 */
export function compileAvroRowEncoder(
  columns: TableSchema,
  schema: Readonly<Record<string, unknown>>,
): (row: Readonly<Record<string, unknown>>) => Uint8Array {
  const type = avroType(schema);
  const convert = Object.entries(columns).map(([name, col]) => [name, converter(col)] as const);
  return (row) => {
    const value: Record<string, unknown> = {};
    for (const [name, f] of convert) value[name] = f(row[name]);
    return type.toBuffer(value);
  };
}

type Convert = (v: unknown) => unknown;

/** Storage form → the value avsc writes for the column's Avro type (see `avroSchema`). */
function converter(col: Column): Convert {
  const base = baseConverter(col);
  return (v) => (v === null || v === undefined ? null : base(v));
}

function baseConverter(col: Column): Convert {
  switch (col.type) {
    case "int64":
      return (v) => BigInt(v as bigint | number);
    case "timestamp":
      // Storage keeps epoch millis; the schema says timestamp-micros, as the Parquet files do.
      return (v) => BigInt(v as number) * 1000n;
    case "decimal": {
      const size = decimalBytes(col.precision);
      return (v) => twosComplement(v as bigint, size);
    }
    case "list": {
      const item = converter(col.items);
      return (v) => (v as unknown[]).map(item);
    }
    case "struct": {
      const fields = Object.entries(col.fields).map(([name, c]) => [name, converter(c)] as const);
      return (v) => {
        const out: Record<string, unknown> = {};
        for (const [name, f] of fields) out[name] = f((v as Record<string, unknown>)[name]);
        return out;
      };
    }
    default:
      // string, int32, double, boolean as they are; date is already days since the epoch.
      return (v) => v;
  }
}

/** The unscaled value as a big-endian two's complement of `size` bytes (Avro's decimal on fixed). */
function twosComplement(unscaled: bigint, size: number): Buffer {
  const buf = Buffer.alloc(size);
  let n = BigInt.asUintN(size * 8, unscaled);
  for (let i = size - 1; i >= 0; i--) {
    buf[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return buf;
}
