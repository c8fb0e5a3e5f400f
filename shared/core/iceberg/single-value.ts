import type { IcebergPrimitive } from "./types.ts";

/**
 * Iceberg's binary single-value serialization (spec Appendix D), used for the lower and upper
 * bounds in manifests and the partition summaries of manifest lists. Values come in
 * lakestream's storage form: epoch millis for timestamps (written as microseconds), epoch days
 * for dates, bigint for longs and for decimals' unscaled values.
 */
export function serializeValue(type: IcebergPrimitive | string, value: unknown): Uint8Array {
  if (type === "boolean") return Uint8Array.of(value ? 1 : 0);
  if (type === "int" || type === "date") {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setInt32(0, Number(value), true);
    return out;
  }
  if (type === "long" || type === "timestamp" || type === "timestamptz" || type === "time") {
    const out = new Uint8Array(8);
    const n = type === "long" ? BigInt(value as number | bigint) : BigInt(value as number) * 1000n;
    new DataView(out.buffer).setBigInt64(0, n, true);
    return out;
  }
  if (type === "float") {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setFloat32(0, value as number, true);
    return out;
  }
  if (type === "double") {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setFloat64(0, value as number, true);
    return out;
  }
  if (type === "string") return new TextEncoder().encode(value as string);
  if (type.startsWith("decimal")) return twosComplementBigEndian(BigInt(value as bigint));
  throw new TypeError(`no single-value serialization for ${type}`);
}

/** Reads a value back into storage form (the inverse of serializeValue), for tests and planning. */
export function deserializeValue(type: IcebergPrimitive | string, bytes: Uint8Array): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (type === "boolean") return bytes[0] !== 0;
  if (type === "int" || type === "date") return view.getInt32(0, true);
  if (type === "long")
    return bytes.byteLength === 4 ? BigInt(view.getInt32(0, true)) : view.getBigInt64(0, true);
  if (type === "timestamp" || type === "timestamptz") return Number(view.getBigInt64(0, true) / 1000n);
  if (type === "float") return view.getFloat32(0, true);
  if (type === "double") return bytes.byteLength === 4 ? view.getFloat32(0, true) : view.getFloat64(0, true);
  if (type === "string") return new TextDecoder().decode(bytes);
  if (type.startsWith("decimal")) {
    let n = 0n;
    for (const b of bytes) n = (n << 8n) | BigInt(b);
    return bytes.length > 0 && (bytes[0]! & 0x80) !== 0 ? n - (1n << BigInt(bytes.length * 8)) : n;
  }
  throw new TypeError(`no single-value serialization for ${type}`);
}

/** Minimal two's-complement big-endian bytes of an integer (at least one byte). */
function twosComplementBigEndian(n: bigint): Uint8Array {
  const bytes: number[] = [];
  let v = n;
  for (;;) {
    const byte = Number(v & 0xffn);
    bytes.unshift(byte);
    v >>= 8n;
    const signBit = (byte & 0x80) !== 0;
    if ((v === 0n && !signBit) || (v === -1n && signBit)) break;
  }
  return Uint8Array.from(bytes);
}
