import { rowToJson } from "../../core/encode/jsonl-gzip.ts";
import type { AggregationConfig } from "../../core/pipeline/types.ts";
import type { TableSchema } from "../../core/schema.ts";
import { compileAggregation } from "../../core/stages/aggregate.ts";
import { type Manifest, manifestKey } from "../../core/stages/manifest.ts";
import {
  type PartitionResult,
  parseStageInput,
  publishInputSchema,
  runDocumentKey,
  type StageTiming,
} from "../../core/stages/stage-io.ts";
import type { WriteBackMessage } from "../write-back-rows.ts";
import { filesOf } from "./iceberg-tables.ts";
import { publishIcebergTables, type TablePublish } from "./publish-iceberg.ts";
import { readRows } from "./read-rows.ts";
import { type RunRecord, runRecord } from "./run-record.ts";
import { readJson, readPlan, type StageDeps, startTiming, writeJson } from "./stage-deps.ts";

export interface PublishOutput {
  readonly runRecordKey: string;
  readonly partitions: number;
  /** Messages written back per gold table. */
  readonly writtenBack: Readonly<Record<string, number>>;
  /** Iceberg tables: the snapshot committed for each (empty for Hive-layout tables). */
  readonly tables: readonly TablePublish[];
  readonly timing: StageTiming;
}

/** The rows of one published version of a gold table, where write-back reads them from. */
interface GoldVersion {
  readonly table: string;
  readonly partition: string;
  readonly schema: TableSchema;
  /** Its data files: absolute locations (Iceberg tables may live outside the lake) … */
  readonly locations?: readonly string[];
  /** … or lake keys (Hive-layout tables). */
  readonly keys?: readonly string[];
}

/**
 * The publish stage. Iceberg tables: commits every version the run staged as one atomic
 * snapshot per table (exactly once: a version already published is not committed again).
 * Then writes the gold rows this run changed back to Kafka for tables that ask for it (at least
 * once: a consumer upserts by the message key, window and group), and the run record with
 * counts and timings per stage, which `npm start` and the report read.
 */
export function createPublishStage(deps: StageDeps): (input: unknown) => Promise<PublishOutput> {
  const { pipeline, store } = deps;
  const encoder = new TextEncoder();
  const goldSchemas = new Map(
    (pipeline.aggregations?.tables ?? []).map((a) => [a.table, compileAggregation(pipeline, a).schema]),
  );

  return async (raw) => {
    const done = startTiming();
    const input = parseStageInput("publish", publishInputSchema, raw);
    const plan = await readPlan(store, pipeline, input.runId);
    const results = input.results as unknown as PartitionResult[];
    let tables: TablePublish[] = [];
    let gold: GoldVersion[];
    if (pipeline.sink.tableFormat === "iceberg") {
      const published = await publishIcebergTables(deps, plan);
      tables = published.tables;
      gold = published.committed
        .filter((v) => v.kind === "aggregate")
        .map((v) => ({
          table: v.table,
          partition: v.owner,
          schema: goldSchemas.get(v.table) ?? {},
          locations: v.files.map((f) => f.filePath),
        }));
    } else gold = await changedHiveGold(deps, results);

    const writtenBack: Record<string, number> = {};
    for (const agg of pipeline.aggregations?.tables ?? []) {
      if (!agg.writeBack || !deps.writeBack) continue;
      const messages: WriteBackMessage[] = [];
      for (const v of gold.filter((g) => g.table === agg.table)) {
        const files = [
          ...(v.keys ?? []).map((key) => ({ name: key, read: () => store.get(key) })),
          ...(v.locations ?? []).map((l) => ({ name: l, read: () => filesOf(deps).read(l) })),
        ];
        for (const f of files) {
          const body = await f.read();
          if (!body) continue;
          for (const row of await readRows(f.name, body, v.schema))
            messages.push(goldMessage(agg, v, row, encoder));
        }
      }
      await deps.writeBack(agg.writeBack.topic).send(messages);
      writtenBack[agg.table] = messages.length;
    }
    const key = runDocumentKey(pipeline.name, input.runId, "run.json");
    const timing = done();
    const record: RunRecord = runRecord(plan, { timing: input.timing }, results, {
      writtenBack,
      tables,
      timing,
    });
    await writeJson(store, key, record);
    return { runRecordKey: key, partitions: results.length, writtenBack, tables, timing };
  };
}

/** Hive-layout gold partitions this run changed, read from their `_SUCCESS` manifests. */
async function changedHiveGold(deps: StageDeps, results: readonly PartitionResult[]): Promise<GoldVersion[]> {
  const out: GoldVersion[] = [];
  for (const r of results) {
    for (const t of r.aggregate?.tables ?? []) {
      if (t.unchanged) continue;
      const manifest = await readJson<Manifest>(deps.store, manifestKey(t.table, r.partition));
      if (manifest) {
        out.push({
          table: t.table,
          partition: r.partition,
          schema: manifest.schema,
          keys: manifest.files.map((f) => f.key),
        });
      }
    }
  }
  return out;
}

/**
 * Keyed by table, window and group, so a compacted topic keeps the latest value of each. The
 * Kafka timestamp is the window's start (docs/write-back.md): an instant inside the window the
 * row describes, so a consumer's event-time windows of the same size hold it.
 */
function goldMessage(
  agg: AggregationConfig,
  version: GoldVersion,
  row: Record<string, unknown>,
  encoder: TextEncoder,
): WriteBackMessage {
  const json = rowToJson(version.schema, row);
  const groupKey = agg.groupBy.map((g) => json[g.replaceAll(".", "_")]);
  return {
    key: encoder.encode(JSON.stringify([agg.table, json.window_start, ...groupKey])),
    value: encoder.encode(JSON.stringify(json)),
    timestamp: row.window_start as number,
    headers: {
      "lakestream.table": agg.table,
      "lakestream.partition": version.partition,
      "lakestream.window.start": String(json.window_start),
    },
  };
}
