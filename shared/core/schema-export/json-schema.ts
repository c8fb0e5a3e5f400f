import type { Column } from "../schema.ts";
import { columnDoc, partitionNote, shapeTitle } from "./column-docs.ts";
import type { TableShape } from "./table-shape.ts";

const INT32 = { minimum: -(2 ** 31), maximum: 2 ** 31 - 1 };

/**
 * A JSON Schema (draft 2020-12) of one row as lakestream writes it in JSON: the JSON Lines
 * sink and the write-back topic's values (`rowToJson`). Every column is present (null when
 * empty), timestamps are ISO-8601 UTC text with milliseconds, dates `YYYY-MM-DD`, decimals text
 * with exactly `scale` fraction digits (no digit lost), int64 a number when it is a safe
 * integer and text otherwise.
 */
export function jsonSchema(shape: TableShape): Record<string, unknown> {
  const note = partitionNote(shape);
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: `urn:lakestream:${shape.pipeline}:${shape.kind}:${shape.name}`,
    title: shapeTitle(shape),
    ...(note ? { description: `${note}.` } : {}),
    ...object(
      Object.fromEntries(
        Object.entries(shape.columns).map(([name, col]) => {
          const doc = columnDoc(shape, name);
          return [name, doc ? { description: doc, ...columnSchema(col) } : columnSchema(col)];
        }),
      ),
    ),
  };
}

function object(properties: Record<string, unknown>): Record<string, unknown> {
  return {
    type: "object",
    properties,
    required: Object.keys(properties),
    additionalProperties: false,
  };
}

function columnSchema(col: Column): Record<string, unknown> {
  const base = baseSchema(col);
  if (!col.nullable) return base;
  const type = base.type as string | string[];
  return { ...base, type: [...(Array.isArray(type) ? type : [type]), "null"] };
}

function baseSchema(col: Column): Record<string, unknown> {
  switch (col.type) {
    case "string":
    case "boolean":
      return { type: col.type };
    case "double":
      return { type: "number" };
    case "int32":
      return { type: "integer", ...INT32 };
    case "int64":
      // `pattern` applies to the text form only (past ±2^53); numbers pass as integers.
      return { type: ["integer", "string"], pattern: "^-?[0-9]{1,19}$" };
    case "timestamp":
      return { type: "string", format: "date-time" };
    case "date":
      return { type: "string", format: "date" };
    case "decimal": {
      const whole = Math.max(col.precision - col.scale, 1);
      const fraction = col.scale > 0 ? `\\.[0-9]{${col.scale}}` : "";
      return {
        type: "string",
        pattern: `^-?[0-9]{1,${whole}}${fraction}$`,
        description: `decimal(${col.precision},${col.scale}) as text`,
      };
    }
    case "list":
      return { type: "array", items: columnSchema(col.items) };
    case "struct":
      return object(Object.fromEntries(Object.entries(col.fields).map(([n, c]) => [n, columnSchema(c)])));
  }
}
