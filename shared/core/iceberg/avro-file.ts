import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import avro from "avsc";

/**
 * Avro object container files in memory, through avsc (the maintained Avro library; the
 * container format is never written by hand here). Iceberg manifests and manifest lists are
 * such files. Two things avsc does not do by default, done here:
 * - `long` values are bigint when they exceed 2^53 (snapshot ids Java engines write), so no
 *   id is rounded on a read-modify-write;
 * - the sync marker derives from the content, so the same records give the same bytes on a
 *   replay (a random marker would make every retry a different file).
 */

/** A long that stays a number when safe and becomes bigint beyond 2^53, in both directions. */
const exactLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => {
    const n = buf.readBigInt64LE(0);
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  },
  toBuffer: (n: number | bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: (v: number | bigint) => v,
  toJSON: (v: number | bigint) => (typeof v === "bigint" ? Number(v) : v),
  isValid: (v: unknown) =>
    (typeof v === "number" && Number.isSafeInteger(v)) ||
    (typeof v === "bigint" && v >= -(2n ** 63n) && v < 2n ** 63n),
  compare: (a: number | bigint, b: number | bigint) =>
    BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0,
});

/** Builds an avsc type from a raw schema object, keeping Iceberg's `field-id` attributes. */
export function avroType(schema: object): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema, { registry: { long: exactLong } });
}

const codecs = {
  deflate: (buf: Buffer, cb: (err: Error | null, out?: Buffer) => void) => {
    try {
      cb(null, deflateRawSync(buf));
    } catch (e) {
      cb(e as Error);
    }
  },
};
const decodeCodecs = {
  deflate: (buf: Buffer, cb: (err: Error | null, out?: Buffer) => void) => {
    try {
      cb(null, inflateRawSync(buf));
    } catch (e) {
      cb(e as Error);
    }
  },
};

/** Encodes records as an Avro container file (deflate) with string metadata in its header. */
export async function encodeAvroFile(
  schema: object,
  records: readonly unknown[],
  metadata: Readonly<Record<string, string>>,
): Promise<Uint8Array> {
  const type = avroType(schema);
  const meta = Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v, "utf8")]));
  const digest = createHash("sha256").update(JSON.stringify(metadata));
  for (const r of records) digest.update(type.toBuffer(r));
  const encoder = new avro.streams.BlockEncoder(type, {
    codec: "deflate",
    codecs,
    syncMarker: digest.digest().subarray(0, 16),
    metadata: meta,
  } as ConstructorParameters<typeof avro.streams.BlockEncoder>[1]);
  // avsc drops unknown attributes (Iceberg's `field-id`, `element-id`) when it prints a Type's
  // schema, and readers (pyiceberg, Java) need them. Given a raw schema it would keep them but
  // build its own `long` without bigint support, so keep our type and hand the header the raw
  // schema (avsc 5's BlockEncoder writes `_schema` when set; a test pins this).
  (encoder as unknown as { _schema: object })._schema = schema;
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    encoder.on("data", (c: Buffer) => chunks.push(c));
    encoder.on("end", resolve);
    encoder.on("error", reject);
  });
  for (const r of records) encoder.write(r);
  encoder.end();
  await done;
  return new Uint8Array(Buffer.concat(chunks));
}

export interface DecodedAvroFile {
  readonly metadata: Readonly<Record<string, string>>;
  readonly records: Record<string, unknown>[];
}

/** Decodes an Avro container file with the writer's own schema (from its header). */
export async function decodeAvroFile(bytes: Uint8Array): Promise<DecodedAvroFile> {
  const decoder = new avro.streams.BlockDecoder({
    codecs: { ...avro.streams.BlockDecoder.defaultCodecs(), ...decodeCodecs },
    parseHook: (schema) => avroType(schema as object),
  });
  const records: Record<string, unknown>[] = [];
  let metadata: Record<string, string> = {};
  const done = new Promise<void>((resolve, reject) => {
    decoder.on("metadata", (_type: unknown, _codec: unknown, header: { meta: Record<string, Buffer> }) => {
      metadata = Object.fromEntries(Object.entries(header.meta).map(([k, v]) => [k, v.toString("utf8")]));
    });
    decoder.on("data", (r: Record<string, unknown>) => records.push(r));
    decoder.on("end", resolve);
    decoder.on("error", reject);
  });
  decoder.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  await done;
  return { metadata, records };
}
