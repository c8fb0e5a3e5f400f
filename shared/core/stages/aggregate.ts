import type { AggregationConfig, Pipeline } from "../pipeline/types.ts";
import type { TableSchema } from "../schema.ts";
import { columnPathReader, outputColumnName, resolveColumnPath } from "./column-path.ts";
import type { LineageRow } from "./dedupe.ts";
import { type Accumulator, compileMeasure } from "./measures.ts";
import { missesWindow, rowWatermark } from "./watermarks.ts";
import { type Window, type WindowSpec, windowSpec, windowsContaining, windowsEndingIn } from "./windows.ts";

/** A row whose batch's watermark had already passed the end of one of its windows. */
export interface LateRow {
  readonly row: LineageRow;
  readonly window: Window;
  readonly eventTime: number;
  /** The row's watermark (see watermarks.ts): its batch's earlier event times minus the lateness. */
  readonly watermark: number;
  /** The Kafka timestamp, for the operator only: it plays no part in lateness. */
  readonly arrivedAt: number;
}

export interface AggregateResult {
  /** Gold rows in storage form, ordered by window start then group key. */
  readonly rows: Record<string, unknown>[];
  readonly late: LateRow[];
  /** Rows counted in at least one window (the offsets the manifest reports). */
  readonly counted: LineageRow[];
  /** Windows owned by the partition, with or without rows. */
  readonly windows: number;
}

export interface CompiledAggregation {
  readonly config: AggregationConfig;
  readonly spec: WindowSpec;
  /** The gold table's columns: window bounds, group keys, measures. */
  readonly schema: TableSchema;
  /**
   * Aggregates the windows ending in (owner.start, owner.end] over deduped rows. Rows outside
   * those windows are ignored (their owners count them), so the caller may pass every row of
   * every partition the windows overlap. A row misses a window its watermark (carried by the
   * row, see watermarks.ts) has reached; a row without one misses none.
   */
  compute(rows: Iterable<LineageRow>, owner: Window): AggregateResult;
}

/** Compiles one declared gold table once per cold start. */
export function compileAggregation(pipeline: Pipeline, config: AggregationConfig): CompiledAggregation {
  const spec = windowSpec(config.window);
  const { eventTime } = pipeline.partitioning;
  const eventTimeOf: (r: LineageRow) => number =
    eventTime === "kafka-timestamp" ? (r) => r._ts as number : (r) => r[eventTime.field] as number;
  const keys = config.groupBy.map((path) => ({
    name: outputColumnName(path),
    read: columnPathReader(path),
    column: resolveColumnPath(pipeline.schema, path)!,
  }));
  const measures = Object.entries(config.measures).map(([name, m]) =>
    compileMeasure(pipeline.schema, name, m),
  );
  const schema: TableSchema = {
    window_start: { type: "timestamp" },
    window_end: { type: "timestamp" },
    ...Object.fromEntries(
      keys.map((k) => [k.name, k.column.nullable ? { ...k.column.column, nullable: true } : k.column.column]),
    ),
    ...Object.fromEntries(measures.map((m) => [m.name, m.column])),
  };

  return {
    config,
    spec,
    schema,
    compute(rows, owner) {
      const groups = new Map<string, { values: unknown[]; window: Window; accs: Accumulator[] }>();
      const late: LateRow[] = [];
      const counted: LineageRow[] = [];
      const owned = windowsEndingIn(owner.start, owner.end, spec);
      for (const row of rows) {
        const t = eventTimeOf(row);
        const watermark = rowWatermark(row);
        let isCounted = false;
        for (const window of windowsContaining(t, spec)) {
          if (window.end <= owner.start || window.end > owner.end) continue;
          if (missesWindow(window.end, watermark)) {
            late.push({ row, window, eventTime: t, watermark: watermark!, arrivedAt: row._ts as number });
            continue;
          }
          const values = keys.map((k) => k.read(row));
          const id = `${window.start}\u0001${values.map(keyText).join("\u0001")}`;
          let group = groups.get(id);
          if (!group) {
            group = { values, window, accs: measures.map((m) => m.create()) };
            groups.set(id, group);
          }
          for (const acc of group.accs) acc.add(row);
          isCounted = true;
        }
        if (isCounted) counted.push(row);
      }
      const out = [...groups.values()]
        .sort((a, b) => a.window.start - b.window.start || compareValues(a.values, b.values))
        .map((g) => {
          const row: Record<string, unknown> = { window_start: g.window.start, window_end: g.window.end };
          keys.forEach((k, i) => {
            row[k.name] = g.values[i];
          });
          measures.forEach((m, i) => {
            row[m.name] = g.accs[i]!.result();
          });
          return row;
        });
      return { rows: out, late, counted, windows: owned.length };
    },
  };
}

function keyText(v: unknown): string {
  return typeof v === "bigint" ? `${v}n` : JSON.stringify(v);
}

/** Nulls first, then natural order: a stable order for output files. */
function compareValues(a: readonly unknown[], b: readonly unknown[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    if ((x as number) < (y as number)) return -1;
    if ((x as number) > (y as number)) return 1;
  }
  return 0;
}
