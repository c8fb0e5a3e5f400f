import { partitionResultType } from "./partition.ts";
import type { IcebergSchema, PartitionSpec } from "./types.ts";

/**
 * The Avro schemas of v2 manifests and manifest lists, with the field ids the spec assigns
 * (format/spec.md, "Manifests" and "Manifest Lists"), in the shapes Iceberg's reference
 * implementation writes: int-keyed maps as arrays of key/value records with logicalType "map",
 * optional fields as unions with null defaulting to null.
 */

const optional = (name: string, type: unknown, id: number) => ({
  name,
  type: ["null", type],
  default: null,
  "field-id": id,
});
const required = (name: string, type: unknown, id: number) => ({ name, type, "field-id": id });

const intMap = (keyId: number, valueId: number, value: "long" | "bytes") => ({
  type: "array",
  logicalType: "map",
  items: {
    type: "record",
    name: `k${keyId}_v${valueId}`,
    fields: [required("key", "int", keyId), required("value", value, valueId)],
  },
});

function avroPartitionType(type: string): unknown {
  if (type === "date") return { type: "int", logicalType: "date" };
  if (type === "timestamptz" || type === "timestamp")
    return { type: "long", logicalType: "timestamp-micros", "adjust-to-utc": type === "timestamptz" };
  if (type === "int" || type === "long" || type === "boolean" || type === "string" || type === "double")
    return type;
  throw new TypeError(`lakestream does not partition on ${type}`);
}

export function manifestEntrySchema(schema: IcebergSchema, spec: PartitionSpec): object {
  const partition = {
    type: "record",
    name: "r102",
    fields: spec.fields.map((f) =>
      optional(f.name, avroPartitionType(partitionResultType(schema, f)), f["field-id"]),
    ),
  };
  const dataFile = {
    type: "record",
    name: "r2",
    fields: [
      required("content", "int", 134),
      required("file_path", "string", 100),
      required("file_format", "string", 101),
      required("partition", partition, 102),
      required("record_count", "long", 103),
      required("file_size_in_bytes", "long", 104),
      optional("column_sizes", intMap(117, 118, "long"), 108),
      optional("value_counts", intMap(119, 120, "long"), 109),
      optional("null_value_counts", intMap(121, 122, "long"), 110),
      optional("nan_value_counts", intMap(138, 139, "long"), 137),
      optional("lower_bounds", intMap(126, 127, "bytes"), 125),
      optional("upper_bounds", intMap(129, 130, "bytes"), 128),
      optional("key_metadata", "bytes", 131),
      optional("split_offsets", { type: "array", items: "long", "element-id": 133 }, 132),
      optional("equality_ids", { type: "array", items: "int", "element-id": 136 }, 135),
      optional("sort_order_id", "int", 140),
      optional("referenced_data_file", "string", 143),
    ],
  };
  return {
    type: "record",
    name: "manifest_entry",
    fields: [
      required("status", "int", 0),
      optional("snapshot_id", "long", 1),
      optional("sequence_number", "long", 3),
      optional("file_sequence_number", "long", 4),
      required("data_file", dataFile, 2),
    ],
  };
}

export const MANIFEST_FILE_SCHEMA = {
  type: "record",
  name: "manifest_file",
  fields: [
    required("manifest_path", "string", 500),
    required("manifest_length", "long", 501),
    required("partition_spec_id", "int", 502),
    required("content", "int", 517),
    required("sequence_number", "long", 515),
    required("min_sequence_number", "long", 516),
    required("added_snapshot_id", "long", 503),
    required("added_files_count", "int", 504),
    required("existing_files_count", "int", 505),
    required("deleted_files_count", "int", 506),
    required("added_rows_count", "long", 512),
    required("existing_rows_count", "long", 513),
    required("deleted_rows_count", "long", 514),
    optional(
      "partitions",
      {
        type: "array",
        items: {
          type: "record",
          name: "r508",
          fields: [
            required("contains_null", "boolean", 509),
            optional("contains_nan", "boolean", 518),
            optional("lower_bound", "bytes", 510),
            optional("upper_bound", "bytes", 511),
          ],
        },
        "element-id": 508,
      },
      507,
    ),
    optional("key_metadata", "bytes", 519),
  ],
};
