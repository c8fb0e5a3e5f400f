import { Buffer, isUtf8 } from "node:buffer";
import type { ValueFormat } from "./pipeline/types.ts";

/**
 * Turns key or value bytes into what the transform receives. Throws on bytes that are not
 * valid in the declared format (bad UTF-8, bad JSON); the caller wraps that into a
 * `DeserializeError` with the record's coordinates, so the record goes to quarantine.
 */
export function deserialize(
  bytes: Uint8Array | null,
  format: ValueFormat,
  part: "key" | "value" = "value",
): unknown {
  if (bytes === null) return null;
  switch (format) {
    case "bytes":
      return bytes;
    case "string":
      return utf8(bytes, part);
    case "json":
      return JSON.parse(utf8(bytes, part));
  }
}

/** Strict UTF-8: invalid bytes are an error (quarantine), never silently replaced. Native check, then a fast decode. */
function utf8(bytes: Uint8Array, part: "key" | "value"): string {
  if (!isUtf8(bytes)) throw new TypeError(`${part} is not valid UTF-8`);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
}
