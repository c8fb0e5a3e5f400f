import type { TableShape } from "./table-shape.ts";

/** What each lineage column means; every format prints it, so readers need not read the code. */
const LINEAGE_DOCS: Readonly<Record<string, string>> = {
  _topic: "lineage: Kafka topic of the source record",
  _partition: "lineage: Kafka partition of the source record",
  _offset: "lineage: Kafka offset of the source record (with topic and partition: the dedupe key)",
  _ts: "lineage: Kafka timestamp of the source record, UTC",
};

/** A one-line description of a top-level column, or undefined when there is nothing to add. */
export function columnDoc(shape: TableShape, name: string): string | undefined {
  const lineage = LINEAGE_DOCS[name];
  if (lineage) return lineage;
  if (name === "window_start" && shape.eventTime === "window_start") return "window start, UTC, inclusive";
  if (name === "window_end" && shape.eventTime === "window_start") return "window end, UTC, exclusive";
  if (name === shape.eventTime) return "event time, UTC: partitions and windows follow it";
  return undefined;
}

/** The first line every format starts with: what this is and where it comes from. */
export function shapeTitle(shape: TableShape): string {
  const what =
    shape.kind === "write-back"
      ? `write-back value of ${shape.name}${shape.topic ? ` (topic ${shape.topic})` : ""}`
      : `${shape.kind === "gold" ? "gold table" : "table"} ${shape.name}`;
  return `lakestream pipeline ${shape.pipeline}: ${what}`;
}

/** Partition columns as prose, for formats that have no place for them in the schema itself. */
export function partitionNote(shape: TableShape): string | undefined {
  if (shape.partitionColumns.length === 0) return undefined;
  const path = shape.partitionColumns.map((c) => `${c.name}=…`).join("/");
  return `Hive layout ${shape.path}/${path}/: ${shape.partitionColumns.map((c) => c.name).join(", ")} are in the path, not in the files`;
}
