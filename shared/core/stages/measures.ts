import type { MeasureConfig } from "../pipeline/types.ts";
import type { Column, TableSchema } from "../schema.ts";
import { columnPathReader, resolveColumnPath } from "./column-path.ts";

/**
 * Measures with SQL semantics (nulls ignored; sum/min/max/avg of no value is null; count is
 * never null), computed exactly: integer and decimal sums in bigint, so a gold table agrees to
 * the cent with what DuckDB, Spark or Athena compute over the same rows.
 */

type Row = Readonly<Record<string, unknown>>;

/** One measure's running state for one group. */
export interface Accumulator {
  add(row: Row): void;
  result(): unknown;
}

export interface CompiledMeasure {
  readonly name: string;
  /** The output column's type. */
  readonly column: Column;
  readonly create: () => Accumulator;
}

/** Compiles a declared measure against the pipeline schema (already validated by definePipeline). */
export function compileMeasure(schema: TableSchema, name: string, m: MeasureConfig): CompiledMeasure {
  const read = m.column === undefined ? () => 1 : columnPathReader(m.column);
  const input = m.column === undefined ? undefined : resolveColumnPath(schema, m.column)!.column;
  switch (m.fn) {
    case "count":
      return { name, column: { type: "int64" }, create: () => counter(read) };
    case "countDistinct":
      return { name, column: { type: "int64" }, create: () => distinctCounter(read) };
    case "sum":
      return { name, column: sumType(input!), create: () => summer(read, input!.type !== "double") };
    case "avg": {
      const scale = input!.type === "decimal" ? 10 ** input!.scale : 1;
      return { name, column: { type: "double", nullable: true }, create: () => averager(read, scale) };
    }
    case "min":
    case "max": {
      const sign = m.fn === "min" ? -1 : 1;
      return {
        name,
        column: { ...input!, nullable: true } as Column,
        create: () => extreme(read, sign),
      };
    }
  }
}

function sumType(input: Column): Column {
  if (input.type === "decimal") return { type: "decimal", precision: 38, scale: input.scale, nullable: true };
  return { type: input.type === "double" ? "double" : "int64", nullable: true };
}

function counter(read: (r: Row) => unknown): Accumulator {
  let n = 0n;
  return {
    add: (row) => {
      if (read(row) !== null) n++;
    },
    result: () => n,
  };
}

function distinctCounter(read: (r: Row) => unknown): Accumulator {
  const seen = new Set<unknown>();
  return {
    // bigint and number are distinct Set keys already; both are exact.
    add: (row) => {
      const v = read(row);
      if (v !== null) seen.add(v);
    },
    result: () => BigInt(seen.size),
  };
}

function summer(read: (r: Row) => unknown, exact: boolean): Accumulator {
  let sum: bigint | number = exact ? 0n : 0;
  let any = false;
  return {
    add: (row) => {
      const v = read(row);
      if (v === null) return;
      any = true;
      if (exact) (sum as bigint) += BigInt(v as bigint | number);
      else (sum as number) += v as number;
    },
    result: () => (any ? sum : null),
  };
}

function averager(read: (r: Row) => unknown, scale: number): Accumulator {
  let sum = 0n;
  let fsum = 0;
  let n = 0;
  return {
    add: (row) => {
      const v = read(row);
      if (v === null) return;
      n++;
      if (typeof v === "number" && !Number.isInteger(v)) fsum += v;
      else sum += BigInt(v as bigint | number);
    },
    result: () => (n === 0 ? null : (Number(sum) + fsum) / scale / n),
  };
}

function extreme(read: (r: Row) => unknown, sign: 1 | -1): Accumulator {
  let best: unknown = null;
  return {
    add: (row) => {
      const v = read(row);
      if (v === null) return;
      if (best === null) best = v;
      else if (compare(v, best) * sign > 0) best = v;
    },
    result: () => best,
  };
}

/** Numbers, bigints (int64, decimal) and strings all order with < and >. */
function compare(a: unknown, b: unknown): number {
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}
