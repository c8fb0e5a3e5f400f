import type { Pipeline } from "../../core/pipeline/types.ts";
import { MANIFEST_NAME, type Manifest, publishedTablePrefix } from "../../core/stages/manifest.ts";
import { timePartitionOfPath } from "../../core/stages/windows.ts";
import { readRows } from "../../runtime/stages/read-rows.ts";
import type { RunRecord } from "../../runtime/stages/run-record.ts";
import { readJson } from "../../runtime/stages/stage-deps.ts";
import type { ObjectStore } from "../../storage/object-store.ts";
import type { IngestTotals } from "../main-job/feed.ts";

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
  for (const m of await manifests(store, table)) {
    const e = entry(timePartitionOfPath(m.partition, g));
    e.files += m.files.length;
    e.bytes += m.files.reduce((n, f) => n + f.bytes, 0);
    e.rows += m.rows;
  }
  const gold: GoldSeries[] = [];
  for (const agg of pipeline.aggregations?.tables ?? []) {
    const measure =
      Object.keys(agg.measures).find((k) => agg.measures[k]!.fn === "count") ?? Object.keys(agg.measures)[0]!;
    const groupBy = agg.groupBy[0]?.replaceAll(".", "_") ?? "";
    const points = new Map<number, Map<string, number>>();
    const found = await manifests(store, agg.table);
    for (const m of found) {
      for (const f of m.files) {
        const body = await store.get(f.key);
        if (!body) continue;
        for (const row of await readRows(f.key, body, m.schema)) {
          const at = row.window_start as number;
          const group = groupBy ? String(row[groupBy] ?? "null") : "all";
          const byGroup = points.get(at) ?? new Map<string, number>();
          byGroup.set(group, (byGroup.get(group) ?? 0) + Number(row[measure] ?? 0));
          points.set(at, byGroup);
        }
      }
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
      partitions: found.length,
      rows: found.reduce((n, m) => n + m.rows, 0),
      bytes: found.reduce((n, m) => n + m.files.reduce((b, f) => b + f.bytes, 0), 0),
      late: found.reduce((n, m) => n + (m.late?.records ?? 0), 0),
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
  };
}

async function manifests(store: ObjectStore, table: string): Promise<Manifest[]> {
  const keys = (await store.list(publishedTablePrefix(table))).filter((f) =>
    f.key.endsWith(`/${MANIFEST_NAME}`),
  );
  const out: Manifest[] = [];
  for (const { key } of keys) {
    const m = await readJson<Manifest>(store, key);
    if (m) out.push(m);
  }
  return out;
}
