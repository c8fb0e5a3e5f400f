import type { SchemaElement, SchemaTree } from "hyparquet";
import type { Column, TableSchema } from "../schema.ts";
import { isDecimal, isList, listElement } from "./parquet-values.ts";

/** A file column that cannot become the pipeline column of the same name. */
export interface ColumnMismatch {
  /** Dotted path of the column (struct fields below the top level). */
  readonly column: string;
  readonly found: string;
  readonly expected: string;
}

/**
 * Checks a Parquet file against the pipeline's schema before a row is read, as Spark checks each
 * file against the read schema (`Parquet column cannot be converted in file …`): a column the
 * file and the schema both name must hold values the row normalizer accepts for it. Columns only
 * the file has go to the transform as they are; columns the file lacks are missing values (null
 * for nullable columns, or a value the transform derives). Returns the first mismatch, if any.
 */
export function firstColumnMismatch(root: SchemaTree, schema: TableSchema): ColumnMismatch | undefined {
  return mismatchIn(root.children, schema, "");
}

function mismatchIn(
  nodes: readonly SchemaTree[],
  fields: Readonly<Record<string, Column>>,
  prefix: string,
): ColumnMismatch | undefined {
  for (const node of nodes) {
    const column = fields[node.element.name];
    if (!column) continue;
    const found = mismatch(node, column, `${prefix}${node.element.name}`);
    if (found) return found;
  }
  return undefined;
}

function mismatch(node: SchemaTree, column: Column, path: string): ColumnMismatch | undefined {
  const el = node.element;
  const expected = describeColumn(column);
  const wrong = { column: path, found: describeParquet(node), expected };
  if (column.type === "list") {
    if (!isList(el) && el.repetition_type !== "REPEATED") return wrong;
    const element = isList(el)
      ? listElement(node)
      : { ...node, element: { ...el, repetition_type: "OPTIONAL" as const } };
    return element ? mismatch(element, column.items, `${path}[]`) : wrong;
  }
  if (column.type === "struct") {
    if (node.children.length === 0 || isList(el) || el.converted_type === "MAP") return wrong;
    return mismatchIn(node.children, column.fields, `${path}.`);
  }
  if (node.children.length > 0 || el.repetition_type === "REPEATED") return wrong;
  return accepts(column, el) ? undefined : wrong;
}

/** Physical and logical types whose values the normalizer takes for each column type. */
function accepts(column: Column, el: SchemaElement): boolean {
  const kind = leafKind(el);
  switch (column.type) {
    case "string":
      return kind === "string";
    case "boolean":
      return kind === "boolean";
    case "int32":
      return kind === "int32";
    case "int64":
      return kind === "int32" || kind === "int64";
    case "double":
      return kind === "int32" || kind === "float";
    case "decimal":
      return (
        kind === "decimal" || kind === "int32" || kind === "int64" || kind === "float" || kind === "string"
      );
    case "date":
      return kind === "date" || kind === "string";
    case "timestamp":
      return kind === "timestamp" || kind === "date" || kind === "string";
    default:
      return false;
  }
}

type LeafKind =
  | "string"
  | "boolean"
  | "int32"
  | "int64"
  | "float"
  | "decimal"
  | "date"
  | "timestamp"
  | "other";

function leafKind(el: SchemaElement): LeafKind {
  const c = el.converted_type;
  const l = el.logical_type?.type;
  if (isDecimal(el)) return "decimal";
  if (c === "DATE" || l === "DATE") return "date";
  if (c === "TIMESTAMP_MILLIS" || c === "TIMESTAMP_MICROS" || l === "TIMESTAMP" || el.type === "INT96")
    return "timestamp";
  switch (el.type) {
    case "BOOLEAN":
      return "boolean";
    case "INT32":
      return c === "UINT_32" ? "int64" : "int32";
    case "INT64":
      return c === "UINT_64" ? "other" : "int64";
    case "FLOAT":
    case "DOUBLE":
      return "float";
    case "BYTE_ARRAY":
      return c === "UTF8" || c === "ENUM" || c === "JSON" || l === "STRING" || l === "ENUM" || l === "JSON"
        ? "string"
        : "other";
    default:
      return "other";
  }
}

function describeParquet(node: SchemaTree): string {
  const el = node.element;
  if (isList(el)) return "LIST";
  if (node.children.length > 0) return el.converted_type === "MAP" ? "MAP" : "group (struct)";
  const annotation = isDecimal(el)
    ? `DECIMAL(${el.precision},${el.scale ?? 0})`
    : (el.logical_type?.type ?? el.converted_type);
  return `${el.repetition_type === "REPEATED" ? "repeated " : ""}${el.type}${annotation ? ` (${annotation})` : ""}`;
}

function describeColumn(c: Column): string {
  switch (c.type) {
    case "decimal":
      return `decimal(${c.precision},${c.scale})`;
    case "list":
      return `list<${describeColumn(c.items)}>`;
    case "struct":
      return "struct";
    default:
      return c.type;
  }
}
