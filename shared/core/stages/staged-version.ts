import { Buffer } from "node:buffer";
import { parseJsonExact, stringifyJsonExact } from "../iceberg/json.ts";
import type { DataFile } from "../iceberg/types.ts";
import type { OffsetSpan } from "./dedupe.ts";
import type { Manifest } from "./manifest.ts";

/**
 * A table version that compact or aggregate wrote and publish has yet to commit: its data files
 * are in the table's folder (invisible to readers until a snapshot lists them) and this document
 * in the run's folder says what they are. Publish commits every staged version of a run as one
 * snapshot per table; a version whose owner moved on meanwhile is left out, never forced in.
 */
export interface StagedVersion {
  readonly format: "lakestream-staged/1";
  readonly kind: Manifest["kind"];
  readonly table: string;
  /** The raw partition path (compacted) or owning time partition (gold) this version replaces. */
  readonly owner: string;
  readonly tag: string;
  readonly digest: string;
  /** The digest published when the run was planned (null: nothing); publish replaces only that. */
  readonly base: string | null;
  readonly rows: number;
  readonly bytes: number;
  readonly files: readonly DataFile[];
  readonly offsets: readonly OffsetSpan[];
  readonly inputs: Manifest["inputs"];
  readonly windows?: Manifest["windows"];
  readonly late?: Manifest["late"];
}

export function stagedVersionPrefix(pipeline: string, runId: string): string {
  return `_lakestream/runs/${pipeline}/${runId}/staged/`;
}

export function stagedVersionKey(pipeline: string, runId: string, table: string, tag: string): string {
  return `${stagedVersionPrefix(pipeline, runId)}${table}/${tag}.json`;
}

/** JSON with Maps as [id, value] pairs and bounds as base64, 64-bit values exact. */
export function serializeStagedVersion(v: StagedVersion): string {
  return stringifyJsonExact(
    {
      ...v,
      files: v.files.map((f) => ({
        ...f,
        valueCounts: [...f.valueCounts],
        nullValueCounts: [...f.nullValueCounts],
        nanValueCounts: [...(f.nanValueCounts ?? [])],
        lowerBounds: [...f.lowerBounds].map(([k, b]) => [k, Buffer.from(b).toString("base64")]),
        upperBounds: [...f.upperBounds].map(([k, b]) => [k, Buffer.from(b).toString("base64")]),
      })),
    },
    1,
  );
}

export function parseStagedVersion(text: string): StagedVersion {
  const raw = parseJsonExact(text) as StagedVersion & { files: Record<string, unknown>[] };
  const map = <V>(pairs: unknown, f: (v: unknown) => V) =>
    new Map<number, V>((pairs as [number, unknown][]).map(([k, v]) => [k, f(v)]));
  const bytes = (v: unknown) => new Uint8Array(Buffer.from(v as string, "base64"));
  return {
    ...raw,
    files: raw.files.map((f) => ({
      ...(f as unknown as DataFile),
      valueCounts: map(f.valueCounts, Number),
      nullValueCounts: map(f.nullValueCounts, Number),
      nanValueCounts: map(f.nanValueCounts, Number),
      lowerBounds: map(f.lowerBounds, bytes),
      upperBounds: map(f.upperBounds, bytes),
    })),
  };
}
