import type { Pipeline } from "../../core/pipeline/types.ts";
import { compileAggregation } from "../../core/stages/aggregate.ts";
import { timePartitionOfPath } from "../../core/stages/windows.ts";
import type { RunRecord } from "../../runtime/stages/run-record.ts";
import type { ObjectStore } from "../../storage/object-store.ts";
import type { IngestTotals } from "../main-job/feed.ts";
import { type PublishedView, readPublishedRows, readPublishedView } from "./published-view.ts";

export interface PartitionSizes {
  readonly partition: string;
  readonly rawFiles: number;
  readonly rawBytes: number;
  readonly files: number;
  readonly bytes: number;
  readonly rows: number;
}

export interface GoldSeries {
  readonly table: string;
  readonly window: string;
  readonly measure: string;
  readonly groupBy: string;
  readonly partitions: number;
  readonly rows: number;
  readonly bytes: number;
  readonly late: number;
  /** window start (ms) → group → value. */
  readonly points: Map<number, Map<string, number>>;
}

/** Everything the report shows: the run, and the lake as it is now (so a rerun's report is still full). */
export interface ReportData {
  readonly pipeline: Pipeline;
  readonly lake: string;
  readonly run: RunRecord;
  readonly ingest: IngestTotals;
  readonly partitions: PartitionSizes[];
  readonly gold: GoldSeries[];
  readonly quarantineFiles: number;
  /** Every published table: the events table first, then the gold tables. */
  readonly tables: readonly PublishedView[];
}

/** Reads the lake: raw file sizes, every published manifest, and the gold rows to chart. */
export async function collectReportData(
  pipeline: Pipeline,
  store: ObjectStore,
  run: RunRecord,
  ingest: IngestTotals,
): Promise<ReportData> {
  const g = pipeline.partitioning.granularity;
  const sizes = new Map<
    string,
    { rawFiles: number; rawBytes: number; files: number; bytes: number; rows: number }
  >();
  const entry = (tp: string) => {
    const e = sizes.get(tp) ?? { rawFiles: 0, rawBytes: 0, files: 0, bytes: 0, rows: 0 };
    sizes.set(tp, e);
    return e;
  };
  const table = pipeline.sink.table;
  for (const f of await store.list(`${table}/`)) {
    const e = entry(timePartitionOfPath(f.key.slice(table.length + 1), g));
    e.rawFiles++;
    e.rawBytes += f.size;
  }
  const events = await readPublishedView(pipeline, store, table);
  for (const part of events.parts) {
    const e = entry(part.partition);
    e.files += part.files;
    e.bytes += part.bytes;
    e.rows += part.rows;
  }
  const gold: GoldSeries[] = [];
  const views: PublishedView[] = [events];
  for (const agg of pipeline.aggregations?.tables ?? []) {
    const measure =
      Object.keys(agg.measures).find((k) => agg.measures[k]!.fn === "count") ?? Object.keys(agg.measures)[0]!;
    const groupBy = agg.groupBy[0]?.replaceAll(".", "_") ?? "";
    const points = new Map<number, Map<string, number>>();
    const view = await readPublishedView(pipeline, store, agg.table);
    views.push(view);
    const rows = await readPublishedRows(store, view, compileAggregation(pipeline, agg).schema);
    for (const row of rows) {
      const at = row.window_start as number;
      const group = groupBy ? String(row[groupBy] ?? "null") : "all";
      const byGroup = points.get(at) ?? new Map<string, number>();
      byGroup.set(group, (byGroup.get(group) ?? 0) + Number(row[measure] ?? 0));
      points.set(at, byGroup);
    }
    const slide = agg.window.slideMinutes ?? agg.window.sizeMinutes;
    gold.push({
      table: agg.table,
      window:
        slide === agg.window.sizeMinutes
          ? `tumbling ${slide} min`
          : `hopping ${agg.window.sizeMinutes} min every ${slide} min`,
      measure,
      groupBy,
      partitions: view.versions,
      rows: rows.length,
      bytes: view.parts.reduce((n, p) => n + p.bytes, 0),
      late: await lateLines(store, `${pipeline.quarantine.prefix}/${agg.table}/late/`),
      points,
    });
  }
  return {
    pipeline,
    lake: store.url,
    run,
    ingest,
    partitions: [...sizes]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([partition, s]) => ({ partition, ...s })),
    gold,
    quarantineFiles: (await store.list(`${pipeline.quarantine.prefix}/${table}/`)).length,
    tables: views,
  };
}

/** Late records quarantined for a gold table: one line each in its late files. */
async function lateLines(store: ObjectStore, prefix: string): Promise<number> {
  let n = 0;
  for (const { key } of await store.list(prefix)) {
    const body = await store.get(key);
    if (body)
      n += new TextDecoder()
        .decode(body)
        .split("\n")
        .filter((l) => l.length > 0).length;
  }
  return n;
}
