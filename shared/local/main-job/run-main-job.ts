import type { Pipeline } from "../../core/pipeline/types.ts";
import { runDocumentKey } from "../../core/stages/stage-io.ts";
import { GRANULARITY_MS, MINUTE_MS } from "../../core/stages/windows.ts";
import { createIngestHandler } from "../../runtime/ingest-handler.ts";
import { checkTablesAccept } from "../../runtime/stages/iceberg-tables.ts";
import type { RunRecord } from "../../runtime/stages/run-record.ts";
import { readJson } from "../../runtime/stages/stage-deps.ts";
import type { WriteBackSink } from "../../runtime/write-back-rows.ts";
import type { ObjectStore } from "../../storage/object-store.ts";
import { writeReport } from "../report/write-report.ts";
import type { LocalRunResult } from "../state-machine/run-local.ts";
import { createIngestTally, feedBatches, type IngestTotals } from "./feed.ts";
import { consumeKafka, type KafkaSourceOptions } from "./kafka-source.ts";
import type { Progress } from "./progress.ts";
import { runStages } from "./run-stages.ts";
import { batchesOf, type SampleStreamOptions, sampleStream } from "./sample-stream.ts";

export type JobSource =
  | { readonly kind: "generator"; readonly stream: SampleStreamOptions; readonly batchSize: number }
  | ({ readonly kind: "kafka" } & KafkaSourceOptions);

export interface MainJobOptions {
  readonly pipeline: Pipeline;
  readonly store: ObjectStore;
  readonly source: JobSource;
  /** The run's logical time; default: the generator's clock after its last record, or now for Kafka. */
  readonly now?: number;
  readonly progress: Progress;
  readonly report: boolean;
  /** Overrides the pipeline's allowed lateness for this run: watermarks are recomputed with it. */
  readonly allowedLatenessMinutes?: number;
  /** Where the ingest also writes its rows (`--write-back`); omitted: the lake only. */
  readonly writeBack?: WriteBackSink;
}

export interface MainJobResult {
  readonly ingest: IngestTotals;
  readonly run: LocalRunResult;
  readonly runId: string;
  readonly runRecord?: RunRecord;
  readonly reportKey?: string;
  readonly durationMs: number;
}

/**
 * The main job behind `npm start`: records (generated, or from Kafka) → the ingest handler as
 * Lambda-shaped batches → the deployed state machine run locally → run record and HTML report.
 */
export async function runMainJob(o: MainJobOptions): Promise<MainJobResult> {
  const t0 = performance.now();
  const { pipeline, store, progress } = o;
  // An incompatible schema change fails here, naming the column, before anything is ingested.
  await checkTablesAccept({ pipeline, store });
  const tally = createIngestTally();
  const handler = createIngestHandler({
    pipeline,
    store: tally.watch(store),
    ...(o.writeBack ? { writeBack: o.writeBack } : {}),
  });
  let now = o.now;
  if (o.source.kind === "generator") {
    const stream = sampleStream(o.source.stream);
    await feedBatches(handler, batchesOf(stream, o.source.batchSize), progress, tally);
    now ??= simulatedNow(pipeline, Math.max(...stream.map((r) => r.timestamp)));
  } else {
    await consumeKafka(pipeline, handler, o.source, progress, tally);
    now ??= Date.now();
  }
  const runId = `local-${new Date(now).toISOString().replace(/[-:]/g, "").slice(0, 13)}Z`;
  const run = await runStages({
    deps: { pipeline, store },
    input: {
      pipeline: pipeline.name,
      trigger: "local",
      now: new Date(now).toISOString(),
      runId,
      ...(o.allowedLatenessMinutes === undefined ? {} : { allowedLatenessMinutes: o.allowedLatenessMinutes }),
    },
    executionName: runId,
    progress,
  });
  const runRecord =
    run.status === "SUCCEEDED"
      ? await readJson<RunRecord>(store, runDocumentKey(pipeline.name, runId, "run.json"))
      : undefined;
  const reportKey =
    o.report && runRecord
      ? await writeReport({ pipeline, store, runRecord, ingest: tally.totals })
      : undefined;
  return {
    ingest: tally.totals,
    run,
    runId,
    ...(runRecord ? { runRecord } : {}),
    ...(reportKey ? { reportKey } : {}),
    durationMs: performance.now() - t0,
  };
}

/**
 * The generator's clock once its stream has arrived: late enough that every window is closed
 * (last arrival + allowed lateness + the longest window + one partition), on a whole minute.
 */
export function simulatedNow(pipeline: Pipeline, lastArrival: number): number {
  const lateness = (pipeline.aggregations?.allowedLatenessMinutes ?? 0) * MINUTE_MS;
  const longest = Math.max(
    0,
    ...(pipeline.aggregations?.tables ?? []).map((t) => t.window.sizeMinutes * MINUTE_MS),
  );
  const t = lastArrival + lateness + longest + GRANULARITY_MS[pipeline.partitioning.granularity];
  return Math.ceil(t / MINUTE_MS) * MINUTE_MS;
}
