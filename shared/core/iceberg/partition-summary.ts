import { compareCodePoints } from "./metrics.ts";
import { partitionResultType } from "./partition.ts";
import { serializeValue } from "./single-value.ts";
import type { DataFile, FieldSummary, IcebergSchema, PartitionSpec, PartitionValue } from "./types.ts";

/**
 * Per partition field of a manifest: whether any file has a null value, and the lowest and
 * highest values — what lets a reader skip the whole manifest for a `WHERE ts >= …`.
 */
export function partitionSummaries(
  schema: IcebergSchema,
  spec: PartitionSpec,
  files: readonly DataFile[],
): FieldSummary[] {
  return spec.fields.map((field) => {
    const type = partitionResultType(schema, field);
    const values = files.map((f) => f.partition[field.name] ?? null);
    const present = values.filter((v): v is Exclude<PartitionValue, null> => v !== null);
    if (present.length === 0) return { containsNull: values.length > 0, containsNan: false };
    const sorted = [...present].sort((a, b) =>
      typeof a === "string" ? compareCodePoints(a, b as string) : a < b ? -1 : a > b ? 1 : 0,
    );
    return {
      containsNull: present.length < values.length,
      containsNan: false,
      lowerBound: serializeValue(type === "timestamptz" ? "long" : type, sorted[0]),
      upperBound: serializeValue(type === "timestamptz" ? "long" : type, sorted.at(-1)),
    };
  });
}
