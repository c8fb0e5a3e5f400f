import type { ValueFormat } from "./pipeline/types.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Turns key or value bytes into what the transform receives. Throws on bytes that are not
 * valid in the declared format (bad UTF-8, bad JSON); the caller wraps that into a
 * `DeserializeError` with the record's coordinates, so the record goes to quarantine.
 */
export function deserialize(bytes: Uint8Array | null, format: ValueFormat): unknown {
  if (bytes === null) return null;
  switch (format) {
    case "bytes":
      return bytes;
    case "string":
      return utf8.decode(bytes);
    case "json":
      return JSON.parse(utf8.decode(bytes));
  }
}
