import { rowToJson } from "../../core/encode/jsonl-gzip.ts";
import type { AggregationConfig } from "../../core/pipeline/types.ts";
import { type Manifest, manifestKey } from "../../core/stages/manifest.ts";
import {
  type PartitionResult,
  parseStageInput,
  publishInputSchema,
  runDocumentKey,
  type StageTiming,
} from "../../core/stages/stage-io.ts";
import type { WriteBackMessage } from "../write-back-rows.ts";
import { readRows } from "./read-rows.ts";
import { type RunRecord, runRecord } from "./run-record.ts";
import { readJson, readPlan, type StageDeps, startTiming, writeJson } from "./stage-deps.ts";

export interface PublishOutput {
  readonly runRecordKey: string;
  readonly partitions: number;
  /** Messages written back per gold table. */
  readonly writtenBack: Readonly<Record<string, number>>;
  readonly timing: StageTiming;
}

/**
 * The publish stage: writes the gold rows this run changed back to Kafka for tables that ask
 * for it (at least once: a consumer upserts by the message key, window and group), then the
 * run record with counts and timings per stage, which `npm start` and the report read.
 */
export function createPublishStage(deps: StageDeps): (input: unknown) => Promise<PublishOutput> {
  const { pipeline, store } = deps;
  const encoder = new TextEncoder();

  return async (raw) => {
    const done = startTiming();
    const input = parseStageInput("publish", publishInputSchema, raw);
    const plan = await readPlan(store, pipeline, input.runId);
    const results = input.results as unknown as PartitionResult[];
    const writtenBack: Record<string, number> = {};
    for (const agg of pipeline.aggregations?.tables ?? []) {
      if (!agg.writeBack || !deps.writeBack) continue;
      const changed = results.filter((r) =>
        r.aggregate?.tables.some((t) => t.table === agg.table && !t.unchanged),
      );
      const messages: WriteBackMessage[] = [];
      for (const r of changed) {
        const manifest = await readJson<Manifest>(store, manifestKey(agg.table, r.partition));
        for (const f of manifest?.files ?? []) {
          const body = await store.get(f.key);
          if (!body) continue;
          for (const row of await readRows(f.key, body, manifest!.schema)) {
            messages.push(goldMessage(agg, manifest!, row, encoder));
          }
        }
      }
      const sink = deps.writeBack(agg.writeBack.topic);
      await sink.send(messages);
      writtenBack[agg.table] = messages.length;
    }
    const key = runDocumentKey(pipeline.name, input.runId, "run.json");
    const timing = done();
    const record: RunRecord = runRecord(plan, { timing: input.timing }, results, { writtenBack, timing });
    await writeJson(store, key, record);
    return { runRecordKey: key, partitions: results.length, writtenBack, timing };
  };
}

/**
 * Keyed by table, window and group, so a compacted topic keeps the latest value of each. The
 * Kafka timestamp is the window's start (docs/write-back.md): an instant inside the window the
 * row describes, so a consumer's event-time windows of the same size hold it.
 */
function goldMessage(
  agg: AggregationConfig,
  manifest: Manifest,
  row: Record<string, unknown>,
  encoder: TextEncoder,
): WriteBackMessage {
  const json = rowToJson(manifest.schema, row);
  const groupKey = agg.groupBy.map((g) => json[g.replaceAll(".", "_")]);
  return {
    key: encoder.encode(JSON.stringify([agg.table, json.window_start, ...groupKey])),
    value: encoder.encode(JSON.stringify(json)),
    timestamp: row.window_start as number,
    headers: {
      "lakestream.table": agg.table,
      "lakestream.partition": manifest.partition,
      "lakestream.window.start": String(json.window_start),
    },
  };
}
