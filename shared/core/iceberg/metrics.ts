import type { Column, TableSchema } from "../schema.ts";
import { serializeValue } from "./single-value.ts";
import type { IcebergPrimitive, IcebergSchema, IcebergType } from "./types.ts";

/** Column statistics of one data file, keyed by field id, as a manifest entry stores them. */
export interface FileMetrics {
  readonly valueCounts: Map<number, number>;
  readonly nullValueCounts: Map<number, number>;
  readonly nanValueCounts: Map<number, number>;
  readonly lowerBounds: Map<number, Uint8Array>;
  readonly upperBounds: Map<number, Uint8Array>;
}

/** Iceberg's default metrics mode, truncate(16): string bounds keep 16 code points. */
const STRING_BOUND_LENGTH = 16;

/**
 * Computes the statistics engines prune files with (value, null and NaN counts; lower and upper
 * bounds) from the file's columns in storage form, for every primitive field with an id in the
 * table schema. Fields inside lists get counts but no bounds, as in Iceberg's own writers.
 */
export function fileMetrics(
  schema: TableSchema,
  columns: Readonly<Record<string, readonly unknown[]>>,
  table: IcebergSchema,
): FileMetrics {
  const m = metricsAccumulator(schema, table);
  m.add(columns);
  return m.result();
}

/** File metrics gathered over a file's row groups, one `add` each: the same as over all its rows at once. */
export interface MetricsAccumulator {
  add(columns: Readonly<Record<string, readonly unknown[]>>): void;
  result(): FileMetrics;
}

interface LeafState {
  readonly type: IcebergPrimitive;
  readonly bounded: boolean;
  readonly compare: (a: unknown, b: unknown) => number;
  values: number;
  nulls: number;
  nans: number;
  min: unknown;
  max: unknown;
}

/** Metrics of a file written a row group at a time: counts add up, bounds keep the extremes. */
export function metricsAccumulator(schema: TableSchema, table: IcebergSchema): MetricsAccumulator {
  const leaves = new Map<number, LeafState>();
  return {
    add(columns) {
      for (const [name, column] of Object.entries(schema)) {
        const field = table.fields.find((f) => f.name === name);
        if (field) collect(leaves, column, field.id, field.type, columns[name] ?? [], true);
      }
    },
    result() {
      const m: FileMetrics = {
        valueCounts: new Map(),
        nullValueCounts: new Map(),
        nanValueCounts: new Map(),
        lowerBounds: new Map(),
        upperBounds: new Map(),
      };
      for (const [id, leaf] of leaves) finish(m, id, leaf);
      return m;
    },
  };
}

function collect(
  leaves: Map<number, LeafState>,
  column: Column,
  id: number,
  type: IcebergType,
  values: readonly unknown[],
  bounded: boolean,
): void {
  if (column.type === "struct" && typeof type !== "string" && type.type === "struct") {
    for (const f of type.fields) {
      const child = column.fields[f.name];
      if (!child) continue;
      const childValues = values.map((v) =>
        v === null || v === undefined ? null : (v as Record<string, unknown>)[f.name],
      );
      collect(leaves, child, f.id, f.type, childValues, bounded);
    }
    return;
  }
  if (column.type === "list" && typeof type !== "string" && type.type === "list") {
    const elements: unknown[] = [];
    for (const v of values) if (Array.isArray(v)) for (const e of v) elements.push(e);
    collect(leaves, column.items, type["element-id"], type.element, elements, false);
    return;
  }
  if (typeof type !== "string") return;
  let leaf = leaves.get(id);
  if (!leaf) {
    const t = type as IcebergPrimitive;
    leaf = {
      type: t,
      bounded,
      compare: comparator(t),
      values: 0,
      nulls: 0,
      nans: 0,
      min: undefined,
      max: undefined,
    };
    leaves.set(id, leaf);
  }
  const { compare } = leaf;
  let { min, max } = leaf;
  for (const v of values) {
    if (v === null || v === undefined) {
      leaf.nulls++;
      continue;
    }
    if (typeof v === "number" && Number.isNaN(v)) {
      leaf.nans++;
      continue;
    }
    if (min === undefined || compare(v, min) < 0) min = v;
    if (max === undefined || compare(v, max) > 0) max = v;
  }
  leaf.min = min;
  leaf.max = max;
  leaf.values += values.length;
}

function finish(m: FileMetrics, id: number, leaf: LeafState): void {
  const { type, min, max } = leaf;
  m.valueCounts.set(id, leaf.values);
  m.nullValueCounts.set(id, leaf.nulls);
  if (type === "double" || type === "float") m.nanValueCounts.set(id, leaf.nans);
  if (!leaf.bounded || min === undefined) return;
  if (type === "string") {
    m.lowerBounds.set(id, serializeValue(type, truncateLower(min as string)));
    const upper = truncateUpper(max as string);
    if (upper !== undefined) m.upperBounds.set(id, serializeValue(type, upper));
    return;
  }
  m.lowerBounds.set(id, serializeValue(type, min));
  m.upperBounds.set(id, serializeValue(type, max));
}

function comparator(type: string): (a: unknown, b: unknown) => number {
  if (type === "string") return (a, b) => compareCodePoints(a as string, b as string);
  if (type === "boolean") return (a, b) => Number(a) - Number(b);
  if (type === "double" || type === "float") {
    // -0.0 sorts before +0.0, as IEEE 754 totalOrder and the spec require.
    return (a, b) =>
      a === b
        ? Object.is(a, -0)
          ? Object.is(b, -0)
            ? 0
            : -1
          : Object.is(b, -0)
            ? 1
            : 0
        : (a as number) < (b as number)
          ? -1
          : 1;
  }
  return (a, b) =>
    (a as number | bigint) < (b as number | bigint)
      ? -1
      : (a as number | bigint) > (b as number | bigint)
        ? 1
        : 0;
}

/**
 * Orders strings by code point, which is UTF-8 byte order (what Iceberg and Parquet compare):
 * JavaScript's `<` compares UTF-16 code units, which puts U+E000–U+FFFF after surrogate pairs.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return fixup(x) - fixup(y);
  }
  return a.length - b.length;
}

function fixup(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

function truncateLower(s: string): string {
  return [...s].slice(0, STRING_BOUND_LENGTH).join("");
}

/** The shortest string of ≤ 16 code points that is ≥ s: the prefix with its last code point raised. */
function truncateUpper(s: string): string | undefined {
  const points = [...s];
  if (points.length <= STRING_BOUND_LENGTH) return s;
  const prefix = points.slice(0, STRING_BOUND_LENGTH).map((p) => p.codePointAt(0)!);
  for (let i = prefix.length - 1; i >= 0; i--) {
    let next = prefix[i]! + 1;
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000;
    if (next <= 0x10ffff) return String.fromCodePoint(...prefix.slice(0, i), next);
  }
  return undefined;
}
