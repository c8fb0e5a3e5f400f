import { createHash } from "node:crypto";
import { IcebergMetadataError } from "./errors.ts";
import { fieldAtPath } from "./schema.ts";
import type {
  IcebergPrimitive,
  IcebergSchema,
  PartitionField,
  PartitionSpec,
  PartitionValue,
} from "./types.ts";

/** What a lakestream table is partitioned by: a time transform of one column, then identities. */
export interface PartitionSource {
  readonly column: string;
  readonly transform: "hour" | "day" | "month" | "identity";
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * The partition spec of a new table: hidden partitioning, so readers filter on the column
 * itself (`WHERE ts >= …`) and engines prune files without knowing the layout. Field ids start
 * at 1000 and names follow the reference implementation (`ts_hour`, `ts_day`, `country`).
 */
export function partitionSpecFor(schema: IcebergSchema, sources: readonly PartitionSource[]): PartitionSpec {
  return {
    "spec-id": 0,
    fields: sources.map((s, i) => {
      const field = fieldAtPath(schema, s.column);
      if (!field) throw new IcebergMetadataError(s.column, "partition source column is not in the schema");
      return {
        "source-id": field.id,
        "field-id": 1000 + i,
        name:
          s.transform === "identity"
            ? s.column.replaceAll(".", "_")
            : `${s.column.replaceAll(".", "_")}_${s.transform}`,
        transform: s.transform,
      };
    }),
  };
}

/** Whether two specs partition the same way (same sources, transforms and names). */
export function sameSpec(a: PartitionSpec, b: PartitionSpec): boolean {
  return (
    a.fields.length === b.fields.length &&
    a.fields.every(
      (f, i) =>
        f["source-id"] === b.fields[i]!["source-id"] &&
        f.transform === b.fields[i]!.transform &&
        f.name === b.fields[i]!.name,
    )
  );
}

/** The Iceberg type of a partition field's values (what manifests store in the partition tuple). */
export function partitionResultType(schema: IcebergSchema, field: PartitionField): IcebergPrimitive {
  if (field.transform === "hour" || field.transform === "month" || field.transform === "year") return "int";
  if (field.transform === "day") return "date";
  const source = sourceField(schema, field);
  if (typeof source.type !== "string") {
    throw new IcebergMetadataError(field.name, "an identity partition needs a primitive source column");
  }
  return source.type;
}

/** The column path a partition field reads. */
export function sourcePath(schema: IcebergSchema, field: PartitionField): string {
  const path: string[] = [];
  const visit = (fields: IcebergSchema["fields"], prefix: string[]): boolean => {
    for (const f of fields) {
      if (f.id === field["source-id"]) return path.push(...prefix, f.name) > 0;
      if (typeof f.type !== "string" && f.type.type === "struct" && visit(f.type.fields, [...prefix, f.name]))
        return true;
    }
    return false;
  };
  if (!visit(schema.fields, [])) {
    throw new IcebergMetadataError(
      field.name,
      `partition source id ${field["source-id"]} is not in the schema`,
    );
  }
  return path.join(".");
}

function sourceField(schema: IcebergSchema, field: PartitionField) {
  return fieldAtPath(schema, sourcePath(schema, field))!;
}

/**
 * A partition value from a storage-form value: epoch millis for timestamps, epoch days for
 * dates, bigint for longs. Time transforms floor (an instant before 1970 goes to the earlier
 * hour), as the spec requires.
 */
export function transformValue(transform: string, value: unknown, sourceType: string): PartitionValue {
  if (value === null || value === undefined) return null;
  switch (transform) {
    case "identity":
      return value as PartitionValue;
    case "hour":
      return Math.floor((value as number) / HOUR_MS);
    case "day":
      return sourceType === "date" ? (value as number) : Math.floor((value as number) / DAY_MS);
    case "month": {
      const d = new Date(sourceType === "date" ? (value as number) * DAY_MS : (value as number));
      return (d.getUTCFullYear() - 1970) * 12 + d.getUTCMonth();
    }
    default:
      throw new IcebergMetadataError(
        transform,
        "lakestream writes hour, day, month and identity partitions only",
      );
  }
}

/** Human form of a partition value, as Iceberg's reference implementation names data folders. */
export function humanPartitionValue(transform: string, value: PartitionValue): string {
  if (value === null) return "null";
  const iso = (ms: number) => new Date(ms).toISOString();
  switch (transform) {
    case "hour":
      return iso((value as number) * HOUR_MS)
        .slice(0, 13)
        .replace("T", "-");
    case "day":
      return iso((value as number) * DAY_MS).slice(0, 10);
    case "month":
      return iso(Date.UTC(1970, value as number, 1)).slice(0, 7);
    default:
      return String(value);
  }
}

/**
 * `ts_hour=2026-11-23-07/country=DE`: the folder of a partition's data files under `data/`.
 * Readers take partition values from the manifests, never from these folders, so a value with
 * characters beyond letters, digits, `.`, `_` and `-` is named by a readable stem and a hash of
 * the value: no escape sequence in a location, which Java's Hadoop paths read literally while
 * URL readers decode them, and no `/` that would nest folders.
 */
export function partitionPath(spec: PartitionSpec, values: Readonly<Record<string, PartitionValue>>): string {
  return spec.fields
    .map(
      (f) =>
        `${encodeURIComponent(f.name)}=${pathSegment(humanPartitionValue(f.transform, values[f.name] ?? null))}`,
    )
    .join("/");
}

const SAFE_SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/;

function pathSegment(text: string): string {
  if (SAFE_SEGMENT.test(text)) return text;
  const hash = createHash("sha256").update(text).digest("hex").slice(0, 16);
  const stem = text
    .normalize("NFKD")
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^[._]+/, "")
    .slice(0, 40);
  return `${stem}~${hash}`;
}
